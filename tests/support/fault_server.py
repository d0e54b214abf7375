"""An OpenAI-compatible chat-completions server on loopback that injects provider faults on a schedule.

Hosted models fail in a handful of ways during a long run: rate limits (429 with Retry-After), server errors
(500/503), requests that hang past the client's timeout, and connections reset mid-request. Tests point the
project's real `openai-api/<service>/<model>` provider at this server (`<SERVICE>_BASE_URL`), so Inspect's own
client, retry and resume code is what gets exercised; nothing in the harness is patched.

The schedule decides, for every request, which fault (or a normal reply) to serve. It sees the request's
global index, a key identifying the prompt (so "the first attempt at every prompt fails" is deterministic
whatever the concurrency) and how many times that prompt was asked before. Every request is recorded.
Standard library only; one thread per connection; `stop()` releases hanging requests.

Tests import this as `tests.support.fault_server` (pytest's importlib mode provides the `tests` namespace),
while mypy, given the files of tests/ without packages, knows it as the top-level module `fault_server`:
hence the `if TYPE_CHECKING:` imports in the tests.
"""

from __future__ import annotations

import enum
import hashlib
import io
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Fault(enum.Enum):
    """What the server does with one request."""

    OK = "ok"
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    SERVER_ERROR = "server_error"  # 500
    UNAVAILABLE = "unavailable"  # 503
    HANG = "hang"  # never answers (until the server stops or hang_seconds pass)
    RESET = "reset"  # TCP reset before any response bytes
    GARBAGE = "garbage"  # 200 with a body that is not JSON
    BAD_REQUEST = "bad_request"  # 400: a non-transient error the client must not retry
    INVALID_UTF8 = "invalid_utf8"  # a normal reply whose content carries raw bytes that are not UTF-8
    UNAUTHORIZED_ECHO = "unauthorized_echo"  # 401 whose message quotes the key it got, as careless proxies do


INVALID_UTF8_PLACEHOLDER = "@@invalid-utf8@@"
INVALID_UTF8_BYTES = b"\xff\xfe\xc3("
"""Bytes no UTF-8 decoder accepts, spliced into a reply's content in place of the placeholder."""

Schedule = Callable[[int, str, int], Fault]
"""(global request index, prompt key, earlier requests for this prompt) -> the fault to serve."""

Responder = Callable[[list[dict[str, Any]]], str]
"""Chat messages (OpenAI format) -> the assistant's reply text for a normal response."""


def healthy() -> Schedule:
    """Every request answered normally."""
    return lambda index, key, attempt: Fault.OK


def per_prompt(*faults: Fault) -> Schedule:
    """The n-th request for each distinct prompt gets `faults[n]`; later requests are answered normally."""
    return lambda index, key, attempt: faults[attempt] if attempt < len(faults) else Fault.OK


def rotating_first_attempt(faults: Sequence[Fault]) -> Schedule:
    """The first request for each prompt fails with the next fault in `faults` (in prompt order), then OK."""
    order: dict[str, int] = {}
    lock = threading.Lock()

    def schedule(index: int, key: str, attempt: int) -> Fault:
        with lock:
            position = order.setdefault(key, len(order))
        return faults[position % len(faults)] if attempt == 0 else Fault.OK

    return schedule


def from_request(start: int, fault: Fault) -> Schedule:
    """Normal replies for the first `start` requests, then `fault` for every request after them."""
    return lambda index, key, attempt: fault if index >= start else Fault.OK


def refusal_reply(messages: list[dict[str, Any]]) -> str:
    """A well-formed reply under the output contract: a short refusal."""
    return "<reasoning>I should decline this request.</reasoning>\n<output><rejected/></output>"


@dataclass(frozen=True)
class RecordedRequest:
    index: int
    prompt_key: str
    attempt: int
    fault: Fault
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _State:
    schedule: Schedule
    responder: Responder
    retry_after: str
    hang_seconds: float
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RecordedRequest] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)


