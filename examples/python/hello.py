# The first program of eventlet's WSGI documentation, unchanged but for the server lines,
# which run only when this file is run itself (`python3 hello.py`, with eventlet).
# Behind Node instead: `node examples/dist/python.js hello:hello_world`.


def hello_world(env, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['Hello, World!\r\n']


if __name__ == '__main__':
    from eventlet import wsgi
    import eventlet

    wsgi.server(eventlet.listen(('', 8090)), hello_world)
