"""A real Flask app (Debian's python3-flask), served through @wsgi-bridge/python in the tests."""

from flask import Flask, Response, abort, jsonify, request, stream_with_context

app = Flask(__name__)


@app.route('/hello')
def hello():
    return 'Hello from Flask'


@app.route('/items/<int:item_id>')
def item(item_id):
    if item_id == 0:
        abort(404)
    return jsonify(id=item_id, script_name=request.script_root, query=request.args.get('q'))


@app.route('/form', methods=['POST'])
def form():
    return 'name=%s, tags=%s' % (request.form['name'], ','.join(request.form.getlist('tag')))


@app.route('/json', methods=['POST'])
def json_body():
    data = request.get_json()
    return jsonify(received=data, total=sum(data['numbers']))


@app.route('/upload', methods=['PUT'])
def upload():
    size = 0
    while True:
        chunk = request.stream.read(65536)
        if not chunk:
            break
        size += len(chunk)
    return str(size)


@app.route('/stream')
def stream():
    def lines():
        for number in range(3):
            yield 'line %d\n' % number
    return Response(stream_with_context(lines()), mimetype='text/plain')


@app.route('/error')
def error():
    raise ValueError('raised in a Flask view')
