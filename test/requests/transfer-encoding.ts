import { accepted, group, head, http, rejected, type Case } from './fixture.js';

const withTe = (te: string, body: string, version = 'HTTP/1.1'): string =>
  http(head(`POST /te ${version}`, `Transfer-Encoding: ${te}`), body);
const chunkedBody = (body: string): string => withTe('chunked', body);
const decoded = (raw: string, body: string): Case => accepted(raw, { method: 'POST', path: '/te', body });
/** A head Node accepts, then a chunked body it refuses part-way. */
const broken = (body: string): Case => ({ raw: chunkedBody(body), seen: [], then: 'abort' });

/** Transfer-Encoding forms, chunk-size lines and trailers. */
export const transferEncoding = group('transfer-encoding', {
  'chunked': decoded(chunkedBody('5\r\nhello\r\n0\r\n\r\n'), 'hello'),
  'chunked-mixed-case': decoded(withTe('ChUnKeD', '3\r\nabc\r\n0\r\n\r\n'), 'abc'),
  'several-chunks': decoded(chunkedBody('1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n'), 'abcdef'),
  'empty-body': decoded(chunkedBody('0\r\n\r\n'), ''),
  'uppercase-hex': decoded(chunkedBody(`A\r\n${'x'.repeat(10)}\r\n0\r\n\r\n`), 'x'.repeat(10)),
  'leading-zeros-size': decoded(chunkedBody('0005\r\nhello\r\n0\r\n\r\n'), 'hello'),
  'extension': decoded(chunkedBody('5;name=value\r\nhello\r\n0\r\n\r\n'), 'hello'),
  'extension-quoted': decoded(chunkedBody('5;n="a b"\r\nhello\r\n0\r\n\r\n'), 'hello'),
  'trailer': decoded(chunkedBody('5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n'), 'hello'),
  'request-inside-data': decoded(chunkedBody('13\r\nGET /x HTTP/1.1\r\n\r\n\r\n0\r\n\r\n'), 'GET /x HTTP/1.1\r\n\r\n'),
  'gzip-then-chunked': decoded(withTe('gzip, chunked', '3\r\nabc\r\n0\r\n\r\n'), 'abc'),
  // RFC 9112 §6.1: framing of an HTTP/1.0 message with Transfer-Encoding is faulty; close after it.
  'http10-chunked': { ...decoded(withTe('chunked', '2\r\nhi\r\n0\r\n\r\n', 'HTTP/1.0'), 'hi'), then: 'close' },
  'chunked-not-last': rejected(withTe('chunked, gzip', '3\r\nabc\r\n0\r\n\r\n')),
  'chunked-twice': rejected(withTe('chunked, chunked', '3\r\nabc\r\n0\r\n\r\n')),
  'chunked-in-two-headers': rejected(http(head('POST /te HTTP/1.1', 'Transfer-Encoding: chunked',
    'Transfer-Encoding: chunked'), '3\r\nabc\r\n0\r\n\r\n')),
  // Node takes the head, then refuses a body framed by a coding it does not know.
  'identity': { raw: withTe('identity', ''), seen: [], then: 'abort' },
  'unknown-coding': { raw: withTe('xchunked', '3\r\nabc\r\n0\r\n\r\n'), seen: [], then: 'abort' },
  'size-plus': broken('+5\r\nhello\r\n0\r\n\r\n'),
  'size-minus': broken('-5\r\nhello\r\n0\r\n\r\n'),
  'size-0x': broken('0x5\r\nhello\r\n0\r\n\r\n'),
  'size-underscore': broken('1_0\r\n0123456789abcdef\r\n0\r\n\r\n'),
  'size-leading-space': broken(' 5\r\nhello\r\n0\r\n\r\n'),
  'size-trailing-space': broken('5 \r\nhello\r\n0\r\n\r\n'),
  'size-missing': broken('\r\nhello\r\n0\r\n\r\n'),
  'size-not-hex': broken('g\r\nhello\r\n0\r\n\r\n'),
  'size-overflow': broken('fffffffffffffffff\r\nx\r\n0\r\n\r\n'),
  'size-bare-lf': broken('5\nhello\r\n0\r\n\r\n'),
  'size-bare-cr': broken('5\rhello\r\n0\r\n\r\n'),
  'data-longer-than-size': broken('3\r\nhello\r\n0\r\n\r\n'),
  'data-without-crlf': broken('5\r\nhello0\r\n\r\n'),
  'data-bare-lf-after': broken('5\r\nhello\n0\r\n\r\n'),
  'extension-bare-lf': broken('5;a\nb\r\nhello\r\n0\r\n\r\n'),
  'trailer-content-length': broken('5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n'),
  'trailer-obs-fold': broken('5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n'),
  'trailer-space-before-colon': broken('5\r\nhello\r\n0\r\nX-T : a\r\n\r\n'),
  'trailer-nul': broken('5\r\nhello\r\n0\r\nX-T: a\0\r\n\r\n'),
});
