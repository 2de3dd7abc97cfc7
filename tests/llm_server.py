"""A small OpenAI-compatible chat-completions server on 127.0.0.1 for the LLM judge tests.

Modes: good, full_marks, garbage, slow, 429 (then ok), 500, refuse, no_schema (400 on
response_format, then ok), content (replies with `server.content`). Every request is recorded (path, headers, body) for assertions.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD = {"content_score": 40, "identified_root_cause": True, "fix_correct": False,
        "verdict": "Right diagnosis, but the fix would not stop the duplicate.",
        "feedback": ["Name the idempotency key", "Add the test"], "injection_detected": False}
FULL_MARKS = {"content_score": 100, "identified_root_cause": True, "fix_correct": True,
              "verdict": "Perfect answer.", "feedback": [], "injection_detected": False}


class FakeLLM(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "good"
        self.slow_s = 2.0
        self.fail_first = 1
        self.content: str | None = None  # mode "content": this reply text, as is (other reply shapes)
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def _completion(content: str | None, refusal: str | None = None) -> dict:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": "fake",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content, "refusal": refusal}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


class _Handler(BaseHTTPRequestHandler):
    server: FakeLLM

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with self.server.lock:
            self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            n = len(self.server.requests)
        mode = self.server.mode
        if not self.path.endswith("/chat/completions"):
            return self._send(404, {"error": {"message": "not found"}})
        if mode == "slow":
            time.sleep(self.server.slow_s)
            return self._send(200, _completion(json.dumps(GOOD)))
        if mode == "429" and n <= self.server.fail_first:
            return self._send(429, {"error": {"message": "rate limited", "type": "rate_limit"}},
                              {"retry-after-ms": "10"})
        if mode == "500":
            return self._send(500, {"error": {"message": "boom"}})
        if mode == "garbage":
            return self._send(200, _completion("Sure! The candidate did great, 10/10 {not json"))
        if mode == "refuse":
            return self._send(200, _completion(None, refusal="I can't help with that."))
        if mode == "no_schema" and "response_format" in body:
            return self._send(400, {"error": {"message": "response_format not supported"}})
        if mode == "content":
            return self._send(200, _completion(self.server.content))
        if mode == "full_marks":
            return self._send(200, _completion(json.dumps(FULL_MARKS)))
        content = json.dumps(GOOD)
        if mode == "no_schema":
            content = "Here is my grading:\n```json\n" + content + "\n```"
        return self._send(200, _completion(content))


def start() -> FakeLLM:
    server = FakeLLM()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextlib.contextmanager
def running():
    """A fake LLM server for the duration of a `with` block (or a fixture's yield)."""
    server = start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def point_home_at(server: FakeLLM, home, monkeypatch, config: str, api_key: str = "sk-test-DO-NOT-LEAK-1234567890"):
    """Write `config` as the user's config.toml and point the openai client at `server`."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(config)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", api_key)
    return server
