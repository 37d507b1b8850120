"""``python -m server_stub init``: a complete, reproducible data directory (docs/architecture.md "Set-up").

Layout (paths relative to DIR)::

    center.json                 db URL, creation time, retention and lifetimes (never a seed)
    pki/auth-ca.pem, auth-ca-key.pem, sign-ca.pem, sign-ca-key.pem, auth-crl.pem   test JPKI + CRL
    pki/trust.json, auth-ca-<gen>.pem, auth-ca-<gen>-key.pem, auth-crl-<gen>.pem   other CA generations
    kiosks/ca.pem, ca-key.pem, K0001.pem, K0001-key.pem, ..., index.json, crl.pem   kiosk CA + clients
    tls/ca.pem, ca-key.pem, server.pem, server-key.pem                              the center's TLS
    seal/key.pem, public.pem                                                        digital seal key
    audit/anchor-key.pem, anchor-public.pem, anchors.jsonl                          audit anchors
    seals/<code>.png, <code>.b64                                                    公印 images
    cards/R00001.json, ..., index.json                                              virtual cards
    cards/R00007-smartphone.json, -nextgen, -old-ca, -expired-ca                    other tokens (tags)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Engine, insert

from card.profile import JpkiCA, PersonAttributes, SeededRandom, make_card_profile, make_jpki_ca
from server_stub import audit, pki
from server_stub.anchor import write_anchor_key
from server_stub.municipalities import CATALOGUE, Municipality, national
from server_stub.ops.pki import ensure_operator_pki
from server_stub.sealimg import official_seal_png
from server_stub.store import (
    card_certs,
    dumps,
    honseki_registrations,
    koseki,
    make_engine,
    metadata,
    municipalities,
    residents,
    seal_registrations,
    tax_records,
)
from server_stub.synth import Registry, SyntheticResident, generate

__all__ = ["default_db_url", "init_data_dir", "load_config"]

log = logging.getLogger(__name__)


def default_db_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'center.db').resolve()}"


def load_config(data_dir: Path) -> dict[str, Any]:
    """The data directory's center.json.  :raises ConfigError: when missing or malformed."""
    from server_stub.errors import ConfigError

    try:
        data = json.loads((data_dir / "center.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"データディレクトリではありません / {data_dir} is not an initialised data dir"
        ) from exc
    if not isinstance(data, dict) or "db" not in data:
        raise ConfigError("center.json が不正です / center.json malformed")
    return data


def _write(path: Path, data: bytes | str) -> None:
    """Write a data-dir file readable by the center's user only (0600, directories 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


_CardJob = tuple[str, str, str, str, dict[str, Any], str, SeededRandom | None, str, str, str]


def _card_job(args: _CardJob) -> str:
    auth_cert, auth_key, sign_cert, sign_key, person, pin, rng, nb, na, kind = args
    profile = make_card_profile(
        JpkiCA.from_pem("auth", auth_cert, auth_key),
        JpkiCA.from_pem("sign", sign_cert, sign_key),
        PersonAttributes(
            person["name"],
            person["address"],
            dt.date.fromisoformat(person["birth_date"]),
            1 if person["sex"] == "男" else 2,
        ),
        pin=pin,
        rng=rng,
        not_before=dt.datetime.fromisoformat(nb),
        not_after=dt.datetime.fromisoformat(na),
        meta={"resident_id": person["resident_id"], "synthetic": True},
        kind=kind,
    )
    return profile.to_json()


def _cards(  # noqa: PLR0917
    d: Path, reg: Registry, auth: JpkiCA, sign: JpkiCA, rng: SeededRandom | None, now: dt.datetime, jobs: int
) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]], list[int]]:
    holders = [x for x in reg.residents if x.card]
    jobs_args = []
    for x in holders:
        if x.card_state == "expired":
            nb, na = now - dt.timedelta(days=365 * 5 + 30), now - dt.timedelta(days=10)
        else:
            nb, na = now - dt.timedelta(days=30), now + dt.timedelta(days=365 * 5)
        jobs_args.append(
            (
                auth.cert_pem,
                auth.key_pem,
                sign.cert_pem,
                sign.key_pem,
                x.data,
                x.pin,
                rng.child(f"card:{x.data['resident_id']}") if rng else None,
                nb.isoformat(),
                na.isoformat(),
                "card",
            )
        )
    if jobs > 1 and len(jobs_args) > 2:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            profiles = list(ex.map(_card_job, jobs_args, chunksize=1))
    else:
        profiles = [_card_job(a) for a in jobs_args]
    index, serials, revoked = [], [], []
    for x, text in zip(holders, profiles, strict=True):
        rid = x.data["resident_id"]
        _write(d / "cards" / f"{rid}.json", text + "\n")
        prof = json.loads(text)
        for kind in ("auth", "sign"):
            serial = x509.load_pem_x509_certificate(prof[kind]["cert_pem"].encode()).serial_number
            serials.append((f"{serial:X}", rid, kind))
            if x.card_state == "revoked":
                revoked.append(serial)
        index.append(_index_entry(x, rid))
    return index, serials, revoked


# The other tokens init makes (issue 11): tag -> (token kind, CA generation, years since the
# certificate was issued, years it still runs).  The expired-CA card's own certificate still runs: it is
# refused because its CA has expired.
EXTRA_TOKENS: dict[str, tuple[str, str, int, int]] = {
    "smartphone": ("smartphone", "current", 0, 5),
    "nextgen": ("nextgen", "nextgen", 0, 10),
    "old-ca": ("card", "old", 2, 3),
    "expired-ca": ("card", "expired", 4, 1),
}
# CA generations besides the current one: name -> (algorithm, years since the CA started, years valid).
GENERATIONS: dict[str, tuple[str, float, int]] = {
    "old": ("rsa", 9, 10),  # still valid for about a year: its cards are accepted until then
    "expired": ("rsa", 10.2, 10),  # expired about two months ago (like the 2015 CA in October 2025)
    "nextgen": ("ec", 0, 20),
}


def _generations(d: Path, rng: SeededRandom | None, now: dt.datetime) -> dict[str, tuple[JpkiCA, JpkiCA]]:
    """The older and next CA generations, each with its own CRL, listed in pki/trust.json."""
    out, listing = {}, []
    for name, (algorithm, age, years) in GENERATIONS.items():
        start = now - dt.timedelta(days=round(365 * age))
        alg: Literal["rsa", "ec"] = "ec" if algorithm == "ec" else "rsa"
        cas = tuple(
            make_jpki_ca(kind, now=now, rng=_child(rng, f"jpki-{kind}-{name}"), years=years, not_before=start,
                         algorithm=alg, org=f"JPKI-TEST-{name.upper()}")
            for kind in ("auth", "sign")
        )
        auth, sign = cas
        out[name] = (auth, sign)
        _write(d / "pki" / f"auth-ca-{name}.pem", auth.cert_pem)
        _write(d / "pki" / f"sign-ca-{name}.pem", sign.cert_pem)
        pki.write_key(d / "pki" / f"auth-ca-{name}-key.pem", auth.key)
        pki.write_key(d / "pki" / f"sign-ca-{name}-key.pem", sign.key)
        _write(d / "pki" / f"auth-crl-{name}.pem",
               pki.make_crl(auth, [], now).public_bytes(serialization.Encoding.PEM))
        listing.append({"name": name, "cert": f"auth-ca-{name}.pem", "crl": f"auth-crl-{name}.pem"})
    _write(d / "pki" / "trust.json", json.dumps({"generations": listing}, indent=2) + "\n")
    return out


def _extra_tokens(
    d: Path, reg: Registry, cas: dict[str, tuple[JpkiCA, JpkiCA]], rng: SeededRandom | None, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """One token of each other kind, held by plain residents taken from the END of the registry (tests
    that pick "the first plain card" keep getting a classic card).  Appended after the classic cards."""
    # Nothing here refuses a 住民票 or 印鑑 (the furigana and 通称 tags only change what is printed).
    benign = {"household", "honseki-other", "honseki-registered", "furigana-partial", "no-furigana", "alias"}
    plain = [x for x in reg.residents if x.card and x.card_state == "valid" and set(x.tags) <= benign
             and x.data["status"] == "active"]
    plain.sort(key=lambda x: len(x.tags), reverse=True)  # untagged residents last, i.e. taken first
    index, serials = [], []
    for tag, x in zip(EXTRA_TOKENS, reversed(plain), strict=False):
        kind, gen, age, left = EXTRA_TOKENS[tag]
        auth, sign = cas[gen]
        rid = x.data["resident_id"]
        r = _child(rng, f"{tag}:{rid}")
        # A phone's PIN is its own, not the card's (index.json records it).  It is registry data like the
        # card's PIN, so it follows the registry seed (--seed), not the key seed.
        digest = hashlib.sha256(f"token-pin:{tag}:{rid}:{x.pin}".encode()).digest()
        pin = f"{int.from_bytes(digest[:4], 'big') % 10_000:04d}"
        text = _card_job((auth.cert_pem, auth.key_pem, sign.cert_pem, sign.key_pem, x.data, pin, r,
                          (now - dt.timedelta(days=365 * age + 30)).isoformat(),
                          (now + dt.timedelta(days=365 * left)).isoformat(), kind))
        _write(d / "cards" / f"{rid}-{tag}.json", text + "\n")
        prof = json.loads(text)
        for which in ("auth", "sign"):
            serial = x509.load_pem_x509_certificate(prof[which]["cert_pem"].encode()).serial_number
            serials.append((f"{serial:X}", rid, which))
        entry = _index_entry(x, rid)
        entry.update(card=f"cards/{rid}-{tag}.json", pin=pin, tags=sorted([*x.tags, tag]), token_kind=kind)
        index.append(entry)
    return index, serials


def _index_entry(x: SyntheticResident, rid: str) -> dict[str, Any]:
    return {
        "card": f"cards/{rid}.json",
        "pin": x.pin,
        "resident_id": rid,
        "name": x.data["name"],
        "household_id": x.data["household_id"],
        "municipality": x.data["municipality"],
        "tags": x.tags,
    }


def _child(rng: SeededRandom | None, label: str) -> SeededRandom | None:
    return rng.child(label) if rng is not None else None


def _pki(d: Path, rng: SeededRandom | None, now: dt.datetime, kiosks: int, kiosk_days: int) -> None:
    kca = pki.make_ec_ca("Konbini Kiosk CA TEST", _child(rng, "kiosk-ca"), now)
    _write(d / "kiosks" / "ca.pem", pki.pem(kca[0]))
    pki.write_key(d / "kiosks" / "ca-key.pem", kca[1])
    index = []
    for i in range(1, kiosks + 1):
        kid = f"K{i:04d}"
        cert, key = pki.issue_kiosk_cert(kid, kca, _child(rng, f"kiosk:{kid}"), now, days=kiosk_days)
        _write(d / "kiosks" / f"{kid}.pem", pki.pem(cert))
        pki.write_key(d / "kiosks" / f"{kid}-key.pem", key)
        index.append({"kiosk_id": kid, "cert": f"kiosks/{kid}.pem", "key": f"kiosks/{kid}-key.pem"})
    _write(d / "kiosks" / "index.json", json.dumps(index, indent=2) + "\n")
    # The kiosk CRL starts empty; ``revoke --kiosk ID`` adds to it (server_stub/kiosks.py).
    _write(
        d / "kiosks" / "crl.pem",
        pki.sign_crl(kca[0].subject, kca[1], [], now - CRL_BACKDATE, days=365).public_bytes(
            serialization.Encoding.PEM
        ),
    )
    tca = pki.make_ec_ca("Konbini Center TLS CA TEST", _child(rng, "tls-ca"), now)
    _write(d / "tls" / "ca.pem", pki.pem(tca[0]))
    pki.write_key(d / "tls" / "ca-key.pem", tca[1])
    scert, skey = pki.make_server_cert(tca, _child(rng, "tls-server"), now)
    _write(d / "tls" / "server.pem", pki.pem(scert) + pki.pem(tca[0]))
    pki.write_key(d / "tls" / "server-key.pem", skey)
    seal = pki.derive_ec_key(_child(rng, "seal"))
    _write(
        d / "seal" / "public.pem",
        seal.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    pki.write_key(d / "seal" / "key.pem", seal)


def _load_db(
    engine: Engine,
    reg: Registry,
    serials: list[tuple[str, str, str]],
    now: dt.datetime,
    catalogue: tuple[Municipality, ...] = CATALOGUE,
) -> None:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(municipalities), [{"code": m.code, "data": dumps(m.to_json())} for m in catalogue]
        )
        conn.execute(
            insert(residents),
            [
                {
                    "resident_id": x.data["resident_id"],
                    "municipality": x.data["municipality"],
                    "household_id": x.data["household_id"],
                    "status": x.data["status"],
                    "data": dumps(x.data),
                }
                for x in reg.residents
            ],
        )
        keep = {x.data["resident_id"] for x in reg.residents}
        home = {x.data["resident_id"]: x.data["municipality"] for x in reg.residents}
        conn.execute(
            insert(card_certs),
            [{"serial": s, "resident_id": r, "kind": k, "municipality": home.get(r)} for s, r, k in serials],
        )
        if reg.koseki:
            conn.execute(
                insert(koseki),
                [
                    {"koseki_id": k["koseki_id"], "municipality": k["municipality"], "data": dumps(k)}
                    for k in reg.koseki
                ],
            )
        rows = [
            {"resident_id": r, "fiscal_year": y, "data": dumps(v)}
            for (r, y), v in reg.tax.items()
            if r in keep
        ]
        if rows:
            conn.execute(insert(tax_records), rows)
        rows = [{"resident_id": r, "data": dumps(v)} for r, v in reg.seals.items() if r in keep]
        if rows:
            conn.execute(insert(seal_registrations), rows)
        rows = [{"resident_id": r, "municipality": m} for r, m in reg.honseki_registrations if r in keep]
        if rows:
            conn.execute(insert(honseki_registrations), rows)
        audit.init_head(conn)
        audit.append(
            conn,
            at=now.timestamp(),
            kiosk_id=None,
            event="init",
            detail={"residents": len(reg.residents)},
            postgres=engine.dialect.name == "postgresql",
        )


# The first CRLs are dated back to when the test cards became valid (now - 30 days): a center whose
# test clock starts before ``init``'s own time must not see them as coming from the future.
CRL_BACKDATE = dt.timedelta(days=30)
DEFAULT_RETENTION = {
    # Seconds after expiry (challenges, sessions) or creation (orders never issued) before the purge
    # deletes the row; docs/center.md "Retention" says why each is kept that long.
    "challenge_s": 3600,
    "session_s": 86400,
    "abandoned_order_s": 86400,
    "purge_interval_s": 300,
}


def init_data_dir(
    data_dir: Path,
    *,
    residents: int = 40,
    seed: str = "1",
    kiosks: int = 4,
    db_url: str | None = None,
    now: dt.datetime | None = None,
    jobs: int | None = None,
    insecure_seed: str | None = None,
    kiosk_cert_days: int = 90,
    municipal_servers: int = 2,
    municipalities: int = len(CATALOGUE),
) -> dict[str, Any]:
    """Create everything ``serve`` needs under ``data_dir``.

    ``seed`` makes the synthetic registry (people, households, PINs) reproducible; it does not touch a
    key.  Keys come from the OS random source unless ``insecure_seed`` is given (tests only), and
    neither seed is written anywhere.  Files are created 0600 in 0700 directories.

    :raises ConfigError: on unusable paths or database URL.
    """
    old_umask = os.umask(0o077)  # the SQLite file and anything a library creates: owner only
    try:
        catalogue = national(municipalities)
        config = _init(
            data_dir, residents, seed, kiosks, db_url, now, jobs, insecure_seed, kiosk_cert_days, catalogue
        )
        # The municipal tier (docs/center.md "Tiers"): its network CA, registry copy and directory.
        from server_stub.municipal.setup import init_municipal

        d = data_dir.resolve()
        mcfg = init_municipal(
            d,
            config["db"],
            codes=[m.code for m in catalogue],
            servers=municipal_servers,
            rng=SeededRandom(f"munet:{insecure_seed}") if insecure_seed is not None else None,
            now=dt.datetime.fromisoformat(config["created"]),
        )
        config["municipal_servers"] = mcfg["servers"]
        return config
    finally:
        os.umask(old_umask)


def _init(  # noqa: PLR0917
    data_dir: Path,
    residents: int,
    seed: str,
    kiosks: int,
    db_url: str | None,
    now: dt.datetime | None,
    jobs: int | None,
    insecure_seed: str | None,
    kiosk_cert_days: int,
    catalogue: tuple[Municipality, ...] = CATALOGUE,
) -> dict[str, Any]:
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    d = data_dir.resolve()
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    d.chmod(0o700)
    rng = SeededRandom(f"center:{insecure_seed}") if insecure_seed is not None else None
    # The current generation began a year ago (as the 2023 CA had by 2024): a center clock set some days
    # back (the HIL holiday scenario) still finds the CA valid.
    began = now - dt.timedelta(days=365)
    auth = make_jpki_ca("auth", now=now, rng=_child(rng, "jpki-auth"), not_before=began)
    sign = make_jpki_ca("sign", now=now, rng=_child(rng, "jpki-sign"), not_before=began)
    _write(d / "pki" / "auth-ca.pem", auth.cert_pem)
    _write(d / "pki" / "sign-ca.pem", sign.cert_pem)
    for name, ca in (("auth", auth), ("sign", sign)):
        pki.write_key(d / "pki" / f"{name}-ca-key.pem", ca.key)
    _pki(d, rng, now, kiosks, kiosk_cert_days)
    write_anchor_key(d)
    ensure_operator_pki(d, now, seed=str(seed))  # the console's operator CA (server_stub/ops/pki.py)
    for m in catalogue:
        png = official_seal_png(m.seal_text)
        _write(d / "seals" / f"{m.code}.png", png)
        import base64

        _write(d / "seals" / f"{m.code}.b64", base64.b64encode(png).decode() + "\n")
    reg = generate(seed, residents, now.date(), catalogue)
    workers = jobs or os.cpu_count() or 1
    index, serials, revoked = _cards(d, reg, auth, sign, _child(rng, "cards"), now, workers)
    gens = _generations(d, _child(rng, "generations"), now)
    gens["current"] = (auth, sign)
    extra_index, extra_serials = _extra_tokens(d, reg, gens, _child(rng, "tokens"), now)
    index += extra_index
    serials += extra_serials
    _write(d / "cards" / "index.json", json.dumps(index, ensure_ascii=False, indent=2) + "\n")
    auth_revoked = [int(s, 16) for s, _r, k in serials if k == "auth" and int(s, 16) in set(revoked)]
    _write(
        d / "pki" / "auth-crl.pem",
        pki.make_crl(auth, auth_revoked, now - CRL_BACKDATE, days=60).public_bytes(
            serialization.Encoding.PEM
        ),
    )
    url = db_url or default_db_url(d)
    _load_db(make_engine(url), reg, serials, now, catalogue)
    config = {
        "version": 1,
        "seeded_keys": insecure_seed is not None,
        "kiosk_cert_days": kiosk_cert_days,
        "retention": dict(DEFAULT_RETENTION),
        "db": url,
        "created": now.isoformat(),
        "residents": len(reg.residents),
        "cards": len(index),
        "kiosks": kiosks,
    }
    _write(d / "center.json", json.dumps(config, indent=2) + "\n")
    return config
