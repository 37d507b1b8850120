"""The emulator's control port: JSON over HTTP (docs/architecture.md contract).

``GET /state`` → flags, online, buffer and counters.  ``POST /state`` with any of
``{"paper_end", "paper_near_end", "cover_open", "cutter_error", "unrecoverable", "auto_recoverable",
"drawer", "mute", "garbage_status"}`` (booleans) sets them now, ``{"recover": true}`` clears every
fault; ``{"inject": {"after_bytes": N |
"after_bands": N, "paper_end": true, ...}}`` arms a fault mid-stream.  ``GET /jobs`` → one entry per
finished or aborted page.  Bad requests get 400 with ``{"error", "message"}``.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from printer.emulator.model import FAULT_FLAGS

if TYPE_CHECKING:
    from printer.emulator.server import Emulator

__all__ = ["ControlServer"]

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
_SETTABLE = (*FAULT_FLAGS, "drawer")
_HOOKS = ("mute", "garbage_status")


class _BadRequest(Exception):  # noqa: N818 - internal signal
    pass


def _apply(emulator: Emulator, body: Any) -> None:
    if not isinstance(body, dict):
        raise _BadRequest("body must be a JSON object")
    flags: dict[str, bool] = {}
    for key, value in body.items():
        if key == "inject":
            _inject(emulator, value)
            continue
        if key == "recover":
            if value is not True:
                raise _BadRequest("recover must be true")
            flags.update(dict.fromkeys(FAULT_FLAGS, False))
            continue
        if key not in (*_SETTABLE, *_HOOKS):
            known = ", ".join((*_SETTABLE, *_HOOKS, "inject", "recover"))
            raise _BadRequest(f"unknown key {key!r}; known: {known}")
        if not isinstance(value, bool):
            raise _BadRequest(f"{key} must be true or false")
        if key in _HOOKS:
            with emulator.model.lock:
                setattr(emulator.model, key, value)
        else:
            flags[key] = value
    if flags:
        emulator.set_state(**flags)


def _inject(emulator: Emulator, spec: Any) -> None:
    if not isinstance(spec, dict):
        raise _BadRequest("inject must be an object")
    counts = {k: spec[k] for k in ("after_bytes", "after_bands") if k in spec}
    if len(counts) != 1 or not all(isinstance(v, int) and v >= 0 for v in counts.values()):
        raise _BadRequest("inject needs exactly one of after_bytes / after_bands (a count >= 0)")
    flags = {k: v for k, v in spec.items() if k not in counts}
    if not flags or any(k not in _SETTABLE or not isinstance(v, bool) for k, v in flags.items()):
        raise _BadRequest(f"inject flags must be booleans among {', '.join(_SETTABLE)}")
    emulator.inject(**counts, **flags)


class ControlServer:
    """A small threaded HTTP server bound to one emulator."""

    def __init__(self, emulator: Emulator, host: str, port: int) -> None:
        handler = type("Handler", (_Handler,), {"emulator": emulator})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.address: tuple[str, int] = self._server.server_address[:2]  # type: ignore[assignment]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="emulator-control", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    server_version = "printer-emulator/1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("control: " + format, *args)

    def _json(self, status: HTTPStatus, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/state":
            self._json(HTTPStatus.OK, self.emulator.state())
        elif self.path == "/jobs":
            self._json(HTTPStatus.OK, list(self.emulator.jobs))
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not_found", "message": f"no route {self.path}"})

    def do_POST(self) -> None:
        if self.path != "/state":
            self._json(HTTPStatus.NOT_FOUND, {"error": "not_found", "message": f"no route {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            if not 0 < length <= MAX_BODY:
                raise _BadRequest(f"body must be 1..{MAX_BODY} bytes")
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            _apply(self.emulator, body)
        except (_BadRequest, ValueError, UnicodeDecodeError) as e:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "bad_request", "message": str(e)})
            return
        self._json(HTTPStatus.OK, self.emulator.state())
