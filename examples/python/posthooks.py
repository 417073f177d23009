# The post-hook program of eventlet's WSGI documentation, unchanged but for the server
# lines, which run only when this file is run itself (`python3 posthooks.py`, with eventlet).
# Behind Node instead: `node examples/dist/python.js posthooks:hello_world`; the hook
# prints in the Python worker, whose standard output is Node's.


def hook(env, arg1, arg2, kwarg3=None, kwarg4=None):
    print('Hook called: %s %s %s %s %s' % (env, arg1, arg2, kwarg3, kwarg4))


def hello_world(env, start_response):
    env['eventlet.posthooks'].append(
        (hook, ('arg1', 'arg2'), {'kwarg3': 3, 'kwarg4': 4}))
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['Hello, World!\r\n']


if __name__ == '__main__':
    from eventlet import wsgi
    import eventlet

    wsgi.server(eventlet.listen(('', 8090)), hello_world)