def prompt_key(messages: Sequence[Any]) -> str:
    """A short stable key for a conversation: the role and text of each message.

    Takes OpenAI-format dicts (what the server receives) or Inspect chat messages (what a log's samples hold),
    so a test can tell which logged samples a request belonged to.
    """
    parts = []
    for message in messages:
        if isinstance(message, dict):
            content = message.get("content", "")
            if isinstance(content, list):
                content = "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
            parts.append(f"{message.get('role')}\x00{content}")
        else:
            parts.append(f"{message.role}\x00{message.text}")
    return hashlib.sha256("\x01".join(parts).encode()).hexdigest()[:16]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request access log."""

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "fault", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        body: dict[str, Any] = json.loads(raw or b"{}")
        messages: list[dict[str, Any]] = body.get("messages", [])
        fault, record = self._record(body, messages)
        if fault in (Fault.OK, Fault.INVALID_UTF8):
            self._reply(body, messages, record, invalid_utf8=fault is Fault.INVALID_UTF8)
        elif fault is Fault.RATE_LIMIT:
            error = {"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limit"}}
            self._send_json(429, error, {"Retry-After": self.server.state.retry_after})
        elif fault is Fault.SERVER_ERROR:
            self._send_json(500, {"error": {"message": "Internal server error", "type": "server_error"}})
        elif fault is Fault.UNAVAILABLE:
            self._send_json(503, {"error": {"message": "Service unavailable", "type": "server_error"}})
        elif fault is Fault.BAD_REQUEST:
            self._send_json(400, {"error": {"message": "Invalid request", "type": "invalid_request_error"}})
        elif fault is Fault.UNAUTHORIZED_ECHO:
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            message = f"Incorrect API key provided: {key}"
            self._send_json(401, {"error": {"message": message, "type": "invalid_request_error"}})
        elif fault is Fault.GARBAGE:
            self._send_raw(200, b"<html>502 Bad Gateway</html>\x00\xff", "application/json")
        elif fault is Fault.HANG:
            self.server.state.stopping.wait(self.server.state.hang_seconds)
            self._abort()
        elif fault is Fault.RESET:
            self._abort()

    def _record(self, body: dict[str, Any], messages: list[dict[str, Any]]) -> tuple[Fault, RecordedRequest]:
        state = self.server.state
        key = prompt_key(messages)
        with state.lock:
            index = len(state.requests)
            attempt = state.attempts.get(key, 0)
            state.attempts[key] = attempt + 1
            fault = state.schedule(index, key, attempt)
            record = RecordedRequest(index, key, attempt, fault, dict(self.headers.items()), body)
            state.requests.append(record)
        return fault, record

    def _reply(
        self, body: dict[str, Any], messages: list[dict[str, Any]], record: RecordedRequest, invalid_utf8: bool
    ) -> None:
        text = self.server.state.responder(messages) + (INVALID_UTF8_PLACEHOLDER if invalid_utf8 else "")
        prompt_tokens = max(1, sum(len(str(m.get("content", ""))) for m in messages) // 4)
        completion_tokens = max(1, len(text) // 4)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        completion_id = f"chatcmpl-fault-{record.index}"
        model = body.get("model", "fault")
        if body.get("stream"):
            self._stream(completion_id, model, text, usage)
            return
        self._send_json(
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": usage,
            },
        )

    def _stream(self, completion_id: str, model: str, text: str, usage: dict[str, int]) -> None:
        base = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
        chunks = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**base, "choices": [], "usage": usage},
        ]
        payload = b"".join(f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks) + b"data: [DONE]\n\n"
        self._send_raw(200, payload, "text/event-stream")

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode().replace(INVALID_UTF8_PLACEHOLDER.encode(), INVALID_UTF8_BYTES)
        self._send_raw(status, data, "application/json", headers)

    def _send_raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _abort(self) -> None:
        """Reset the connection: SO_LINGER 0 makes close() send RST instead of FIN."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.wfile = io.BytesIO()  # finish() flushes wfile; give it somewhere harmless to go


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default listen backlog of 5 drops connections when a run opens dozens at once
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that give up mid-request (timeouts) are expected here; do not print tracebacks."""


class FaultServer:
    """The server, bound to 127.0.0.1 on a free port and served from a background thread.

    Use as a context manager (or call `start()` / `stop()`); `base_url` is what `<SERVICE>_BASE_URL` takes.
    """

    def __init__(
        self,
        schedule: Schedule | None = None,
        responder: Responder = refusal_reply,
        retry_after: str = "0.05",
        hang_seconds: float = 60.0,
    ) -> None:
        self._state = _State(schedule or healthy(), responder, retry_after, hang_seconds)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FaultServer is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def set_schedule(self, schedule: Schedule) -> None:
        """Change the fault schedule for requests from now on (e.g. the provider recovers)."""
        with self._state.lock:
            self._state.schedule = schedule

    def start(self) -> FaultServer:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self._state
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fault-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
