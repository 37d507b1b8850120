"""Every code that can reach the kiosk has a message, so no resident ever sees 「エラー」 with a raw code."""

from __future__ import annotations

import pytest

from contracts import center as contract
from kiosk.flow.codes import CENTER_ERRORS, DEVICE_FAULTS, REASONS, error_key, out_of_service_key
from kiosk.flow.faults import Fault
from kiosk.flow.messages import MESSAGES
from server_stub.openapi import OPENAPI


def _openapi_enum(schema: str, prop: str) -> list[str]:
    values = OPENAPI["components"]["schemas"][schema]["properties"][prop]["enum"]
    assert isinstance(values, list) and values
    return values


def test_every_openapi_error_code_has_a_kiosk_mapping() -> None:
    codes = _openapi_enum("Error", "error")
    assert set(codes) == set(contract.ERROR_CODES)  # the OpenAPI is built from the contract
    missing = [c for c in codes if c not in CENTER_ERRORS]
    assert missing == []


def test_every_openapi_reason_has_a_kiosk_mapping() -> None:
    missing = [r for r in _openapi_enum("Error", "reason") if r not in REASONS]
    assert missing == []


def test_every_fault_has_a_message_and_a_family() -> None:
    for fault in Fault:
        assert fault in DEVICE_FAULTS, fault
        assert fault.family in ("card", "printer", "payment", "center", "journal")


def test_every_mapped_key_has_a_text() -> None:
    keys = {*CENTER_ERRORS.values(), *DEVICE_FAULTS.values(), *REASONS.values()}
    assert sorted(k for k in keys if k not in MESSAGES) == []


@pytest.mark.parametrize(("code", "notice"), [
    (Fault.PRINTER_PAPER_END, "oos.printer"),
    (Fault.PAYMENT_JAM, "oos.payment"),
    (Fault.REFUND_FAILED, "oos.refund_failed"),
    (Fault.READER_OFFLINE, "oos.reader"),
    (Fault.JOURNAL_ERROR, "oos.journal"),
    (Fault.CENTER_UNREACHABLE, "oos.center"),
    (Fault.CARD_UNREADABLE, None),  # the resident's card, not the kiosk
    (Fault.PRINT_ABORTED, None),  # the resident took the card mid-print
    ("moved_out", None),  # a center refusal is about the resident
])
def test_which_faults_stop_the_kiosk(code: str, notice: str | None) -> None:
    assert out_of_service_key(code) == notice


def test_an_unmapped_code_is_generic_not_raw() -> None:
    assert error_key("no_such_code") == "error.other"
