"""Serve one WSGI application (PEP 3333) to a Node.js front end of wsgi-bridge.

Started by `@wsgi-bridge/python` as ``python wsgi_bridge.py MODULE:CALLABLE`` with two
extra pipes: frames from Node arrive on fd 3, frames to Node leave on fd 4, so the app's
own ``print()`` on stdout cannot corrupt them. Node does the HTTP; this process imports
the app once, then serves one request at a time (as gunicorn's sync worker), answering
Node's frames. The protocol is described in the package's README.

Standard library only, Python 3.8 or later.
"""

import collections
import importlib
import json
import os
import struct
import sys
import threading
import traceback
from typing import Any, BinaryIO, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Tuple

# A frame: [u32 big-endian payload length][u8 type][payload].
FRAME_HEAD = struct.Struct('>IB')
# The most one read from Node's pipe takes for frame heads and small frames.
READ_CAP = 65536
# The request body bytes Node may send ahead of the app's reads: what this process holds
# of a body at most. Credit goes back to Node once half of it has been read.
WINDOW = 1048576
FILE_BLOCK = 8192

# Node -> Python
OPTIONS, REQUEST, NEXT, CLOSE, POSTHOOKS = b'O', b'Q', b'N', b'C', b'P'
BYTES, INPUT_FAILED, INPUT_STOPPED, ACK, ERROR = b'I', b'F', b'S', b'A', b'E'
# Python -> Node
READY, IMPORT_FAILED = b'k', b'X'
HEAD, LIST_BODY, ITERABLE, DATA, END, WRITE, RAISED, CLOSED, HOOKS_RUN = b'h', b'l', b'i', b'd', b'e', b'w', b'x', b'c', b'p'
CREDIT, STOP_INPUT, CONTINUE_HEADERS, SEND_CONTINUE, LOG = b'r', b's', b'1', b'2', b'g'
INPUT_FRAMES = (BYTES, INPUT_FAILED, INPUT_STOPPED)

NO_HOOKS, HAS_HOOKS = b'\x00', b'\x01'
SIZE = struct.Struct('>I')

Headers = List[Tuple[str, str]]
Environ = Dict[str, Any]


class FrontEndError(OSError):
    """An error the Node side reported: a body cut short, a client gone, a header refused."""


