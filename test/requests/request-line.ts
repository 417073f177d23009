import { accepted, group, head, http, rejected } from './fixture.js';

const get = (target: string): string => http(head(`GET ${target} HTTP/1.1`));

// Fastify's router percent-decodes targets as UTF-8 and answers 400 when it cannot.
const FASTIFY_DECODES = { notOn: { Fastify: "Fastify's router refuses a target that does not percent-decode as UTF-8 (400)" } };

/** The request line: methods, targets, versions and separators. */
export const requestLine = group('request-line', {
  'get-root': accepted(get('/'), { path: '/', environ: { SERVER_PROTOCOL: 'HTTP/1.1', HTTP_HOST: 'example.test' } }),
  'query': accepted(get('/search?q=a+b&x=%20'), { path: '/search', query: 'q=a+b&x=%20' }),
  'empty-query': accepted(get('/page?'), { path: '/page', query: '' }),
  'percent-space': accepted(get('/a%20b'), { path: '/a b', environ: { RAW_PATH_INFO: '/a%20b' } }),
  'percent-slash': accepted(get('/a%2Fb'), { path: '/a/b', environ: { RAW_PATH_INFO: '/a%2Fb' } }),
  'percent-latin1': { ...accepted(get('/caf%E9'), { path: '/caf\xe9' }), ...FASTIFY_DECODES },
  'percent-utf8-bytes': accepted(get('/%C3%A9'), { path: '/\xc3\xa9' }),
  'percent-malformed-kept': { ...accepted(get('/100%zz'), { path: '/100%zz' }), ...FASTIFY_DECODES },
  'percent-crlf-decoded-not-split': accepted(get('/a%0D%0Ab'), { path: '/a\r\nb' }),
  'double-slash': accepted(get('//twice'), { path: '//twice' }),
  'absolute-form': accepted(get('http://example.test/abs?x=1'), { path: '/abs', query: 'x=1' }),
  'absolute-form-no-path': accepted(get('http://example.test'), { path: '/' }),
  'options-asterisk': accepted(http(head('OPTIONS * HTTP/1.1')), { method: 'OPTIONS', path: '*' }),
  'leading-empty-line': accepted(`\r\n${get('/after-crlf')}`, { path: '/after-crlf' }),
  'head': accepted(http(head('HEAD /h HTTP/1.1')), { method: 'HEAD', path: '/h' }),
  'delete': accepted(http(head('DELETE /d HTTP/1.1')), { method: 'DELETE', path: '/d' }),
  'registered-method-propfind': {
    ...accepted(http(head('PROPFIND /dav HTTP/1.1')), { method: 'PROPFIND', path: '/dav' }),
    notOn: { Fastify: 'Fastify routes only the methods it was told of (addHttpMethod): 404 for PROPFIND' },
  },
  'http10': accepted(http(['GET /old HTTP/1.0']), { path: '/old', environ: { SERVER_PROTOCOL: 'HTTP/1.0' } }, 'close'),
  'http10-keep-alive': accepted(http(['GET /old HTTP/1.0', 'Connection: keep-alive']), { path: '/old' }),
  'http11-connection-close': accepted(http(head('GET /bye HTTP/1.1', 'Connection: close')), { path: '/bye' }, 'close'),
  'lowercase-method': rejected(get('/').replace('GET', 'get')),
  'unknown-method': rejected(http(head('BREW /pot HTTP/1.1'))),
  'method-with-colon': rejected(http(head('GET: / HTTP/1.1'))),
  'method-nul': rejected(http(head('G\0T / HTTP/1.1'))),
  'method-non-ascii': rejected(http(head('GET\xdf / HTTP/1.1'))),
  'tab-separator': rejected(http(head('GET\t/\tHTTP/1.1'))),
  'relative-target': rejected(get('relative')),
  'target-raw-non-ascii': rejected(get('/caf\xe9')),
  'target-nul': rejected(get('/a\0b')),
  'target-space-inside': rejected(get('/a b')),
  'version-1.2': rejected(http(head('GET / HTTP/1.2'))),
  'version-3.0': rejected(http(head('GET / HTTP/3.0'))),
  // Node's parser takes these; the standalone server answers as eventlet does (a front end's own server serves them).
  'version-2.0': rejected(http(head('GET / HTTP/2.0')), 505, { standaloneOnly: true }),
  'version-0.9': rejected(http(head('GET / HTTP/0.9')), 505, { standaloneOnly: true }),
  'http09-two-words': rejected('GET /\r\n\r\n', 505, { standaloneOnly: true }),
  'version-ftp': rejected(http(head('GET / FTP/1.1'))),
  'version-lowercase': rejected(http(head('GET / http/1.1'))),
  'version-no-minor': rejected(http(head('GET / HTTP/1'))),
  'version-double-digit': rejected(http(head('GET / HTTP/11.1'))),
  'version-trailing-word': rejected(http(head('GET / HTTP/1.1 extra'))),
  'bare-lf-line-ends': rejected('GET / HTTP/1.1\nHost: example.test\n\n'),
  'bare-cr-line-end': rejected('GET / HTTP/1.1\rHost: example.test\r\n\r\n'),
  'connect-authority': rejected(http(head('CONNECT example.test:443 HTTP/1.1')), 'close'),
  'only-garbage': rejected('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n'),
});
