"""The Python side of the bench: Flask's hello world, and an upload read in 64 KiB reads.

gunicorn serves flask_app; @wsgi-bridge/python serves bridge_app (flask_app, plus /upload).
"""

from flask import Flask

HELLO = 'Hello, World!\r\n'

flask_app = Flask(__name__)


@flask_app.route('/')
def hello():
    return HELLO, 200, {'Content-Type': 'text/plain'}


def upload(environ, start_response):
    read = environ['wsgi.input'].read
    total = 0
    while True:
        chunk = read(65536)
        if not chunk:
            break
        total += len(chunk)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [str(total).encode('ascii')]


def bridge_app(environ, start_response):
    if environ['PATH_INFO'] == '/upload':
        return upload(environ, start_response)
    return flask_app(environ, start_response)