class Channel:
    """Frames over two pipes. Sends are buffered until Python would wait for Node: a burst
    of requests sent ahead is answered with one write."""

    def __init__(self, incoming: BinaryIO, outgoing: BinaryIO) -> None:
        self._in = incoming  # unbuffered: one read() is one system call, its bytes kept here
        self._received = bytearray()
        self._out = outgoing
        self._ahead: Deque[bytes] = collections.deque()
        self._sending = threading.Lock()
        # The request's wsgi.input, which takes the body's frames whenever they come.
        self.input: Optional['Input'] = None

    def send(self, kind: bytes, payload: bytes = b'') -> None:
        # An app's own thread may write to wsgi.errors: a frame must not be cut by another.
        with self._sending:
            self._out.write(FRAME_HEAD.pack(len(payload), kind[0]))
            if payload:
                self._out.write(payload)

    def flush(self) -> None:
        with self._sending:
            self._out.flush()

    def receive(self) -> Tuple[bytes, bytes]:
        """The next frame of the request in progress.

        A REQUEST that Node sent ahead, to have it ready when this one is done, is kept
        for next_request(); the body's frames go to wsgi.input.
        """
        while True:
            kind, payload = self._read()
            if kind == REQUEST:
                self._ahead.append(payload)
            elif kind in INPUT_FRAMES:
                self.input.feed(kind, payload)  # type: ignore[union-attr]
            else:
                return kind, payload

    def receive_input(self) -> None:
        """Wait for the next frame of the request body."""
        while True:
            kind, payload = self._read()
            if kind in INPUT_FRAMES:
                self.input.feed(kind, payload)  # type: ignore[union-attr]
                return
            if kind != REQUEST:
                raise ValueError('expected the request body from Node, got %r' % kind)
            self._ahead.append(payload)

    def next_request(self) -> bytes:
        """The next REQUEST's payload: one sent ahead, or the next frame; EOFError when Node closed the pipe."""
        if self._ahead:
            return self._ahead.popleft()
        kind, payload = self._read()
        if kind != REQUEST:
            raise ValueError('expected a request frame from Node, got %r' % kind)
        return payload

    def _read(self) -> Tuple[bytes, bytes]:
        received = self._received
        while len(received) < FRAME_HEAD.size:
            self._fill(FRAME_HEAD.size - len(received))
        length, kind = FRAME_HEAD.unpack_from(received)
        end = FRAME_HEAD.size + length
        with memoryview(received) as view:
            payload = bytes(view[FRAME_HEAD.size:end])
        if len(received) >= end:
            del received[:end]  # cheap: a bytearray drops its head without moving the rest
        else:
            # A large frame (body bytes): its rest straight from the pipe, joined once.
            del received[:]
            parts = [payload]
            missing = end - FRAME_HEAD.size - len(payload)
            while missing > 0:
                part = self._take_in(missing)
                parts.append(part)
                missing -= len(part)
            payload = b''.join(parts)
        return bytes((kind,)), payload

    def _fill(self, missing: int) -> None:
        """Wait for more bytes from Node, after sending what is buffered (Node may be waiting for it)."""
        self._received += self._take_in(max(missing, READ_CAP))

    def _take_in(self, size: int) -> bytes:
        """At most ``size`` bytes from Node's pipe, in one system call."""
        self.flush()
        data = self._in.read(size)
        if not data:
            raise EOFError('Node closed the pipe')
        return data

    def ask(self, kind: bytes, payload: bytes = b'') -> bytes:
        """Send a frame and wait for Node's answer: its bytes, or FrontEndError."""
        self.send(kind, payload)
        answer, data = self.receive()
        if answer == ERROR:
            raise FrontEndError(data.decode('utf-8', 'replace'))
        return data


# The states of a request body's stream from Node.
UNREAD, STREAMING, STOPPING, ENDED = 0, 1, 2, 3


