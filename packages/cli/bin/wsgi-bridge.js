#!/usr/bin/env node
// The installed command. It is committed, not built, so that npm links it (and makes it
// executable) at install time, before the TypeScript build has made dist/bin.js.
import '../dist/bin.js';
