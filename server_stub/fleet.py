"""Kiosk health at the center: the report schema, the latest state and history, remote commands.

A kiosk sends ``POST /v1/kiosks/status`` at start-up, on every device change and every N seconds.  The
kiosk id is the CN of its TLS client certificate (``HttpRequest.kiosk_id``), never a field of the body.
A report carries device states, counters and error *codes* only: no resident data can be expressed in
it, because every field is a closed vocabulary, a number or a short identifier (validate_report refuses
anything else, including unknown keys).

Remote commands (out of service with a reason, back in service, print a test page) are rows in
``kiosk_commands``.  They are answered with every report of that kiosk until the kiosk says it applied
them (``applied``), so a kiosk that crashed between receiving and applying gets them again; the kiosk
applies a command id at most once.  Creating a command and its application are both audited, the
first with the operator (CN of the operator's certificate) who gave it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from server_stub import audit
from server_stub.errors import RequestError, api_error
from server_stub.store import dumps, is_postgres, kiosk_commands, kiosk_reports, kiosk_status

__all__ = [
    "ANSWER_SCHEMA",
    "CASH_STATES",
    "COMMAND_KINDS",
    "DEVICE_STATES",
    "REMOTE_REASONS",
    "REPORT_SCHEMA",
    "STATUSES",
    "Fleet",
    "KioskView",
    "known_kiosks",
    "status_of",
    "validate_report",
]

DEVICE_STATES = ("ok", "paper_near_end", "paper_end", "cover_open", "offline", "error")
CASH_STATES = ("ok", "near_full", "full", "change_low", "offline", "error")
COMMAND_KINDS = ("out_of_service", "in_service", "test_page")
# Why an operator took a kiosk out of service: a closed list, so that residents only ever see a
# reviewed, translated sentence (kiosk.flow.messages "oos.remote.*"), never free text.
REMOTE_REASONS = ("maintenance", "inspection", "store_request")
# ok < warning < fault: worst device wins; out_of_service and unreachable override.
STATUSES = ("ok", "warning", "fault", "out_of_service", "unreachable")
MAX_LAST_ERRORS = 20
MAX_COUNTERS = 32
MAX_APPLIED = 20
HISTORY_KEEP = 200  # reports kept per kiosk (the detail page's history)
_CODE = re.compile(r"[a-z][a-z0-9_.]{0,63}")
_ID = re.compile(r"[A-Za-z0-9_\-]{1,40}")
_FIELDS = frozenset(
    {
        "reader",
        "printer",
        "receipt_printer",
        "cash_box",
        "in_service",
        "reason",
        "counters",
        "version",
        "uptime",
        "last_errors",
        "applied",
    }
)
_REQUIRED = frozenset({"reader", "printer", "cash_box", "in_service", "counters", "version", "uptime"})


def _bad(field: str, what: str) -> RequestError:
    return RequestError(f"報告の {field} が不正です / report field {field!r}: {what}", code="report_invalid")


def _state(
    body: Mapping[str, Any], key: str, allowed: tuple[str, ...], *, optional: bool = False
) -> str | None:
    v = body.get(key)
    if v is None and optional:
        return None
    if v not in allowed:
        raise _bad(key, f"must be one of {', '.join(allowed)}")
    return str(v)


def _number(v: Any, field: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < 1e12:
        raise _bad(field, "must be a non-negative number")
    return float(v)


def _code(v: Any, field: str) -> str:
    if not isinstance(v, str) or _CODE.fullmatch(v) is None:
        raise _bad(field, "must be a lower-case code")
    return v


def _errors(v: Any) -> list[dict[str, Any]]:
    if not isinstance(v, list):
        raise _bad("last_errors", "must be a list")
    if len(v) > MAX_LAST_ERRORS:
        raise RequestError(
            f"エラー履歴が長すぎます / last_errors longer than {MAX_LAST_ERRORS}",
            code="report_history_too_long",
        )
    out = []
    for e in v:
        if not isinstance(e, dict) or set(e) - {"at", "code"} or "code" not in e:
            raise _bad("last_errors", 'entries are {"at": seconds, "code": code}')
        out.append(
            {"at": _number(e.get("at", 0), "last_errors.at"), "code": _code(e["code"], "last_errors.code")}
        )
    return out


def _counters(v: Any) -> dict[str, int]:
    if not isinstance(v, dict) or len(v) > MAX_COUNTERS:
        raise _bad("counters", f"must be an object of at most {MAX_COUNTERS} counters")
    out: dict[str, int] = {}
    for k, n in v.items():
        if _CODE.fullmatch(k) is None or isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < 2**53:
            raise _bad("counters", "names are codes, values non-negative integers")
        out[k] = n
    return out


def _applied(v: Any) -> list[dict[str, str]]:
    if not isinstance(v, list):
        raise _bad("applied", "must be a list")
    if len(v) > MAX_APPLIED:
        raise RequestError(
            f"適用済み指示が多すぎます / applied longer than {MAX_APPLIED}", code="report_history_too_long"
        )
    out = []
    for a in v:
        if (
            not isinstance(a, dict)
            or set(a) != {"id", "result"}
            or not isinstance(a["id"], str)
            or _ID.fullmatch(a["id"]) is None
            or a["result"] not in ("ok", "refused")
        ):
            raise _bad("applied", 'entries are {"id": command id, "result": "ok" | "refused"}')
        out.append({"id": a["id"], "result": a["result"]})
    return out


def validate_report(body: Mapping[str, Any]) -> dict[str, Any]:
    """The report in canonical form.

    :raises RequestError: ``report_field_unknown`` (a key outside the schema), ``report_history_too_long``
        (``last_errors`` or ``applied`` over their bounds), ``report_invalid`` (a missing or wrong value).
    """
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise RequestError(
            f"報告に未知の項目があります / unknown report fields: {', '.join(unknown[:5])[:200]}",
            code="report_field_unknown",
        )
    missing = sorted(_REQUIRED - set(body))
    if missing:
        raise _bad(missing[0], "missing")
    if not isinstance(body["in_service"], bool):
        raise _bad("in_service", "must be true or false")
    reason = body.get("reason")
    version = body["version"]
    if not isinstance(version, str) or re.fullmatch(r"[A-Za-z0-9.+\-_]{1,32}", version) is None:
        raise _bad("version", "must be a short version string")
    return {
        "reader": _state(body, "reader", DEVICE_STATES),
        "printer": _state(body, "printer", DEVICE_STATES),
        "receipt_printer": _state(body, "receipt_printer", DEVICE_STATES, optional=True),
        "cash_box": _state(body, "cash_box", CASH_STATES),
        "in_service": body["in_service"],
        "reason": None if reason is None else _code(reason, "reason"),
        "counters": _counters(body["counters"]),
        "version": version,
        "uptime": _number(body["uptime"], "uptime"),
        "last_errors": _errors(body.get("last_errors", [])),
        "applied": _applied(body.get("applied", [])),
    }


_FAULT = frozenset({"paper_end", "cover_open", "offline", "error", "full"})
_WARN = frozenset({"paper_near_end", "near_full", "change_low"})


def status_of(report: Mapping[str, Any] | None, at: float, now: float, unreachable_after: float) -> str:
    """One of STATUSES: silence longer than ``unreachable_after`` beats everything the last report said."""
    if report is None or now - at > unreachable_after:
        return "unreachable"
    states = {report["reader"], report["printer"], report.get("receipt_printer"), report["cash_box"]}
    if states & _FAULT:
        # A kiosk that stopped itself because a device failed needs someone (red), unlike one an
        # operator or the staff took out of service with every device well.
        return "fault"
    if not report["in_service"]:
        return "out_of_service"
    if states & _WARN:
        return "warning"
    return "ok"


def known_kiosks(data_dir: Path) -> list[str]:
    """The kiosk ids ``init`` issued certificates for (``kiosks/index.json``)."""
    index = json.loads((data_dir / "kiosks" / "index.json").read_text(encoding="utf-8"))
    return [str(e["kiosk_id"]) for e in index]


@dataclass(frozen=True)
class KioskView:
    kiosk_id: str
    status: str
    at: float | None
    report: dict[str, Any] | None


class Fleet:
    """The fleet's state in the center database (thread-safe: holds configuration only)."""

    def __init__(
        self,
        engine: Engine,
        kiosk_ids: list[str],
        *,
        clock: Callable[[], float] = time.time,
        unreachable_after: float = 90.0,
    ) -> None:
        self.engine = engine
        self.kiosk_ids = list(kiosk_ids)
        self._known = frozenset(kiosk_ids)
        self.clock = clock
        self.unreachable_after = unreachable_after
        self.postgres = is_postgres(engine)
        # Data dirs made before these tables existed get them here (create_all skips existing tables).
        kiosk_status.metadata.create_all(engine, tables=[kiosk_status, kiosk_reports, kiosk_commands])

    # -- the kiosk's side ----------------------------------------------------------------------------
    def report(self, kiosk_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v1/kiosks/status``: store the report, answer the pending commands."""
        rep = validate_report(body)
        now = self.clock()
        text = dumps(rep)
        with self.engine.begin() as conn:
            updated = conn.execute(
                update(kiosk_status).where(kiosk_status.c.kiosk_id == kiosk_id).values(at=now, report=text)
            ).rowcount
            if not updated:
                conn.execute(insert(kiosk_status).values(kiosk_id=kiosk_id, at=now, report=text))
            conn.execute(insert(kiosk_reports).values(kiosk_id=kiosk_id, at=now, report=text))
            keep = (
                select(kiosk_reports.c.id)
                .where(kiosk_reports.c.kiosk_id == kiosk_id)
                .order_by(kiosk_reports.c.id.desc())
                .offset(HISTORY_KEEP)
                .limit(1)
                .scalar_subquery()
            )
            conn.execute(
                delete(kiosk_reports).where(kiosk_reports.c.kiosk_id == kiosk_id, kiosk_reports.c.id <= keep)
            )
            for a in rep["applied"]:
                done = conn.execute(
                    update(kiosk_commands)
                    .where(
                        kiosk_commands.c.command_id == a["id"],
                        kiosk_commands.c.kiosk_id == kiosk_id,
                        kiosk_commands.c.applied_at.is_(None),
                    )
                    .values(applied_at=now, result=a["result"])
                ).rowcount
                if done:
                    audit.append(
                        conn,
                        at=now,
                        kiosk_id=kiosk_id,
                        event="kiosk_command_applied",
                        detail={"command_id": a["id"], "result": a["result"]},
                        postgres=self.postgres,
                    )
            pending = conn.execute(
                select(kiosk_commands.c.command_id, kiosk_commands.c.kind, kiosk_commands.c.reason)
                .where(kiosk_commands.c.kiosk_id == kiosk_id, kiosk_commands.c.applied_at.is_(None))
                .order_by(kiosk_commands.c.created_at, kiosk_commands.c.command_id)
            ).all()
        commands = [
            {"id": r.command_id, "kind": r.kind, **({"reason": r.reason} if r.reason else {})}
            for r in pending
        ]
        return {"received_at": now, "commands": commands}

    # -- the operators' side -------------------------------------------------------------------------
    def command(self, kiosk_id: str, kind: str, operator: str, reason: str | None = None) -> dict[str, Any]:
        """Queue a remote command, audited with ``operator``.

        :raises CenterError: ``kiosk_unknown`` (404), ``command_invalid`` (400).
        """
        if kiosk_id not in self._known:
            raise api_error("order", "kiosk_unknown", "端末が見つかりません", "kiosk unknown", status=404)
        if kind not in COMMAND_KINDS:
            raise api_error("request", "command_invalid", "指示が不正です", "unknown command", status=400)
        if kind == "out_of_service":
            reason = reason or "maintenance"
            if reason not in REMOTE_REASONS:
                raise api_error("request", "command_invalid", "理由が不正です", "unknown reason", status=400)
        else:
            reason = None
        cid = "CMD-" + secrets.token_hex(8)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                insert(kiosk_commands).values(
                    command_id=cid,
                    kiosk_id=kiosk_id,
                    kind=kind,
                    reason=reason,
                    operator=operator,
                    created_at=now,
                )
            )
            audit.append(
                conn,
                at=now,
                kiosk_id=kiosk_id,
                event="kiosk_command",
                detail={"command_id": cid, "kind": kind, "reason": reason, "operator": operator},
                postgres=self.postgres,
            )
        return {"id": cid, "kind": kind, "reason": reason, "kiosk_id": kiosk_id}

    def overview(self) -> list[KioskView]:
        """Every known kiosk (and any other that reported) with its status now."""
        now = self.clock()
        with self.engine.connect() as conn:
            rows = {r.kiosk_id: r for r in conn.execute(select(kiosk_status))}
        ids = self.kiosk_ids + sorted(set(rows) - self._known)
        out = []
        for kid in ids:
            r = rows.get(kid)
            rep = json.loads(r.report) if r is not None else None
            at = float(r.at) if r is not None else None
            out.append(KioskView(kid, status_of(rep, at or 0.0, now, self.unreachable_after), at, rep))
        return out

    def detail(
        self, kiosk_id: str, limit: int = 50
    ) -> tuple[KioskView, list[tuple[float, dict[str, Any]]], list[dict[str, Any]]]:
        """(the kiosk now, its latest reports newest first, its commands newest first).

        :raises CenterError: ``kiosk_unknown`` (404).
        """
        if kiosk_id not in self._known:
            raise api_error("order", "kiosk_unknown", "端末が見つかりません", "kiosk unknown", status=404)
        now = self.clock()
        with self.engine.connect() as conn:
            r = conn.execute(select(kiosk_status).where(kiosk_status.c.kiosk_id == kiosk_id)).one_or_none()
            hist = conn.execute(
                select(kiosk_reports.c.at, kiosk_reports.c.report)
                .where(kiosk_reports.c.kiosk_id == kiosk_id)
                .order_by(kiosk_reports.c.id.desc())
                .limit(limit)
            ).all()
            cmds = conn.execute(
                select(kiosk_commands)
                .where(kiosk_commands.c.kiosk_id == kiosk_id)
                .order_by(kiosk_commands.c.created_at.desc())
                .limit(limit)
            ).all()
        rep = json.loads(r.report) if r is not None else None
        at = float(r.at) if r is not None else None
        view = KioskView(kiosk_id, status_of(rep, at or 0.0, now, self.unreachable_after), at, rep)
        return (
            view,
            [(float(h.at), json.loads(h.report)) for h in hist],
            [dict(c._mapping) for c in cmds],
        )

    def history_count(self, kiosk_id: str) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(kiosk_reports)
                    .where(kiosk_reports.c.kiosk_id == kiosk_id)
                ).scalar_one()
            )


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


# The report as JSON Schema, for the OpenAPI document (validate_report is what the center enforces).
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": sorted(_REQUIRED),
    "properties": {
        "reader": _enum(DEVICE_STATES),
        "printer": _enum(DEVICE_STATES),
        "receipt_printer": {"oneOf": [_enum(DEVICE_STATES), {"type": "null"}]},
        "cash_box": _enum(CASH_STATES),
        "in_service": {"type": "boolean"},
        "reason": {"type": ["string", "null"], "pattern": "^[a-z][a-z0-9_.]{0,63}$"},
        "counters": {
            "type": "object",
            "maxProperties": MAX_COUNTERS,
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
        "version": {"type": "string", "pattern": "^[A-Za-z0-9.+\\-_]{1,32}$"},
        "uptime": {"type": "number", "minimum": 0},
        "last_errors": {
            "type": "array",
            "maxItems": MAX_LAST_ERRORS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["code"],
                "properties": {"at": {"type": "number", "minimum": 0}, "code": {"type": "string"}},
            },
        },
        "applied": {
            "type": "array",
            "maxItems": MAX_APPLIED,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "result"],
                "properties": {"id": {"type": "string"}, "result": _enum(("ok", "refused"))},
            },
        },
    },
}
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "received_at": {"type": "number"},
        "commands": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "kind"],
                "properties": {
                    "id": {"type": "string"},
                    "kind": _enum(COMMAND_KINDS),
                    "reason": _enum(REMOTE_REASONS),
                },
            },
        },
    },
}
