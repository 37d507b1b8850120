"""``verify``: check a document's digital seal offline (signature) and online (void status).

Offline needs only the center's public key (``DIR/seal/public.pem`` or ``--public-key``).  The status is
read from the data dir's database when it is reachable, else from a running center's public route
(``--center``); when neither answers, the result says ``"status": "unchecked"`` and is not valid.
"""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

from server_stub.errors import CenterError, ConfigError, SealError
from server_stub.pki import load_ec_public
from server_stub.seal import SealClaims, content_digest, open_seal

__all__ = ["decode_qr", "verify_cli", "verify_seal"]


def decode_qr(png: Path) -> str:
    """The text of the first QR code in ``png`` that holds a KJ1 seal.

    :raises SealError: ``seal_not_found`` when there is none.
    """
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(png) as img:
            results = zxingcpp.read_barcodes(img.convert("L"))
    except (OSError, UnidentifiedImageError) as exc:
        raise SealError(f"画像を読めません / cannot read image {png.name}", code="image_unreadable") from exc
    for r in results:
        if r.text.startswith("KJ1:"):
            return str(r.text)
    raise SealError("封印の QR コードが見つかりません / no seal QR code in the image", code="seal_not_found")


def _status_from_db(data: Path, seal_id: str) -> str | None:
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from server_stub.initdata import load_config
    from server_stub.store import documents, make_engine

    try:
        engine = make_engine(load_config(data)["db"])
        with engine.connect() as conn:
            row = conn.execute(select(documents.c.status).where(documents.c.seal_id == seal_id)).one_or_none()
        engine.dispose()
    except (SQLAlchemyError, ConfigError):
        return None
    return str(row.status) if row else "unknown"


def _status_from_center(center: str, ca: Path | None, seal_id: str) -> str | None:
    import httpx

    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca)) if ca else True
    try:
        r = httpx.get(f"{center.rstrip('/')}/v1/seals/{seal_id}", verify=verify, timeout=5.0)
    except httpx.HTTPError:
        return None
    if r.status_code == 404:
        return "unknown"
    if r.status_code != 200:
        return None
    status = r.json().get("status")
    return str(status) if status in ("valid", "voided") else None


def verify_seal(
    text: str,
    public_key_pem: Path,
    *,
    data: Path | None = None,
    center: str | None = None,
    content: dict[str, Any] | None = None,
    ca: Path | None = None,
) -> dict[str, Any]:
    """The verification report; ``valid`` only when the signature verifies, the status is ``valid`` and
    (when ``content`` is given) its digest matches the seal."""
    out: dict[str, Any] = {"valid": False}
    try:
        claims: SealClaims = open_seal(text, load_ec_public(public_key_pem))
    except SealError as exc:
        out.update(signature="invalid", error=exc.error_code, message=exc.message)
        return out
    out["signature"] = "valid"
    out["claims"] = claims.to_json()
    if content is not None:
        c = content.get("content", content)
        out["content_digest"] = "match" if content_digest(c) == claims.digest else "mismatch"
    status = _status_from_db(data, claims.seal_id) if data and (data / "center.json").exists() else None
    if status is None and center:
        status = _status_from_center(
            center, ca or (data / "tls" / "ca.pem" if data else None), claims.seal_id
        )
    out["status"] = status or "unchecked"
    out["valid"] = out["status"] == "valid" and out.get("content_digest", "match") == "match"
    return out


def verify_cli(
    *,
    image: str | None,
    payload: str | None,
    data: Path | None,
    public_key: str | None,
    center: str | None,
    content: str | None,
    ca: str | None = None,
) -> dict[str, Any]:
    """Entry of ``python -m server_stub verify``; errors come back in the report, never as a traceback."""
    try:
        key = Path(public_key) if public_key else (data / "seal" / "public.pem" if data else None)
        if key is None:
            raise ConfigError("--data か --public-key が必要です / need --data or --public-key")
        text = decode_qr(Path(image)) if image else (payload or "").strip()
        doc = None
        if content:
            try:
                doc = json.loads(Path(content).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise ConfigError(f"--content を読めません / cannot read {content}") from exc
        return verify_seal(text, key, data=data, center=center, content=doc, ca=Path(ca) if ca else None)
    except CenterError as exc:
        return {"valid": False, "error": exc.error_code, "message": exc.message}
