"""A peer resetting during its TLS handshake is logged at debug, not as an asyncio error with a
traceback (server_stub/httpserver.py ``_quiet_peer_resets``); anything else still reaches asyncio."""

from __future__ import annotations

import asyncio
from typing import Any

from server_stub.httpserver import _quiet_peer_resets


def test_only_unretrieved_peer_resets_are_quieted() -> None:
    loop = asyncio.new_event_loop()
    seen: list[dict[str, Any]] = []
    loop.default_exception_handler = seen.append  # type: ignore[method-assign]
    try:
        msg = "Future exception was never retrieved"
        _quiet_peer_resets(loop, {"message": msg, "exception": ConnectionResetError()})
        assert seen == []
        for ctx in (
            {"message": msg, "exception": ValueError("bug")},
            {"message": "Task exception was never retrieved", "exception": ConnectionResetError()},
        ):
            _quiet_peer_resets(loop, ctx)
        assert len(seen) == 2
    finally:
        loop.close()
