"""Operations console benchmark: the fleet page with thousands of kiosks, server and browser side.

    python bench/ops_console.py [--kiosks 5000] [--repeat 3] [--no-browser] [--json FILE] [--smoke]

Builds a minimal center data directory (kiosk ids, the TLS and operator CAs, the fleet tables in
SQLite) with ``--kiosks`` kiosks whose latest reports mix every status, plus their report history and
some issued orders; runs the real ops listener (mutual TLS) in-process and measures

- ``server``: GET / over TLS with the operator certificate (query, render, transfer), median of
  ``--repeat``;
- ``browser``: Debian's chromium (selenium, the operator certificate as in the browser test) loading
  the page: navigation start → load event, and until the table's last row is in the DOM;
- ``report``: the center's handling of one health report (``Fleet.report``: validate, store, prune the
  history, answer commands), median over 200 reports.

``--smoke`` (seconds, self-checking): 300 kiosks, no browser; checks the page lists every kiosk and
counts each status right.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from sqlalchemy import insert  # noqa: E402

from card.profile import SeededRandom  # noqa: E402
from server_stub import pki  # noqa: E402
from server_stub.fleet import Fleet  # noqa: E402
from server_stub.ops.pages import MAX_ROWS  # noqa: E402
from server_stub.ops.pki import ensure_operator_pki  # noqa: E402
from server_stub.ops.server import OpsApp, OpsServer, ops_ssl_context  # noqa: E402
from server_stub.store import dumps, kiosk_reports, kiosk_status, make_engine, metadata, orders  # noqa: E402

SHOT = Path(tempfile.gettempdir()) / "ops-console-5000.png"
MIX: list[tuple[int, dict[str, object], str]] = [  # (weight, report changes, the status it means)
    (80, {}, "ok"),
    (8, {"printer": "paper_near_end"}, "warning"),
    (5, {"printer": "paper_end"}, "fault"),
    (2, {"receipt_printer": "cover_open"}, "fault"),
    (5, {"in_service": False, "reason": "oos.remote.maintenance"}, "out_of_service"),
]


def _report(changes: dict[str, object]) -> dict[str, object]:
    base: dict[str, object] = {
        "reader": "ok", "printer": "ok", "receipt_printer": "ok", "cash_box": "ok", "in_service": True,
        "reason": None, "counters": {"issued_juminhyo": 3}, "version": "0.1.0", "uptime": 3600.0,
        "last_errors": [], "applied": [],
    }
    return base | changes


def build(d: Path, n: int, now: float) -> tuple[Fleet, dict[str, int]]:
    when = dt.datetime.fromtimestamp(now, dt.UTC)
    ids = [f"K{i:05d}" for i in range(1, n + 1)]
    (d / "kiosks").mkdir(parents=True)
    (d / "kiosks" / "index.json").write_text(json.dumps([{"kiosk_id": k} for k in ids]))
    tca = pki.make_ec_ca("Konbini Center TLS CA TEST", SeededRandom("bench").child("tls"), when)
    cert, key = pki.make_server_cert(tca, SeededRandom("bench").child("srv"), when)
    (d / "tls").mkdir()
    (d / "tls" / "ca.pem").write_bytes(pki.pem(tca[0]))
    (d / "tls" / "server.pem").write_bytes(pki.pem(cert) + pki.pem(tca[0]))
    pki.write_key(d / "tls" / "server-key.pem", key)
    ensure_operator_pki(d, when)
    engine = make_engine(f"sqlite:///{d / 'center.db'}")
    metadata.create_all(engine)
    rng = random.Random(5)
    expected = {"ok": 0, "warning": 0, "fault": 0, "out_of_service": 0, "unreachable": 0}
    status_rows, hist_rows = [], []
    for i, k in enumerate(ids):
        if i % 50 == 49:  # 2 % silent for longer than the limit
            status_rows.append({"kiosk_id": k, "at": now - 3600, "report": dumps(_report({}))})
            expected["unreachable"] += 1
            continue
        _, changes, status = rng.choices(MIX, weights=[w for w, _, _ in MIX])[0]
        rep = _report(changes)
        status_rows.append({"kiosk_id": k, "at": now - rng.uniform(0, 60), "report": dumps(rep)})
        hist_rows += [{"kiosk_id": k, "at": now - 30 * j, "report": dumps(rep)} for j in range(3)]
        expected[status] += 1
    with engine.begin() as conn:
        conn.execute(insert(kiosk_status), status_rows)
        conn.execute(insert(kiosk_reports), hist_rows)
        conn.execute(insert(orders), [{
            "order_id": f"O-{i}", "session_id": "S", "kiosk_id": ids[i % n], "resident_id": "R",
            "municipality": "139991", "relation": "residence", "certificate": "juminhyo", "options": "{}",
            "copies": 1, "fee_each": 200, "fee_total": 200, "state": "printed", "created_at": now - i * 60,
            "charged": 200, "issued_at": now - i * 60,
        } for i in range(500)])
    return Fleet(engine, ids, clock=lambda: now, unreachable_after=600), expected


def get_page(port: int, d: Path, path: str = "/") -> tuple[float, str]:
    import ssl

    ctx = ssl.create_default_context(cafile=str(d / "tls" / "ca.pem"))
    ctx.load_cert_chain(str(d / "ops" / "operator-01.pem"), str(d / "ops" / "operator-01-key.pem"))
    t0 = time.perf_counter()
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)
    conn.request("GET", path)
    body = conn.getresponse().read().decode()
    conn.close()
    return time.perf_counter() - t0, body


def browser(port: int, d: Path, work: Path, n: int, repeat: int) -> dict[str, float]:
    from fixtures.browser import operator_browser

    out: dict[str, float] = {}
    with operator_browser(d, port, work) as b:
        for name, path, want in (("page", "/", min(n, MAX_ROWS)), ("all", "/?all=1", n)):
            loads = []
            for _ in range(repeat):
                b.get(f"https://127.0.0.1:{port}{path}")
                count = b.execute_script("return document.querySelectorAll('#kiosks tbody tr').length")
                assert count == want, (path, count)
                nav = b.execute_script(
                    "const t = performance.getEntriesByType('navigation')[0];"
                    "return t.loadEventEnd - t.startTime;"
                )
                loads.append(float(nav) / 1000)
            out[f"browser_load_{name}_s"] = statistics.median(loads)
        b.get(f"https://127.0.0.1:{port}/")
        b.save_screenshot(str(SHOT))
    return out


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--kiosks", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--json")
    p.add_argument("--smoke", action="store_true")
    a = p.parse_args()
    n = 300 if a.smoke else a.kiosks
    now = time.time()
    with tempfile.TemporaryDirectory(prefix="ops-bench-") as tmp:
        d = Path(tmp) / "data"
        fleet, expected = build(d, n, now)
        ctx = ops_ssl_context(str(d / "tls" / "server.pem"), str(d / "tls" / "server-key.pem"),
                              str(d / "ops" / "ca.pem"))
        server = OpsServer(("127.0.0.1", 0), OpsApp(fleet, fleet.engine, d), ctx)
        server.start()
        port = server.server_address[1]
        try:
            times, body = [], ""
            for _ in range(1 if a.smoke else a.repeat):
                t, body = get_page(port, d)
                times.append(t)
            assert body.count('<tr class="st-') == min(n, MAX_ROWS), "a page of rows"
            assert (n > MAX_ROWS) == ('id="cut"' in body), "the cut is said"
            for s, count in expected.items():
                assert f'id="count-{s}" href="/?status={s}">' in body
                got = body.split(f'id="count-{s}"')[1].split("<b>")[1].split("</b>")[0]
                assert int(got) == count, (s, got, count)
            result: dict[str, float | int] = {"kiosks": n, "server_s": statistics.median(times),
                                              "page_bytes": len(body.encode())}
            if not a.smoke:
                t_all, body_all = get_page(port, d, "/?all=1")
                assert body_all.count('<tr class="st-') == n
                result |= {"server_all_s": t_all, "page_all_bytes": len(body_all.encode())}
            lat = []
            for i in range(200):
                t0 = time.perf_counter()
                fleet.report(f"K{(i % n) + 1:05d}", _report({}))
                lat.append(time.perf_counter() - t0)
            result["report_ms_median"] = statistics.median(lat) * 1000
            result["report_ms_p95"] = sorted(lat)[int(len(lat) * 0.95)] * 1000
            if not (a.smoke or a.no_browser):
                result |= browser(port, d, Path(tmp) / "browser", n, a.repeat)
        finally:
            server.shutdown()
            server.server_close()
            fleet.engine.dispose()
    print(f"{'metric':<24}{'value':>14}")
    for k, v in result.items():
        print(f"{k:<24}{v:>14.3f}" if isinstance(v, float) else f"{k:<24}{v:>14}")
    out = json.dumps(result)
    print(out)
    if a.json:
        Path(a.json).write_text(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