class Input:
    """``wsgi.input``: a blocking file-like over the request body, which Node streams into
    a buffer here, ahead of the app's reads by at most WINDOW bytes."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._chunks: Deque[bytes] = collections.deque()
        self._size = 0  # bytes in _chunks
        self._owed = 0  # bytes Node may still send
        self._state = UNREAD
        self._failure: Optional[str] = None

    def feed(self, kind: bytes, payload: bytes) -> None:
        """A frame of the body from Node."""
        if kind == BYTES and payload:
            self._chunks.append(payload)
            self._size += len(payload)
            self._owed -= len(payload)
            return
        self._state = ENDED
        if kind == INPUT_FAILED:
            self._failure = payload.decode('utf-8', 'replace')

    def _fill(self) -> bool:
        """Wait for more of the body; False at its end. The first call starts the stream
        (and with it a pending 100 Continue)."""
        if self._state == ENDED:
            if self._failure is not None:
                raise FrontEndError(self._failure)
            return False
        if self._state == UNREAD:
            self._state = STREAMING
            self._grant(WINDOW)
        elif self._owed == 0:
            self._grant(WINDOW // 2)  # a read larger than the window: the buffer grows to it
        self._channel.receive_input()
        return True

    def _grant(self, count: int) -> None:
        self._owed += count
        self._channel.send(CREDIT, SIZE.pack(count))

    def _take(self, size: int) -> bytes:
        """``size`` buffered bytes (no more than there are) as one bytes object; then Node
        may send ahead again what they leave room for, half a window at a time."""
        chunks = self._chunks
        if size == 0:
            return b''
        if size == len(chunks[0]):
            data = chunks.popleft()
        else:
            parts = []
            left = size
            while left > 0:
                chunk = chunks.popleft()
                if len(chunk) > left:
                    chunks.appendleft(chunk[left:])
                    chunk = chunk[:left]
                parts.append(chunk)
                left -= len(chunk)
            data = parts[0] if len(parts) == 1 else b''.join(parts)
        self._size -= size
        room = WINDOW - self._owed - self._size
        if room >= WINDOW // 2 and self._state == STREAMING:
            self._grant(room)
            self._channel.flush()
        return data

    def read(self, size: Optional[int] = -1) -> bytes:
        """``size`` bytes (fewer at the end); everything left when size is None or negative."""
        if size is None or size < 0:
            while self._fill():
                pass
            return self._take(self._size)
        while self._size < size and self._fill():
            pass
        return self._take(min(size, self._size))

    def readline(self, size: Optional[int] = -1) -> bytes:
        """One line, ``\\n`` included, or at most ``size`` bytes."""
        left = -1 if size is None or size < 0 else size
        parts = []
        while left != 0 and (self._size or self._fill()):
            if not self._size:
                continue
            first = self._chunks[0]
            end = first.find(b'\n') + 1 or len(first)
            if 0 < left < end:
                end = left
            parts.append(self._take(end))
            left -= end
            if parts[-1][-1:] == b'\n':
                break
        return b''.join(parts)

    def readlines(self, hint: int = -1) -> List[bytes]:
        """Lines to the end, or until ``hint`` bytes have been read when it is positive."""
        lines = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def set_hundred_continue_response_headers(self, headers: Headers) -> None:
        """eventlet: headers for the next "100 Continue" (checked by Node's core)."""
        self._channel.ask(CONTINUE_HEADERS, json.dumps([list(pair) for pair in headers]).encode('utf-8'))

    def send_hundred_continue_response(self) -> None:
        """eventlet: send another "100 Continue" now (after a chunked body: read a new one)."""
        self._channel.ask(SEND_CONTINUE)
        if self._state == ENDED:
            # Node starts a new stream too: the client may now send the next body.
            self._state = UNREAD
            self._failure = None
            self._owed = 0

    def stop(self) -> None:
        """The request is over: Node is to end the body's stream (see ``await_end``)."""
        if self._state == STREAMING:
            self._state = STOPPING
            self._channel.send(STOP_INPUT)

    def await_end(self) -> None:
        """Wait for the stream's last frame, so that none is left to arrive during the next request."""
        while self._state == STOPPING:
            self._channel.receive_input()
        self._chunks.clear()
        self._size = 0


class Errors:
    """``wsgi.errors``: text for the front end's error log, sent with the next frame."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def write(self, text: str) -> None:
        self._channel.send(LOG, str(text).encode('utf-8', 'replace'))
        if threading.current_thread() is not threading.main_thread():
            self._channel.flush()  # the main thread may be waiting for Node, with nothing to send

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Sent with the next frame to Node, which a request always has."""


class FileWrapper:
    """``wsgi.file_wrapper``: a file's blocks as the body; close() closes the file."""

    def __init__(self, filelike: Any, blksize: int = FILE_BLOCK) -> None:
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, 'close'):
            self.close = filelike.close

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.filelike.read(self.blksize), b'')


def pep3333(what: str, value: Any) -> TypeError:
    return TypeError('%s must be a native str (PEP 3333), got %s %r' % (what, type(value).__name__, value))


