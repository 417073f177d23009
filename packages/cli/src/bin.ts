#!/usr/bin/env node
import { main } from './main.js';

const status = await main(process.argv.slice(2));
// Exit now: nothing the primary leaves behind (a watcher, a closed channel) should hold it.
process.exit(status);
