# The "100 Continue" program of eventlet's WSGI documentation, unchanged but for the
# server lines, which run only when this file is run itself (`python3 hundred_continue.py`,
# with eventlet). Behind Node instead: `node examples/dist/python.js hundred_continue:wsgi_app`,
# then `curl -v -T some.file http://127.0.0.1:8090/`: the 100 carries the two headers.


def wsgi_app(env, start_response):
    # Define "100 Continue" response headers
    env['wsgi.input'].set_hundred_continue_response_headers(
        [('Hundred-Continue-Header-1', 'H1'),
         ('Hundred-Continue-Header-k', 'Hk')])
    # The following read() causes "100 Continue" response to
    # the client.  Headers 'Hundred-Continue-Header-1' and
    # 'Hundred-Continue-Header-K' are sent with the response
    # following the "HTTP/1.1 100 Continue\r\n" status line
    text = env['wsgi.input'].read()
    start_response('200 OK', [('Content-Length', str(len(text)))])
    return [text]


if __name__ == '__main__':
    from eventlet import wsgi
    import eventlet

    wsgi.server(eventlet.listen(('', 8090)), wsgi_app)