class Response:
    """start_response and write(): the head is kept here until the first byte goes to Node."""

    def __init__(self, channel: Channel, environ: Environ) -> None:
        self._channel = channel
        self._environ = environ
        self.head: Optional[Tuple[str, Headers]] = None
        self.head_sent = False

    def start_response(self, status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info:
            try:
                if self.head_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.head is not None:
            raise AssertionError('start_response called twice without exc_info (PEP 3333)')
        if type(status) is not str:
            raise pep3333('the status', status)
        for pair in headers:
            for item in pair:
                if type(item) is not str:
                    raise pep3333('a header name or value', item)
        self.head = (status, headers)
        return self.write

    def send_head(self) -> None:
        """The head goes before the first bytes (status and headers are checked by Node's core)."""
        if self.head_sent or self.head is None:
            return
        self.head_sent = True
        status, headers = self.head
        head = [status, [list(pair) for pair in headers]]
        size = self._environ.get('eventlet.minimum_write_chunk_size')
        if size is not None:
            head.append(str(size))
        self._channel.send(HEAD, json.dumps(head).encode('utf-8'))

    def content_length(self) -> Optional[int]:
        """The Content-Length the app declared, if a valid one."""
        for name, value in self.head[1] if self.head else ():
            if name.lower() == 'content-length':
                return int(value) if value.isascii() and value.isdigit() else None
        return None

    def write(self, data: bytes) -> None:
        """PEP 3333's write(): sent now; returns once Node's core has taken the bytes."""
        self.send_head()
        self._channel.ask(WRITE, as_bytes(data))


def as_bytes(chunk: Any) -> bytes:
    """A body chunk as bytes. PEP 3333 wants bytes; an ASCII str is encoded, as eventlet does,
    so that Python 2-era apps (eventlet's own documentation) run unchanged."""
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    if isinstance(chunk, str) and chunk.isascii():
        return chunk.encode('ascii')
    shown = repr(chunk) if len(repr(chunk)) < 80 else repr(chunk)[:77] + '...'
    raise TypeError('a WSGI body chunk must be bytes (PEP 3333), got %s %s%s' % (
        type(chunk).__name__, shown, ' (a str is taken only when it is ASCII, as eventlet does)' if isinstance(chunk, str) else ''))


def next_chunk(chunks: Iterator) -> bytes:
    """The next non-empty chunk as bytes (empty ones send nothing), or b'' at the end."""
    for chunk in chunks:
        data = as_bytes(chunk)
        if data:
            return data
    return b''


def close_body(environ: Environ, body: Any) -> None:
    """The body's close(), if it has one; an error in it is logged."""
    close = getattr(body, 'close', None)
    if close is None:
        return
    try:
        close()
    except Exception:
        environ['wsgi.errors'].write("Error in the body's close():\n" + traceback.format_exc())


def posthook_lists(environ: Environ) -> List[list]:
    """The hook lists under eventlet's and evy's keys: one list when they are the same object."""
    lists: List[list] = []
    for key in ('eventlet.posthooks', 'evy.posthooks'):
        hooks = environ.get(key)
        if isinstance(hooks, list) and hooks and not any(hooks is seen for seen in lists):
            lists.append(hooks)
    return lists


def run_posthooks(environ: Environ) -> None:
    """Each hook ``(func, args, kwargs)`` once, in order; a failing one is logged and the rest run."""
    errors = environ['wsgi.errors']
    for hooks in posthook_lists(environ):
        for index, hook in enumerate(hooks):
            try:
                func, args, kwargs = hook
                func(environ, *(args or ()), **(kwargs or {}))
            except Exception:
                errors.write('Post hook %d failed:\n%s' % (index, traceback.format_exc()))


class Worker:
    """One app, one request at a time, answering Node's frames."""

    def __init__(self, channel: Channel, app: Callable, extras: Dict[str, str]) -> None:
        self.channel = channel
        self.app = app
        self.extras = extras

    def environ(self, request: Dict[str, str]) -> Environ:
        """A PEP 3333 environ from the request's keys, as native (latin-1) strings."""
        channel = self.channel
        wsgi_input = channel.input = Input(channel)
        hooks: list = []
        environ: Environ = dict(self.extras)
        environ.update(request)
        environ.update({
            'wsgi.version': (1, 0),
            'wsgi.url_scheme': request.get('wsgi.url_scheme', 'http'),
            'wsgi.input': wsgi_input,
            'wsgi.errors': Errors(channel),
            'wsgi.multithread': False,
            'wsgi.multiprocess': True,
            'wsgi.run_once': False,
            'wsgi.file_wrapper': FileWrapper,
            'eventlet.input': wsgi_input,
            'eventlet.posthooks': hooks,
            'evy.posthooks': hooks,
        })
        return environ

    def serve(self, request: Dict[str, str]) -> None:
        environ = self.environ(request)
        response = Response(self.channel, environ)
        body: Any = None
        try:
            body = self.app(environ, response.start_response)
            if isinstance(body, (list, tuple)):
                chunks = None
                payload = b''.join([as_bytes(chunk) for chunk in body])
            else:
                # The first chunk is pulled now: a body that ends there, or whose one chunk
                # fills its Content-Length (a framework's buffered response), goes back
                # whole as a list does, in this one round trip.
                chunks = iter(body)
                payload = next_chunk(chunks)
                if not payload or response.content_length() == len(payload):
                    chunks = None
                    close_body(environ, body)
        except Exception:
            failure = traceback.format_exc().encode('utf-8', 'replace')
            close_body(environ, body)
            self.finish(environ, RAISED, failure)
            return
        response.send_head()
        if chunks is None:
            self.finish(environ, LIST_BODY, payload)
            return
        self.channel.send(ITERABLE, payload)
        self.stream(environ, response, body, chunks)

    def stream(self, environ: Environ, response: Response, body: Iterable, chunks: Iterator) -> None:
        """Answer NEXT with one chunk each, until Node says CLOSE."""
        channel = self.channel
        while True:
            kind, _ = channel.receive()
            if kind == CLOSE:
                break
            try:
                chunk = next_chunk(chunks)
            except Exception:
                channel.send(RAISED, NO_HOOKS + traceback.format_exc().encode('utf-8', 'replace'))
            else:
                response.send_head()
                channel.send(DATA if chunk else END, chunk)
        close_body(environ, body)
        self.finish(environ, CLOSED, b'')

    def finish(self, environ: Environ, kind: bytes, payload: bytes) -> None:
        """The last frame of a request says whether post hooks wait; they run when Node says so."""
        channel = self.channel
        body = channel.input
        body.stop()
        if not posthook_lists(environ):
            channel.send(kind, NO_HOOKS + payload)
        else:
            channel.send(kind, HAS_HOOKS + payload)
            command, _ = channel.receive()
            if command == POSTHOOKS:
                run_posthooks(environ)
                channel.send(HOOKS_RUN)
        body.await_end()


def load(target: str) -> Callable:
    """``MODULE:CALLABLE`` as gunicorn takes it (dotted attributes; CALLABLE defaults to application)."""
    module_name, _, name = target.partition(':')
    obj: Any = importlib.import_module(module_name)
    for attribute in (name or 'application').split('.'):
        obj = getattr(obj, attribute)
    if not callable(obj):
        raise TypeError('%s is not callable: %r' % (target, obj))
    return obj


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write('usage: wsgi_bridge.py MODULE:CALLABLE (started by @wsgi-bridge/python, fds 3 and 4 open)\n')
        return 2
    try:
        channel = Channel(os.fdopen(3, 'rb', buffering=0), os.fdopen(4, 'wb', buffering=READ_CAP))
    except OSError as err:
        sys.stderr.write('wsgi_bridge.py needs fds 3 (from Node) and 4 (to Node): %s\n' % err)
        return 2
    kind, payload = channel.receive()
    if kind != OPTIONS:
        raise ValueError('expected the options frame from Node, got %r' % kind)
    options = json.loads(payload)
    sys.path[:0] = options['path']
    try:
        app = load(argv[1])
    except BaseException:
        channel.send(IMPORT_FAILED, traceback.format_exc().encode('utf-8', 'replace'))
        channel.flush()
        return 3
    channel.send(READY)
    worker = Worker(channel, app, options['environ'])
    while True:
        try:
            request = channel.next_request()
        except EOFError:
            return 0
        worker.serve(json.loads(request))


if __name__ == '__main__':
    # An app that imports wsgi_bridge (to catch FrontEndError) gets this module, not a copy.
    sys.modules.setdefault('wsgi_bridge', sys.modules[__name__])
    sys.exit(main(sys.argv))
