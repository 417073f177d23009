"""Unit tests of wsgi_bridge.py: frames in from a scripted Node, frames out checked."""

import io
import json
import os
import sys
import tempfile
import unittest
from typing import List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wsgi_bridge as bridge  # noqa: E402


def frames(*items: Tuple[bytes, bytes]) -> bytes:
    return b''.join(bridge.FRAME_HEAD.pack(len(payload), kind[0]) + payload for kind, payload in items)


def parse(data: bytes) -> List[Tuple[bytes, bytes]]:
    out = []
    at = 0
    while at < len(data):
        length, kind = bridge.FRAME_HEAD.unpack_from(data, at)
        at += bridge.FRAME_HEAD.size
        out.append((bytes((kind,)), data[at:at + length]))
        at += length
    return out


class Script:
    """A worker whose Node side is a fixed list of frames."""

    def __init__(self, app, *incoming: Tuple[bytes, bytes], extras=None) -> None:
        self.out = io.BytesIO()
        self.channel = bridge.Channel(io.BytesIO(frames(*incoming)), self.out)
        self.worker = bridge.Worker(self.channel, app, extras or {})

    def serve(self, request=None) -> List[Tuple[bytes, bytes]]:
        self.worker.serve(request or {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/'})
        return parse(self.out.getvalue())


def size(n: int) -> bytes:
    return bridge.SIZE.pack(n)


def hello(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'Hello, ', b'world']


class ChannelTest(unittest.TestCase):
    def test_round_trip_and_end_of_pipe(self):
        out = io.BytesIO()
        channel = bridge.Channel(io.BytesIO(frames((b'N', b''), (b'A', b''))), out)
        channel.send(b'd', b'xyz')
        self.assertEqual(channel.receive(), (b'N', b''))
        self.assertEqual(channel.ask(b'w', b'abc'), b'')
        self.assertEqual(parse(out.getvalue()), [(b'd', b'xyz'), (b'w', b'abc')])
        self.assertRaises(EOFError, channel.receive)

    def test_a_request_sent_ahead_waits_for_its_turn(self):
        channel = bridge.Channel(io.BytesIO(frames((b'Q', b'{"n": 2}'), (b'C', b''))), io.BytesIO())
        self.assertEqual(channel.receive(), (b'C', b''))
        self.assertEqual(channel.next_request(), b'{"n": 2}')
        self.assertRaises(EOFError, channel.next_request)

    def test_error_answer_raises(self):
        channel = bridge.Channel(io.BytesIO(frames((b'E', b'client gone'))), io.BytesIO())
        with self.assertRaisesRegex(bridge.FrontEndError, 'client gone'):
            channel.ask(b'w', b'data')


class EnvironTest(unittest.TestCase):
    def test_pep3333_keys_and_one_hook_list(self):
        worker = bridge.Worker(bridge.Channel(io.BytesIO(), io.BytesIO()), hello, {'EXTRA': 'x'})
        environ = worker.environ({'PATH_INFO': '/caf\xe9', 'wsgi.url_scheme': 'https', 'HTTP_HOST': 'h'})
        self.assertEqual(environ['PATH_INFO'], '/caf\xe9')
        self.assertEqual(environ['PATH_INFO'].encode('latin-1'), b'/caf\xe9')
        self.assertEqual(environ['wsgi.version'], (1, 0))
        self.assertEqual(environ['wsgi.url_scheme'], 'https')
        self.assertIs(environ['wsgi.multiprocess'], True)
        self.assertIs(environ['wsgi.multithread'], False)
        self.assertIs(environ['wsgi.run_once'], False)
        self.assertIs(environ['eventlet.posthooks'], environ['evy.posthooks'])
        self.assertIs(environ['eventlet.input'], environ['wsgi.input'])
        self.assertIs(environ['wsgi.file_wrapper'], bridge.FileWrapper)
        self.assertEqual(environ['EXTRA'], 'x')


class ResponseTest(unittest.TestCase):
    def test_list_body_is_one_frame_after_the_head(self):
        self.assertEqual(Script(hello).serve(), [
            (b'h', json.dumps(['200 OK', [['Content-Type', 'text/plain']]]).encode()),
            (b'l', b'\x00Hello, world'),
        ])

    def test_non_ascii_str_chunk_is_an_error_naming_pep_3333(self):
        for chunk in ('caf\xe9', 42):
            def app(environ, start_response):
                start_response('200 OK', [])
                return [chunk]
            [(kind, payload)] = Script(app).serve()
            self.assertEqual(kind, b'x')
            self.assertIn(b'must be bytes (PEP 3333)', payload)

    def test_ascii_str_chunk_is_encoded_as_eventlet_does(self):
        def app(environ, start_response):
            start_response('200 OK', [])
            return ['Hello, World!\r\n']
        self.assertEqual(Script(app).serve()[-1], (b'l', b'\x00Hello, World!\r\n'))

    def test_bytes_status_or_header_is_a_type_error(self):
        for status, headers in ((b'200 OK', []), ('200 OK', [('X', b'v')])):
            response = bridge.Response(bridge.Channel(io.BytesIO(), io.BytesIO()), {})
            with self.assertRaisesRegex(TypeError, 'PEP 3333'):
                response.start_response(status, headers)

    def test_exc_info_replaces_the_head_until_it_is_sent(self):
        response = bridge.Response(bridge.Channel(io.BytesIO(), io.BytesIO()), {})
        response.start_response('200 OK', [])
        with self.assertRaises(AssertionError):
            response.start_response('500 Oops', [])
        try:
            raise ValueError('boom')
        except ValueError:
            info = sys.exc_info()
        response.start_response('500 Oops', [], info)
        self.assertEqual(response.head, ('500 Oops', []))
        response.send_head()
        with self.assertRaisesRegex(ValueError, 'boom'):
            response.start_response('502 Later', [], info)

    def test_generator_first_chunk_at_once_then_one_per_next_then_close(self):
        closed = []

        def app(environ, start_response):
            def body():
                try:
                    start_response('200 OK', [])
                    yield b''
                    yield b'one'
                    yield b'two'
                finally:
                    closed.append(True)
            return body()
        sent = Script(app, (b'N', b''), (b'N', b''), (b'C', b'')).serve()
        self.assertEqual(sent, [(b'h', b'["200 OK", []]'), (b'i', b'one'), (b'd', b'two'), (b'e', b''), (b'c', b'\x00')])
        self.assertEqual(closed, [True])

    def test_one_chunk_filling_its_content_length_goes_back_whole_and_closed(self):
        closed = []

        def app(environ, start_response):
            start_response('200 OK', [('content-length', '5')])

            def body():
                try:
                    yield b'hello'
                    yield b'never pulled'
                finally:
                    closed.append(True)
            return body()
        sent = Script(app).serve()
        self.assertEqual(sent, [(b'h', b'["200 OK", [["content-length", "5"]]]'), (b'l', b'\x00hello')])
        self.assertEqual(closed, [True])

    def test_an_error_in_the_first_chunk_closes_the_body(self):
        closed = []

        class Body:
            def __iter__(self):
                raise ValueError('no chunks')

            def close(self):
                closed.append(True)

        def app(environ, start_response):
            start_response('200 OK', [])
            return Body()
        [(kind, payload)] = Script(app).serve()
        self.assertEqual(kind, b'x')
        self.assertIn(b'ValueError: no chunks', payload)
        self.assertEqual(closed, [True])

    def test_close_early_runs_the_generators_finally(self):
        closed = []

        def app(environ, start_response):
            start_response('200 OK', [])
            environ['eventlet.minimum_write_chunk_size'] = 0

            def body():
                try:
                    while True:
                        yield b'x'
                finally:
                    closed.append(True)
            return body()
        sent = Script(app, (b'N', b''), (b'C', b'')).serve()
        self.assertEqual(sent[:2], [(b'h', b'["200 OK", [], "0"]'), (b'i', b'x')])
        self.assertEqual(closed, [True])

    def test_write_waits_for_the_ack(self):
        def app(environ, start_response):
            write = start_response('200 OK', [])
            write(b'written')
            return []
        sent = Script(app, (b'A', b'')).serve()
        self.assertEqual([kind for kind, _ in sent], [b'h', b'w', b'l'])
        self.assertEqual(sent[1][1], b'written')

    def test_file_wrapper_blocks_and_close(self):
        with tempfile.TemporaryFile() as file:
            file.write(b'a' * 10)
            file.seek(0)
            wrapper = bridge.FileWrapper(file, 4)
            self.assertEqual(list(wrapper), [b'aaaa', b'aaaa', b'aa'])
            wrapper.close()
            self.assertTrue(file.closed)


class InputTest(unittest.TestCase):
    WINDOW = bridge.WINDOW

    def input(self, *incoming: Tuple[bytes, bytes]):
        out = io.BytesIO()
        channel = bridge.Channel(io.BytesIO(frames(*incoming)), out)
        channel.input = bridge.Input(channel)
        return channel.input, out

    def body(self, *chunks: bytes):
        return self.input(*((b'I', chunk) for chunk in chunks))

    def test_the_first_read_opens_the_window_and_buffered_reads_ask_nothing(self):
        wsgi_input, out = self.body(b'abc', b'defg', b'')
        self.assertEqual(wsgi_input.read(2), b'ab')
        self.assertEqual(wsgi_input.read(3), b'cde')
        self.assertEqual(wsgi_input.read(9), b'fg')
        self.assertEqual(wsgi_input.read(9), b'')
        self.assertEqual(parse(out.getvalue()), [(b'r', size(self.WINDOW))])

    def test_read_all_stops_at_the_end_of_the_body(self):
        wsgi_input, _ = self.body(b'abc', b'def', b'')
        self.assertEqual(wsgi_input.read(), b'abcdef')
        self.assertEqual(wsgi_input.read(), b'')

    def test_credit_goes_back_half_a_window_at_a_time(self):
        quarter = b'q' * (self.WINDOW // 4)
        wsgi_input, out = self.body(quarter, quarter, quarter, quarter)
        self.assertEqual(len(wsgi_input.read(self.WINDOW // 4)), self.WINDOW // 4)
        self.assertEqual(len(wsgi_input.read(self.WINDOW // 4)), self.WINDOW // 4)
        self.assertEqual(parse(out.getvalue()), [(b'r', size(self.WINDOW)), (b'r', size(self.WINDOW // 2))])

    def test_a_read_larger_than_the_window_asks_for_more_as_it_fills(self):
        half = b'h' * (self.WINDOW // 2)
        wsgi_input, out = self.body(half, half, half, half)
        self.assertEqual(wsgi_input.read(2 * self.WINDOW), half * 4)
        credits = [bridge.SIZE.unpack(payload)[0] for kind, payload in parse(out.getvalue())]
        self.assertEqual(credits, [self.WINDOW, self.WINDOW // 2, self.WINDOW // 2, self.WINDOW])

    def test_readline_readlines_iteration(self):
        wsgi_input, _ = self.body(b'one\ntw', b'o\nthree', b'')
        self.assertEqual(wsgi_input.readline(), b'one\n')
        self.assertEqual(wsgi_input.readline(2), b'tw')
        self.assertEqual(wsgi_input.readline(), b'o\n')
        self.assertEqual(wsgi_input.readline(), b'three')
        self.assertEqual(wsgi_input.readline(), b'')
        wsgi_input, _ = self.body(b'a\n', b'b\n', b'')
        self.assertEqual(list(wsgi_input), [b'a\n', b'b\n'])
        wsgi_input, _ = self.body(b'a\nb\nc\n')
        self.assertEqual(wsgi_input.readlines(3), [b'a\n', b'b\n'])

    def test_a_failed_body_raises_front_end_error_once_the_buffer_is_read(self):
        wsgi_input, _ = self.input((b'I', b'ab'), (b'F', b'the client went away'))
        self.assertEqual(wsgi_input.read(1), b'a')
        with self.assertRaisesRegex(bridge.FrontEndError, 'the client went away'):
            wsgi_input.read(5)

    def test_body_frames_arriving_during_a_write_are_kept(self):
        wsgi_input, out = self.input((b'I', b'abc'), (b'A', b''), (b'I', b''))
        wsgi_input._fill()
        self.assertEqual(wsgi_input._channel.ask(b'w', b'out'), b'')
        self.assertEqual(wsgi_input.read(), b'abc')

    def test_stop_waits_for_the_streams_last_frame(self):
        wsgi_input, out = self.input((b'I', b'ab'), (b'I', b'cd'), (b'S', b''), (b'Q', b'{}'))
        self.assertEqual(wsgi_input.read(1), b'a')
        wsgi_input.stop()
        wsgi_input.await_end()
        self.assertEqual(wsgi_input.read(), b'')
        self.assertEqual(parse(out.getvalue())[-1], (b's', b''))
        self.assertEqual(wsgi_input._channel.next_request(), b'{}')

    def test_an_unread_body_is_not_stopped(self):
        wsgi_input, out = self.input()
        wsgi_input.stop()
        wsgi_input.await_end()
        self.assertEqual(out.getvalue(), b'')

    def test_a_new_body_after_send_hundred_continue(self):
        wsgi_input, out = self.input((b'I', b'one'), (b'I', b''), (b'A', b''), (b'I', b'two'), (b'I', b''))
        self.assertEqual(wsgi_input.read(), b'one')
        wsgi_input.send_hundred_continue_response()
        self.assertEqual(wsgi_input.read(), b'two')
        self.assertEqual([kind for kind, _ in parse(out.getvalue())], [b'r', b'2', b'r'])

    def test_hundred_continue_forwarded(self):
        out = io.BytesIO()
        channel = bridge.Channel(io.BytesIO(frames((b'A', b''), (b'E', b'invalid value'))), out)
        wsgi_input = bridge.Input(channel)
        wsgi_input.set_hundred_continue_response_headers([('H-1', 'v')])
        with self.assertRaisesRegex(bridge.FrontEndError, 'invalid value'):
            wsgi_input.send_hundred_continue_response()
        self.assertEqual(parse(out.getvalue()), [(b'1', b'[["H-1", "v"]]'), (b'2', b'')])


class PosthooksTest(unittest.TestCase):
    def test_both_keys_in_order_once_after_node_says_so(self):
        calls = []

        def app(environ, start_response):
            environ['eventlet.posthooks'].append((lambda env, *a, **k: calls.append(('e', a, k)), (1,), {'k': 2}))
            environ['evy.posthooks'].append((lambda env: calls.append('evy'), (), {}))
            start_response('200 OK', [])
            return [b'ok']
        script = Script(app, (b'P', b''))
        self.assertEqual(script.serve()[-2:], [(b'l', b'\x01ok'), (b'p', b'')])
        self.assertEqual(calls, [('e', (1,), {'k': 2}), 'evy'])

    def test_replaced_lists_are_honoured_and_a_raising_hook_is_logged(self):
        calls = []

        def fail(environ):
            raise RuntimeError('hook exploded')

        def app(environ, start_response):
            environ['evy.posthooks'] = [(lambda env: calls.append('evy'), (), {})]
            environ['eventlet.posthooks'] = [(fail, (), {}), (lambda env: calls.append('eventlet'), (), {})]
            raise KeyError('app failed')
        sent = Script(app, (b'P', b'')).serve()
        self.assertEqual(sent[0][0], b'x')
        self.assertEqual(sent[0][1][:1], b'\x01')
        self.assertIn(b"KeyError: 'app failed'", sent[0][1])
        self.assertEqual(sent[1][0], b'g')
        self.assertIn(b'hook exploded', sent[1][1])
        self.assertEqual(sent[-1], (b'p', b''))
        self.assertEqual(calls, ['eventlet', 'evy'])


class LoadTest(unittest.TestCase):
    def test_module_and_callable(self):
        self.assertIs(bridge.load('wsgi_bridge:load'), bridge.load)
        self.assertIs(bridge.load('wsgi_bridge:FileWrapper.__init__'), bridge.FileWrapper.__init__)
        self.assertRaises(ImportError, bridge.load, 'no_such_module_here:app')
        self.assertRaises(AttributeError, bridge.load, 'wsgi_bridge:no_such_app')


if __name__ == '__main__':
    unittest.main()
