"""A real Bottle app (Debian's python3-bottle), served through @wsgi-bridge/python in the tests."""

import bottle
from bottle import abort, request, response

app = bottle.Bottle()


@app.route('/hello')
def hello():
    return 'Hello from Bottle'


@app.route('/items/<item_id:int>')
def item(item_id):
    if item_id == 0:
        abort(404, 'no such item')
    return {'id': item_id, 'script_name': request.script_name, 'query': request.query.getunicode('q')}


@app.route('/form', method='POST')
def form():
    return 'name=%s, tags=%s' % (request.forms.get('name'), ','.join(request.forms.getall('tag')))


@app.route('/json', method='POST')
def json_body():
    data = request.json
    return {'received': data, 'total': sum(data['numbers'])}


@app.route('/upload', method='PUT')
def upload():
    size = 0
    body = request.environ['wsgi.input']
    while True:
        chunk = body.read(65536)
        if not chunk:
            break
        size += len(chunk)
    return str(size)


@app.route('/stream')
def stream():
    response.content_type = 'text/plain'
    for number in range(3):
        yield 'line %d\n' % number


@app.route('/error')
def error():
    raise ValueError('raised in a Bottle view')
