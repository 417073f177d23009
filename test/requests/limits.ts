import { accepted, group, head, http, rejected } from './fixture.js';

// eventlet's limits as the standalone server keeps them: urlLengthLimit 8192 for the
// request line (with its CRLF), 8192 for one header line; a header block larger than
// any front end allows is refused (eventlet's 400 Headers Too Large; 431 elsewhere).
const longTarget = (lineLength: number): string => `/${'a'.repeat(lineLength - 'GET / HTTP/1.1\r\n'.length)}`;
const longValue = (lineLength: number): string => 'v'.repeat(lineLength - 'X-Long: \r\n'.length);

/** Over-long lines and header blocks. */
export const limits = group('limits', {
  'url-just-under': {
    ...accepted(http(head(`GET ${longTarget(8191)} HTTP/1.1`)), { path: longTarget(8191) }),
    standaloneOnly: true,
  },
  'url-at-limit': rejected(http(head(`GET ${longTarget(8192)} HTTP/1.1`)), 414, { standaloneOnly: true }),
  'url-far-over': rejected(http(head(`GET ${longTarget(100_000)} HTTP/1.1`))),
  'header-line-under': {
    ...accepted(http(head('GET /l HTTP/1.1', `X-Long: ${longValue(8191)}`)),
      { path: '/l', environ: { HTTP_X_LONG: longValue(8191) } }),
    standaloneOnly: true,
  },
  'header-line-at-limit': rejected(http(head('GET /l HTTP/1.1', `X-Long: ${longValue(8192)}`)), 400, { standaloneOnly: true }),
  'header-block-over': rejected(http(head('GET /l HTTP/1.1',
    ...Array.from({ length: 20 }, (_, i) => `X-Fill-${i}: ${'f'.repeat(5000)}`)))),
  'many-small-headers': accepted(http(head('GET /many HTTP/1.1', ...Array.from({ length: 90 }, (_, i) => `X-H${i}: ${i}`))),
    { path: '/many', environ: { HTTP_X_H0: '0', HTTP_X_H89: '89' } }),
});
