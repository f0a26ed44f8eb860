"""A stand-in OpenAI-compatible chat server on 127.0.0.1 for the insights tests (nbs/90_insights.ipynb, tests/test_insights.py):
replies given in advance, every request recorded. Not part of the package."""
import json, threading, time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Iterator, Sequence


def _completion(content: str, model: str) -> dict:
    return dict(id='chatcmpl-local', object='chat.completion', created=int(time.time()), model=model,
                choices=[dict(index=0, message=dict(role='assistant', content=content), finish_reason='stop', logprobs=None)],
                usage=dict(prompt_tokens=0, completion_tokens=0, total_tokens=0))

class _QuietServer(ThreadingHTTPServer):
    daemon_threads, block_on_close = True, False
    def handle_error(self, request, client_address): pass  # a client that gave up (timeout) is not an error here

@contextmanager
def local_chat_server(replies: Sequence, # each: the reply text, or (status, body) for a raw answer; the last one repeats
                      delay: float = 0.0,  # seconds to wait before each answer
                     ) -> Iterator[SimpleNamespace]:
    "A stand-in OpenAI-compatible chat server on 127.0.0.1 (a free port) for tests and demos; yields `base_url` and the `requests` it got."
    assert replies, "give at least one reply"
    state = SimpleNamespace(requests=[], base_url=None)
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args): pass
        def _send(self, status: int, body):
            data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status); self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data))); self.end_headers(); self.wfile.write(data)
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get('Content-Length') or 0))
            try: body = json.loads(raw or b'null')
            except ValueError: body = None
            state.requests.append(dict(path=self.path, authorization=self.headers.get('Authorization'), body=body))
            if delay: time.sleep(delay)
            if self.path.rstrip('/') != '/v1/chat/completions': return self._send(404, {'error': {'message': f'no route {self.path}'}})
            reply = replies[min(len(state.requests), len(replies)) - 1]
            if isinstance(reply, tuple): return self._send(*reply)
            self._send(200, _completion(reply, (body or {}).get('model', 'local')))
    server = _QuietServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try: yield state
    finally:
        server.shutdown(); server.server_close(); thread.join(5)
