import { contentLength } from './content-length.js';
import type { Fixture } from './fixture.js';
import { headers } from './headers.js';
import { limits } from './limits.js';
import { requestLine } from './request-line.js';
import { smuggling } from './smuggling.js';
import { transferEncoding } from './transfer-encoding.js';

export type { Fixture, Seen, Then } from './fixture.js';

/** Every fixture of the corpus. */
export const corpus: Fixture[] = [
  ...requestLine, ...headers, ...contentLength, ...transferEncoding, ...smuggling, ...limits,
];
