"""Apps that fail in the ways a worker can: killed, blocked, misbehaving; stdlib only."""

import os
import signal
import threading
import time


def pid(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [str(os.getpid()).encode('ascii')]


def killed_before_head(environ, start_response):
    os.kill(os.getpid(), signal.SIGKILL)


def killed_slowly(environ, start_response):
    time.sleep(0.3)
    os.kill(os.getpid(), signal.SIGKILL)


def logs_later(environ, start_response):
    """A thread of the app's own writes to wsgi.errors after the response."""
    def later():
        time.sleep(0.2)
        environ['wsgi.errors'].write('written by a thread after the response\n')
    threading.Thread(target=later).start()
    start_response('200 OK', [])
    return [b'answered']


def exits_after_head(environ, start_response):
    environ['eventlet.minimum_write_chunk_size'] = 0
    start_response('200 OK', [('Content-Type', 'text/plain')])

    def body():
        yield b'partial'
        os._exit(1)
    return body()


def blocks(environ, start_response):
    time.sleep(60)
    start_response('200 OK', [])
    return [b'too late']


def slow(environ, start_response):
    time.sleep(0.5)
    start_response('200 OK', [])
    return [b'slow but served']


SERVED = []


def order(environ, start_response):
    """The worker's pid, then the query strings of the requests it served, in the order it took them."""
    SERVED.append(environ['QUERY_STRING'])
    environ['wsgi.errors'].write('order %s served\n' % environ['QUERY_STRING'])
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('%d %s' % (os.getpid(), ','.join(SERVED))).encode('ascii')]


def str_before_head(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['caf\xe9, a str that is not ASCII']


def str_after_head(environ, start_response):
    environ['eventlet.minimum_write_chunk_size'] = 0
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return iter([b'bytes first', 'then a str: caf\xe9'])


class Download:
    """An endless body; its close() and a post hook each say so once in the log."""

    def __init__(self, environ):
        self.environ = environ
        self.block = b'x' * 65536
        tag = environ['QUERY_STRING']
        environ['eventlet.posthooks'].append((lambda env: env['wsgi.errors'].write('hook %s\n' % tag), (), {}))

    def __iter__(self):
        while True:
            yield self.block

    def close(self):
        self.environ['wsgi.errors'].write('closed %s\n' % self.environ['QUERY_STRING'])


def download(environ, start_response):
    start_response('200 OK', [('Content-Type', 'application/octet-stream')])
    return Download(environ)


def upload(environ, start_response):
    """Reads the body to its end or its failure, and says which in the log; a post hook says it ran."""
    tag = environ['QUERY_STRING']
    errors = environ['wsgi.errors']
    environ['eventlet.posthooks'].append((lambda env: env['wsgi.errors'].write('upload hook %s\n' % tag), (), {}))
    read = environ['wsgi.input'].read
    size = len(read(65536))
    errors.write('upload reading %s\n' % tag)
    try:
        while True:
            chunk = read(65536)
            if not chunk:
                break
            size += len(chunk)
        errors.write('upload whole %s\n' % tag)
    except OSError:
        errors.write('upload failed %s\n' % tag)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [str(size).encode('ascii')]


ROUTES = {
    '/pid': pid,
    '/kill': killed_before_head,
    '/kill-slowly': killed_slowly,
    '/logs-later': logs_later,
    '/exit-after-head': exits_after_head,
    '/block': blocks,
    '/slow': slow,
    '/order': order,
    '/str': str_before_head,
    '/str-after-head': str_after_head,
    '/download': download,
    '/upload': upload,
}


def application(environ, start_response):
    return ROUTES[environ['PATH_INFO']](environ, start_response)
