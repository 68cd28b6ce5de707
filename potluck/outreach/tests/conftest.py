"""A real HTTP server on loopback standing in for Slack, Discord, Matrix and JSON receivers."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HookServer:
    """Records every POST; answers each with the next of `statuses` (then 200 for good)."""

    base_url: str = ""
    posts: list[Post] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    redirect_to: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def answer(self, post: Post) -> int:
        with self.lock:
            self.posts.append(post)
            return self.statuses.pop(0) if self.statuses else 200


def _handler(server: HookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            post = Post(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            status = server.answer(post)
            if self.path.startswith("/moved"):
                status = 307
            self.send_response(status)
            if status == 307:
                self.send_header("Location", server.url("/elsewhere"))
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler


@pytest.fixture
def hook_server() -> Iterator[HookServer]:
    server = HookServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        # Loopback is a private address: production refuses it (see services.hook_url_clean).
        with override_settings(POTLUCK_WEBHOOK_ALLOW_PRIVATE=True, POTLUCK_WEBHOOK_TIMEOUT=5):
            yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
