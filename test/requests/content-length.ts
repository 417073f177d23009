import { accepted, group, head, http, rejected, type Case } from './fixture.js';

const post = (length: string, body: string): string => http(head('POST /cl HTTP/1.1', `Content-Length: ${length}`), body);
const received = (body: string, length = String(body.length)): Case =>
  accepted(post(length, body), { method: 'POST', path: '/cl', body, environ: { CONTENT_LENGTH: length } });

/** Content-Length forms: only 1*DIGIT, once (or repeated identically is still refused by Node). */
export const contentLength = group('content-length', {
  'five': received('hello'),
  'zero': received(''),
  'leading-zeros': received('hello', '005'),
  'binary-body': received('\0\r\n\xff\x80'),
  'crlf-in-body': received('a\r\n\r\nGET /not-a-request HTTP/1.1\r\n\r\n'),
  'ows-around': accepted(http(head('POST /cl HTTP/1.1', 'Content-Length:   3  '), 'abc'),
    { method: 'POST', path: '/cl', body: 'abc' }),
  'on-get': accepted(http(head('GET /cl HTTP/1.1', 'Content-Length: 4'), 'body'), { path: '/cl', body: 'body' }),
  'plus-sign': rejected(post('+5', 'hello')),
  'minus-one': rejected(post('-1', '')),
  'hex': rejected(post('0x5', 'hello')),
  'list-same': rejected(post('5, 5', 'hello')),
  'list-different': rejected(post('5, 6', 'hello')),
  'space-inside': rejected(post('0 1', 'h')),
  'underscore': rejected(post('1_0', '0123456789')),
  'decimal': rejected(post('5.0', 'hello')),
  'word': rejected(post('five', 'hello')),
  'empty': rejected(post('', '')),
  'overflow': rejected(post('184467440737095516160', 'x')),
  'duplicate-same': rejected(http(head('POST /cl HTTP/1.1', 'Content-Length: 5', 'Content-Length: 5'), 'hello')),
  'duplicate-different': rejected(http(head('POST /cl HTTP/1.1', 'Content-Length: 5', 'Content-Length: 3'), 'hello')),
  // The rest after 3 bytes is the next request, and it is garbage: never run. The valid
  // request's response is sent, then the connection closes (a reply after it could be
  // taken for part of it).
  'longer-body-is-next-request': {
    raw: post('3', 'abcXYZ / HTTP/1.1\r\n\r\n'),
    seen: [{ method: 'POST', path: '/cl', body: 'abc' }],
    then: 'close',
  },
});
