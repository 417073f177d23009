"""The routes of the JS test apps, as one stdlib-only WSGI app (PEP 3333, eventlet's extensions).

Served through @wsgi-bridge/python by test/python-front-ends.test.ts on every front end.
What happens after the response (post hooks, close()) is written to wsgi.errors, which the
front end's log captures.
"""

import hashlib
import json
import resource


def text(start_response, body, status='200 OK'):
    start_response(status, [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]


def hello(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'Hello, ', b'World!\r\n']


def stream(environ, start_response):
    environ['eventlet.minimum_write_chunk_size'] = 0
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return iter([b'one ', b'', b'two ', b'three'])


def no_content(environ, start_response):
    start_response('204 No Content', [])
    return []


def write(environ, start_response):
    write = start_response('200 OK', [('Content-Type', 'text/plain')])
    write(b'written, ')
    return [b'returned']


def environ_keys(environ, start_response):
    keys = ('REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'RAW_PATH_INFO', 'QUERY_STRING', 'CONTENT_TYPE',
            'CONTENT_LENGTH', 'SERVER_PROTOCOL', 'REMOTE_ADDR', 'HTTP_X_CUSTOM', 'wsgi.url_scheme',
            'wsgi.version', 'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once', 'GATEWAY_INTERFACE')
    seen = {key: environ.get(key) for key in keys}
    seen['native'] = all(type(environ[key]) is str for key in keys if key.isupper() and key in environ)
    seen['hooks_aliased'] = environ['evy.posthooks'] is environ['eventlet.posthooks']
    seen['input_aliased'] = environ['eventlet.input'] is environ['wsgi.input']
    seen['file_wrapper'] = callable(environ['wsgi.file_wrapper'])
    seen['body'] = environ['wsgi.input'].read().decode('latin-1')
    body = json.dumps(seen, sort_keys=True).encode('ascii')
    return text(start_response, body)


def log_hook(name):
    def hook(environ, *args, **kwargs):
        environ['wsgi.errors'].write('hook %s %r %r\n' % (name, args, kwargs))
    return hook


def hooks(environ, start_response):
    environ['eventlet.posthooks'].append((log_hook('first'), (2,), {'multiplier': 3}))
    environ['evy.posthooks'].append((log_hook('evy'), ('e',), {}))
    environ['eventlet.posthooks'].append((log_hook('third'), (), {}))
    return text(start_response, b'hooks')


def hooks_replaced(environ, start_response):
    environ['evy.posthooks'] = [(log_hook('evy-replaced'), (), {'k': 1})]
    environ['eventlet.posthooks'] = [(log_hook('eventlet-replaced'), (), {})]
    return text(start_response, b'replaced')


def hooks_raising(environ, start_response):
    def explode(environ):
        raise RuntimeError('hook exploded')
    environ['evy.posthooks'].append((explode, (), {}))
    environ['evy.posthooks'].append((log_hook('survivor'), (), {}))
    return text(start_response, b'raising')


class ClosingBody:
    """An iterable whose close() says so in the log."""

    def __init__(self, environ, chunks):
        self.environ = environ
        self.chunks = chunks

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.environ['wsgi.errors'].write('closed %s\n' % self.environ['QUERY_STRING'])


def close(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ClosingBody(environ, [b'closing ', b'body'])


def error_before(environ, start_response):
    environ['eventlet.posthooks'].append((log_hook('after-error'), (), {}))
    raise ValueError('raised before the head')


def error_after(environ, start_response):
    environ['eventlet.minimum_write_chunk_size'] = 0
    start_response('200 OK', [('Content-Type', 'text/plain')])

    def body():
        yield b'partial'
        raise ValueError('raised after the head')
    return ClosingBody(environ, body())


def bad_continue_header(environ, start_response):
    """The core refuses a 100 Continue header with CR LF; the error is raised here, and caught."""
    from wsgi_bridge import FrontEndError
    try:
        environ['wsgi.input'].set_hundred_continue_response_headers([('X-Split', 'a\r\nSet-Cookie: evil=1')])
    except FrontEndError as error:
        return text(start_response, ('refused: %s' % error).encode('latin-1'))
    return text(start_response, b'accepted')


def bad_status(environ, start_response):
    start_response('200OK', [('Content-Type', 'text/plain')])
    return [b'never sent']


def bad_header(environ, start_response):
    start_response('200 OK', [('X-Split', 'a\r\nSet-Cookie: evil=1')])
    return [b'never sent']


def download(environ, start_response):
    size = int(environ['QUERY_STRING'] or 10 * 1024 * 1024)
    block = 65536
    start_response('200 OK', [('Content-Type', 'application/octet-stream'), ('Content-Length', str(size))])

    def body():
        sent = 0
        while sent < size:
            part = min(block, size - sent)
            yield b'x' * part
            sent += part
    return ClosingBody(environ, body())


def upload(environ, start_response):
    """Reads the body in 64 KiB reads; answers its size and how much this process's peak RSS grew."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = 0
    while True:
        chunk = environ['wsgi.input'].read(65536)
        if not chunk:
            break
        size += len(chunk)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    return text(start_response, json.dumps({'size': size, 'peak_growth_kib': grown_kib}).encode('ascii'))


def echo_line(environ, start_response):
    """Answers the body's first line at once, however much more the client has yet to send."""
    return text(start_response, environ['wsgi.input'].readline())


def read_some(environ, start_response):
    """Reads the first QUERY_STRING bytes of the body and answers them; the rest stays unread."""
    return text(start_response, environ['wsgi.input'].read(int(environ['QUERY_STRING'])))


def digest(environ, start_response):
    """The body read in the way QUERY_STRING names: its size, line count and SHA-256."""
    body = environ['wsgi.input']
    how = environ['QUERY_STRING']
    if how == 'lines':
        parts = list(body)
    elif how == 'readline-4096':
        parts = list(iter(lambda: body.readline(4096), b''))
    elif how == 'one-read':
        parts = [body.read(int(environ['CONTENT_LENGTH']) + 1)]
    else:
        parts = [body.read()]
    data = b''.join(parts)
    answer = {'size': len(data), 'parts': len(parts), 'sha256': hashlib.sha256(data).hexdigest()}
    return text(start_response, json.dumps(answer).encode('ascii'))


def cut_short(environ, start_response):
    """Reads until the body fails, and answers with what wsgi.input raised."""
    try:
        environ['wsgi.input'].read(1)
        environ['wsgi.errors'].write('cut short: reading\n')
        while environ['wsgi.input'].read(65536):
            pass
        outcome = 'no error'
    except OSError as err:
        outcome = '%s: %s' % (type(err).__name__, err)
    environ['wsgi.errors'].write('cut short: %s\n' % outcome)
    return text(start_response, outcome.encode('utf-8'))


# eventlet's tests/wsgi_test.py test_024a, b and c, line by line.
def app_024a(environ, start_response):
    if int(environ['CONTENT_LENGTH']) > 1024:
        start_response('417 Expectation Failed', [('Content-Length', '7')])
        return [b'failure']
    environ['wsgi.input'].set_hundred_continue_response_headers(
        [('Hundred-Continue-Header-1', 'H1'), ('Hundred-Continue-Header-2', 'H2'), ('Hundred-Continue-Header-k', 'Hk')])
    body = environ['wsgi.input'].read()
    start_response('200 OK', [('Content-Length', str(len(body)))])
    return [body]


def app_024bc(first, second):
    def app(environ, start_response):
        environ['wsgi.input'].set_hundred_continue_response_headers(
            [('Hundred-Continue-Header-1', 'H1'), ('Hundred-Continue-Header-2', 'H2')])
        one = environ['wsgi.input'].read(first)
        environ['wsgi.input'].set_hundred_continue_response_headers([('Hundred-Continue-Header-3', 'H3')])
        environ['wsgi.input'].send_hundred_continue_response()
        two = environ['wsgi.input'].read(second)
        body = one + two
        start_response('200 OK', [('Content-Length', str(len(body)))])
        return [body]
    return app


ROUTES = {
    '/hello': hello,
    '/stream': stream,
    '/204': no_content,
    '/write': write,
    '/environ': environ_keys,
    '/hooks': hooks,
    '/hooks-replaced': hooks_replaced,
    '/hooks-raising': hooks_raising,
    '/close': close,
    '/error-before': error_before,
    '/error-after': error_after,
    '/bad-continue-header': bad_continue_header,
    '/bad-status': bad_status,
    '/bad-header': bad_header,
    '/download': download,
    '/upload': upload,
    '/echo-line': echo_line,
    '/read-some': read_some,
    '/digest': digest,
    '/cut-short': cut_short,
    '/024a': app_024a,
    '/024b': app_024bc(None, None),
    '/024c': app_024bc(13, 16),
}


def application(environ, start_response):
    path = environ['PATH_INFO']
    route = ROUTES.get(path)
    if route is None and path.startswith('/latin1/'):
        route = environ_keys
    if route is None:
        return text(start_response, ('no route %s' % path).encode('latin-1'), '404 Not Found')
    return route(environ, start_response)
