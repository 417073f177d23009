import { group, head, http, rejected, type Case } from './fixture.js';

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: example.test\r\n\r\n';
const post = (...headers: string[]): string[] => head('POST /front HTTP/1.1', ...headers);

/** Two requests on one connection, one after the other: both are served, in order. */
const pipelined = (first: string, ...paths: string[]): Case => ({
  raw: first + paths.map((path) => http(head(`GET ${path} HTTP/1.1`))).join(''),
  seen: [{ path: '/first' }, ...paths.map((path) => ({ path }))],
  then: 'open',
});

/**
 * Requests built so that two parsers could disagree on where the first one ends; the
 * one behind must never reach the app (Node's parser refuses the ambiguous framing).
 */
export const smuggling = group('smuggling', {
  'cl-te': rejected(http(post('Content-Length: 6', 'Transfer-Encoding: chunked'), `0\r\n\r\n${SMUGGLED}`)),
  'te-cl': rejected(http(post('Transfer-Encoding: chunked', 'Content-Length: 3'), `2e\r\n${SMUGGLED}\r\n0\r\n\r\n`)),
  'cl-te-http10': rejected(http(['POST /front HTTP/1.0', 'Content-Length: 6', 'Transfer-Encoding: chunked'],
    `0\r\n\r\n${SMUGGLED}`)),
  'te-space-before-colon': rejected(http(post('Transfer-Encoding : chunked', 'Content-Length: 4'), `0\r\n\r\n${SMUGGLED}`)),
  'te-vertical-tab': rejected(http(post('Transfer-Encoding: \x0bchunked'), `0\r\n\r\n${SMUGGLED}`)),
  'te-folded': rejected(http(post('Transfer-Encoding:', ' chunked'), `0\r\n\r\n${SMUGGLED}`)),
  'te-xchunked-with-cl': rejected(http(post('Transfer-Encoding: xchunked', 'Content-Length: 4'), `0\r\n\r\n${SMUGGLED}`)),
  'te-and-unknown-te': rejected(http(post('Transfer-Encoding: chunked', 'Transfer-Encoding: x'), `0\r\n\r\n${SMUGGLED}`)),
  'cl-list': rejected(http(post('Content-Length: 0, 48'), SMUGGLED)),
  'cl-two-values': rejected(http(post('Content-Length: 0', 'Content-Length: 48'), SMUGGLED)),
  'cl-folded': rejected(http(post('Content-Length: 0', ' 48'), SMUGGLED)),
  'header-name-lf-injected': rejected(http(head('GET /front HTTP/1.1', 'X-A: 1\nContent-Length: 48'), SMUGGLED)),
  'header-cr-injected': rejected(http(head('GET /front HTTP/1.1', 'X-A: 1\rContent-Length: 48'), SMUGGLED)),
  'request-line-lf-injected': rejected(http(head('GET /front\nContent-Length: 48 HTTP/1.1'), SMUGGLED)),
  'chunk-size-nul': { raw: http(post('Transfer-Encoding: chunked'), `0\0\r\n\r\n${SMUGGLED}`), seen: [], then: 'abort' },
  'chunk-ext-hides-size': { raw: http(post('Transfer-Encoding: chunked'), `0;\n2e\r\n\r\n${SMUGGLED}`), seen: [], then: 'abort' },
  'pipelined-get': pipelined(http(head('GET /first HTTP/1.1')), '/second'),
  'pipelined-three': pipelined(http(head('GET /first HTTP/1.1')), '/second', '/third'),
  'pipelined-after-body': {
    raw: http(post('Content-Length: 4'), 'abcd') + SMUGGLED,
    seen: [{ method: 'POST', path: '/front', body: 'abcd' }, { path: '/smuggled' }],
    then: 'open',
  },
  'pipelined-after-chunked': {
    raw: http(post('Transfer-Encoding: chunked'), '4\r\nabcd\r\n0\r\n\r\n') + SMUGGLED,
    seen: [{ method: 'POST', path: '/front', body: 'abcd' }, { path: '/smuggled' }],
    then: 'open',
  },
  // After a response that closes the connection, what follows is never run (RFC 9112 §9.6),
  // but the response itself is sent.
  'after-connection-close': {
    raw: http(head('GET /first HTTP/1.1', 'Connection: close')) + SMUGGLED,
    seen: [{ path: '/first' }],
    then: 'close',
  },
  'after-http10': {
    raw: http(['GET /first HTTP/1.0']) + SMUGGLED,
    seen: [{ path: '/first' }],
    then: 'close',
  },
});
