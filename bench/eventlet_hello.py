"""eventlet.wsgi's own hello world, the documentation's program, as a bench contender.

It listens on a free loopback port, prints the port on a line of its own (the runner
reads it) and logs nothing, so the comparison is of the servers, not of their logs.
"""
import eventlet
from eventlet import wsgi


def hello_world(env, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'Hello, World!\r\n']


sock = eventlet.listen(('127.0.0.1', 0))
print(sock.getsockname()[1], flush=True)
wsgi.server(sock, hello_world, log_output=False)
