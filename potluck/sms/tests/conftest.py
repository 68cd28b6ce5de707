"""A local HTTP server that speaks the part of Twilio's REST API Potluck uses, and helpers to
call the webhook the way Twilio does (signed)."""

import base64
import itertools
import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-test-token-of-the-fake-server"
DEFAULT_FROM = "+15550001111"
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


@dataclass
class FakeTwilio:
    """What the fake server received, and how it should fail next."""

    base_url: str = ""
    # Every request that reached the Messages endpoint, accepted or not: {To, From, Body}.
    requests: list[dict[str, str]] = field(default_factory=list)
    # The messages it accepted (as Twilio would have sent them).
    messages: list[dict[str, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    # When set, the next request waits for it before answering (a Twilio that hangs).
    hold: threading.Event | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, count: int, *, status: int = 500) -> None:
        """Answer the next `count` message requests with `status` (500, 429...)."""
        with self.lock:
            self.failures.extend([status] * count)

    def to(self, phone: str) -> list[str]:
        """The bodies of the messages accepted for `phone`, oldest first."""
        return [message["Body"] for message in self.messages if message["To"] == phone]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_POST(self) -> None:
        fake = self.server.fake
        match = _MESSAGES.match(self.path)
        if match is None:
            return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
        if not self._authorised(match["sid"]):
            return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        hold, fake.hold = fake.hold, None
        if hold is not None:
            hold.wait(timeout=10)
            return  # the client gave up long ago: hang up without answering
        with fake.lock:
            fake.requests.append(form)
            status = fake.failures.pop(0) if fake.failures else None
            if status is None:
                fake.messages.append(form)
        if status is not None:
            return self._answer(status, {"code": 20500, "message": "Failing", "status": status})
        if not form.get("To") or not form.get("From") or not form.get("Body"):
            return self._answer(400, {"code": 21604, "message": "Missing field", "status": 400})
        self._answer(201, _resource(match["sid"], form))

    def _authorised(self, sid: str) -> bool:
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        return sid == ACCOUNT_SID and self.headers.get("Authorization") == f"Basic {expected}"

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the test output stays readable


_sids = itertools.count(1)


def _resource(account: str, form: dict[str, str]) -> dict[str, Any]:
    """A message resource as Twilio returns it (the fields the client reads)."""
    sid = f"SM{next(_sids):032x}"
    return {
        "sid": sid,
        "account_sid": account,
        "to": form["To"],
        "from": form["From"],
        "body": form["Body"],
        "status": "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeTwilio


@pytest.fixture
def twilio_server() -> Iterator[FakeTwilio]:
    """A fake Twilio on 127.0.0.1; settings send SMS through TwilioBackend to it and sign
    webhooks with its auth token."""
    server = _Server(("127.0.0.1", 0), _Handler)
    fake = FakeTwilio(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with override_settings(
            POTLUCK_SMS_BACKEND="potluck.core.sms.TwilioBackend",
            POTLUCK_TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            POTLUCK_TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            POTLUCK_TWILIO_FROM=DEFAULT_FROM,
            POTLUCK_TWILIO_BASE_URL=fake.base_url,
        ):
            yield fake
    finally:
        server.shutdown()
        server.server_close()


def sign(url: str, params: dict[str, str], token: str | None = None) -> str:
    """X-Twilio-Signature for a POST of `params` to `url` (a full URL)."""
    validator = RequestValidator(token or settings.POTLUCK_TWILIO_AUTH_TOKEN)
    return str(validator.compute_signature(url, params))


def text_in(
    client: Client,
    *,
    sender: str,
    to: str,
    body: str,
    sid: str | None = None,
    signature: str | None = None,
    **extra: str,
) -> Any:
    """Deliver a text to the webhook as Twilio does: form-encoded and signed (`extra`: more
    fields Twilio may add, e.g. OptOutType)."""
    path = reverse("sms:twilio")
    params = {
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    if signature is None:
        signature = sign(settings.SITE_URL + path, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(path, params, headers=headers)
