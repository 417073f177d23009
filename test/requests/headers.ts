import { accepted, group, head, http, rejected } from './fixture.js';

const withHeaders = (...headers: string[]): string => http(head('GET /h HTTP/1.1', ...headers));
const seesHeaders = (environ: Record<string, string | null>) => ({ path: '/h', environ });

/** Header names and values: what reaches HTTP_*, and what never may. */
export const headers = group('headers', {
  'simple': accepted(withHeaders('X-Trace: abc'), seesHeaders({ HTTP_X_TRACE: 'abc' })),
  'ows-trimmed': accepted(withHeaders('X-Pad: \t  v  \t'), seesHeaders({ HTTP_X_PAD: 'v' })),
  'empty-value': accepted(withHeaders('X-Empty:'), seesHeaders({ HTTP_X_EMPTY: '' })),
  'tab-inside-value': accepted(withHeaders('X-Tab: a\tb'), seesHeaders({ HTTP_X_TAB: 'a\tb' })),
  'obs-text-value': accepted(withHeaders('X-Latin: caf\xe9'), seesHeaders({ HTTP_X_LATIN: 'caf\xe9' })),
  'repeated-joined': accepted(withHeaders('X-Dup: 1', 'x-dup: 2'), seesHeaders({ HTTP_X_DUP: '1,2' })),
  'underscore-dropped': accepted(withHeaders('X_Forwarded_For: 6.6.6.6'), seesHeaders({ HTTP_X_FORWARDED_FOR: null })),
  'underscore-does-not-shadow-dash': accepted(
    withHeaders('X-Real-IP: 1.2.3.4', 'X_Real_IP: 6.6.6.6'), seesHeaders({ HTTP_X_REAL_IP: '1.2.3.4' })),
  'content-type-no-http-form': accepted(
    withHeaders('Content-Type: text/plain'), seesHeaders({ CONTENT_TYPE: 'text/plain', HTTP_CONTENT_TYPE: null })),
  'token-punctuation-name': accepted(withHeaders("X!#$%&'*+.^`|~: ok"), seesHeaders({ "HTTP_X!#$%&'*+.^`|~": 'ok' })),
  'mixed-case-name': accepted(withHeaders('x-MiXeD: v'), seesHeaders({ HTTP_X_MIXED: 'v' })),
  // Node's parser reads nothing after an upgrade request nobody took: served, then closed (no hang).
  'upgrade-without-listener': accepted(
    withHeaders('Connection: Upgrade', 'Upgrade: websocket'), seesHeaders({ HTTP_UPGRADE: 'websocket' }), 'close'),
  'upgrade-h2c-without-listener': accepted(
    withHeaders('Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA'),
    seesHeaders({ HTTP_UPGRADE: 'h2c' }), 'close'),
  'upgrade-header-alone': accepted(withHeaders('Upgrade: websocket'), seesHeaders({ HTTP_UPGRADE: 'websocket' })),
  'expect-continue-body-sent-anyway': accepted(
    http(head('POST /h HTTP/1.1', 'Expect: 100-continue', 'Content-Length: 4'), 'data'),
    { method: 'POST', path: '/h', body: 'data' }),
  'missing-host-http11': rejected(http(['GET / HTTP/1.1'])),
  // RFC 9112 §3.2: MUST be 400 (Node's parser takes both).
  'duplicate-host': rejected(withHeaders('Host: other.test'), 400),
  'duplicate-host-other-case': rejected(withHeaders('hOST: other.test'), 400),
  'space-before-colon': rejected(withHeaders('X-Space : v')),
  'no-colon': rejected(withHeaders('NoColonHere')),
  'empty-name': rejected(withHeaders(': v')),
  'name-nul': rejected(withHeaders('X-N\0ul: v')),
  'name-non-ascii': rejected(withHeaders('X-\xe9: v')),
  'name-parenthesis': rejected(withHeaders('X(a): v')),
  'value-nul': rejected(withHeaders('X-Nul: a\0b')),
  'value-bel': rejected(withHeaders('X-Bel: a\x07b')),
  'value-del': rejected(withHeaders('X-Del: a\x7fb')),
  'value-bare-cr': rejected(withHeaders('X-Cr: a\rb')),
  'value-bare-lf-injects': rejected(withHeaders('X-Lf: a\nX-Injected: 1')),
  'obs-fold': rejected(withHeaders('X-Fold: a', ' b')),
  'obs-fold-tab': rejected(withHeaders('X-Fold: a', '\tb')),
  'first-header-indented': rejected(http(['GET / HTTP/1.1', ' Host: example.test'])),
});
