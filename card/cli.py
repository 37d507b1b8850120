"""``python -m card``: look at readers and the card in them (docs/architecture.md contracts).

``readers`` lists PC/SC readers (``--json`` adds presence and ATR).  ``info --json [--reader SUBSTR]``
prints ``{"atr", "token_label", "token_kind", "key_algorithm", "auth_cert": {"subject", "issuer",
"serial", "not_before", "not_after", "sha256"}, "pin_tries_left"}`` for the first matching reader
holding a card.  A smartphone shows its certificate only after the PIN, which ``info`` never asks
for: its ``auth_cert`` is ``null``.  A token whose label is unknown exits 8, naming the label.

Errors are one line on stderr and a non-zero exit: 3 no PC/SC service, 4 no (matching) reader,
5 no card, 6 card removed, 7 not a My Number card, 1 anything else the card did.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from typing import Any

from cryptography import x509

from card.errors import (
    CardError,
    CardRemovedError,
    CardTimeoutError,
    CertificateFormatError,
    NoCardError,
    NotJpkiCardError,
    PcscServiceError,
    ReaderUnavailableError,
    TokenError,
)
from card.jpki import JpkiClient
from card.pcsc import CardMonitor, PcscContext, PcscTransport, ReaderState
from card.transport import MeteredTransport

__all__ = ["card_info", "cert_summary", "main"]

EXIT_CODES: list[tuple[type[CardError], int]] = [
    (PcscServiceError, 3),
    (ReaderUnavailableError, 4),
    (NoCardError, 5),
    (CardTimeoutError, 5),
    (CardRemovedError, 6),
    (NotJpkiCardError, 7),
    (TokenError, 8),
]


def cert_summary(der: bytes) -> dict[str, str]:
    """The ``auth_cert`` object of ``info --json``: RFC 4514 names, hex serial, ISO dates, SHA-256.

    :raises card.errors.CertificateFormatError: when ``der`` is not a certificate.
    """
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise CertificateFormatError("the certificate on the card does not parse") from exc
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": f"{cert.serial_number:X}",
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "sha256": hashlib.sha256(der).hexdigest(),
    }


def _reader_states(substring: str | None) -> list[ReaderState]:
    with PcscContext() as ctx:
        names = ctx.readers()
    if not names:
        raise ReaderUnavailableError("no PC/SC readers")
    matching = [n for n in names if substring is None or substring.lower() in n.lower()]
    if not matching:
        raise ReaderUnavailableError(f"no PC/SC reader matching {substring!r}")
    states = []
    for name in matching:
        with CardMonitor(name) as mon:
            states.append(mon.current())
    return states


def _pick_reader(substring: str | None, wait: float) -> ReaderState:
    states = _reader_states(substring)
    for state in states:
        if state.present:
            return state
    if wait > 0:
        with CardMonitor(states[0].reader) as mon:
            return mon.wait_for(True, wait)
    raise NoCardError("no card in " + ", ".join(repr(s.reader) for s in states))


def card_info(reader: str) -> dict[str, Any]:
    """Read what ``info`` prints from the card in ``reader``.

    :raises card.errors.CardError: any failure, typed.
    """
    with PcscTransport(reader) as transport:
        client = JpkiClient(MeteredTransport(transport))
        client.select_ap()
        label = client.token_label()
        rules = client.token_rules()
        # A phone answers 6982 to EF 000A before the PIN (card.contract); info asks for no PIN.
        der = None if rules.pin_before_certificate else client.read_checked_auth_certificate(rules)
        status = client.pin_status()
        return {
            "atr": transport.atr.hex().upper(),
            "token_label": label,
            "token_kind": rules.kind.value,
            "key_algorithm": rules.key_algorithm.value,
            "auth_cert": None if der is None else cert_summary(der),
            "pin_tries_left": status.tries_left,
        }


def _cmd_readers(args: argparse.Namespace) -> int:
    with PcscContext() as ctx:
        names = ctx.readers()
    if args.json:
        out = []
        for name in names:
            with CardMonitor(name) as mon:
                st = mon.current()
            out.append({"name": name, "card_present": st.present, "atr": st.atr.hex().upper()})
        print(json.dumps(out, ensure_ascii=False))
    else:
        for name in names:
            print(name)
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    state = _pick_reader(args.reader, args.wait)
    info = card_info(state.reader)
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
    else:
        print(f"reader        {state.reader}")
        print(f"ATR           {info['atr']}")
        print(f"token label   {info['token_label']}")
        print(f"token kind    {info['token_kind']} ({info['key_algorithm']})")
        for key, value in (info["auth_cert"] or {"cert": "(readable after the PIN)"}).items():
            print(f"auth {key:<9}{value}")
        print(f"PIN tries     {info['pin_tries_left']}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m card", description="My Number card over PC/SC")
    parser.add_argument("-v", "--verbose", action="store_true", help="log APDUs (PINs redacted)")
    sub = parser.add_subparsers(dest="command", required=True)
    readers = sub.add_parser("readers", help="list PC/SC readers")
    readers.add_argument("--json", action="store_true")
    info = sub.add_parser("info", help="ATR, token label, auth certificate and PIN tries of the card")
    info.add_argument("--json", action="store_true")
    info.add_argument("--reader", help="use the first reader whose name contains this")
    info.add_argument("--wait", type=float, default=0.0, help="seconds to wait for a card")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(_cmd_readers(args) if args.command == "readers" else _cmd_info(args))
    except CardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), 1)
