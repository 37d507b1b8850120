"""The console's HTML: plain server-rendered pages in Japanese with English, no script, no build chain.

Everything shown comes from the fleet tables (codes and numbers) and the municipality catalogue; every
value is escaped.  Status classes (``st-fault`` …) carry the colour; the status word is always
written too, so the page reads without colour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import quote

from contracts.jst import JST
from server_stub.fleet import REMOTE_REASONS, STATUSES, KioskView
from server_stub.ops.charts import bar_chart
from server_stub.ops.stats import CrlState, Issuance

__all__ = ["STATUS_LABEL", "alerts", "detail_page", "error_page", "fleet_page", "search_box"]

STATUS_LABEL = {
    "ok": "正常 / OK",
    "warning": "注意 / Warning",
    "fault": "異常 / Fault",
    "out_of_service": "休止中 / Out of service",
    "unreachable": "応答なし / Unreachable",
}
DEVICE_LABEL = {
    "ok": "正常 / ok",
    "paper_near_end": "用紙残少 / paper low",
    "paper_end": "用紙切れ / paper out",
    "cover_open": "カバー開 / cover open",
    "offline": "接続なし / offline",
    "error": "エラー / error",
    "near_full": "満杯間近 / nearly full",
    "full": "満杯 / full",
    "change_low": "釣銭残少 / change low",
}
REASON_LABEL = {
    "maintenance": "保守作業 / maintenance",
    "inspection": "点検 / inspection",
    "store_request": "店舗の都合 / store's request",
}
COMMAND_LABEL = {
    "out_of_service": "休止 / Out of service",
    "in_service": "再開 / Back in service",
    "test_page": "テスト印刷 / Test page",
}
_BAD_PRINTER = {"cover_open", "offline", "error"}
MAX_ALERTS = 200
# Rows of the kiosk table per page: thousands of rows make a page nobody can read and a browser slow to
# lay out; the counts, the alerts and the filter lead to the rest (bench/ops_console.py measures both).
MAX_ROWS = 500

CSS = """
body{font-family:"IPAexGothic","Noto Sans CJK JP",sans-serif;margin:1rem 2rem;color:#111}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}
.counts{display:flex;gap:.75rem;flex-wrap:wrap}
.count{border:2px solid #888;padding:.4rem .8rem;min-width:9rem}
.count b{font-size:1.6rem;display:block}
table{border-collapse:collapse;font-size:.85rem}
td,th{border:1px solid #bbb;padding:.15rem .4rem;text-align:left}
.st-ok{background:#e3f5e1}.st-warning{background:#fff1c2}.st-fault{background:#f8c9c4;color:#8b0000}
.st-out_of_service{background:#dde3ee}.st-unreachable{background:#e7b0aa;color:#5a0000}
.alerts li{color:#8b0000}.bar{fill:#2c5d8f}.tick{font-size:10px}.axis{stroke:#444}
.chart text{font-size:12px}form.inline{display:inline-block;margin-right:1rem}
button{font-size:1rem;padding:.3rem .8rem}
"""


def search_box(value: str = "") -> str:
    """The short-reference search form (server_stub/ops/lookup.py answers it)."""
    return (
        '<form method="get" action="/lookup" id="lookup" class="inline" style="margin-bottom:.6rem">'
        '<label>受付番号 / Reference <input name="ref" id="lookup-ref" size="11" maxlength="32" '
        f'placeholder="7VCD-R602" autocomplete="off" value="{escape(value)}"></label> '
        '<button type="submit" id="lookup-go">検索 / Find</button></form>'
    )


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


def _when(at: float | None) -> str:
    if at is None:
        return "—"
    return dt.datetime.fromtimestamp(at, JST).strftime("%Y-%m-%d %H:%M:%S")


def _dev(rep: Mapping[str, Any] | None, key: str) -> str:
    if rep is None or rep.get(key) is None:
        return "<td>—</td>"
    v = str(rep[key])
    cls = (
        ""
        if v == "ok"
        else (
            ' class="st-warning"'
            if v in ("paper_near_end", "near_full", "change_low")
            else ' class="st-fault"'
        )
    )
    return f"<td{cls}>{escape(DEVICE_LABEL.get(v, v))}</td>"


def alerts(views: list[KioskView], crl: CrlState) -> list[tuple[str, str]]:
    """(kiosk id or "", text) for what needs an operator: paper out, printer faults, unreachable kiosks
    (that have reported before), a stale CRL."""
    out: list[tuple[str, str]] = []
    if crl.stale:
        out.append(("", "センターの失効リストが古くなっています / the center's CRL is stale"))
    for v in views:
        rep = v.report
        if v.status == "unreachable" and v.at is not None:
            out.append((v.kiosk_id, f"応答なし（最終報告 {_when(v.at)}）/ unreachable"))
        if rep is None or v.status == "unreachable":
            continue
        for key, name in (
            ("printer", "証明書プリンター / certificate printer"),
            ("receipt_printer", "レシートプリンター / receipt printer"),
        ):
            state = rep.get(key)
            if state == "paper_end":
                out.append((v.kiosk_id, f"用紙切れ：{name} / paper out"))
            elif state in _BAD_PRINTER:
                out.append((v.kiosk_id, f"プリンター異常：{name}（{DEVICE_LABEL[state]}）/ printer fault"))
    return out


def fleet_page(
    views: list[KioskView], issuance: Issuance, crl: CrlState, *, status: str = "", q: str = "",
    show_all: bool = False,
) -> str:
    counts = {s: 0 for s in STATUSES}
    for v in views:
        counts[v.status] += 1
    boxes = "".join(
        f'<a class="count st-{s}" id="count-{s}" href="/?status={s}">{escape(STATUS_LABEL[s])}<b>{n}</b></a>'
        for s, n in counts.items()
    )
    al = alerts(views, crl)
    items = "".join(
        f'<li><a href="/kiosks/{quote(k)}">{escape(k)}</a> {escape(t)}</li>' if k else f"<li>{escape(t)}</li>"
        for k, t in al[:MAX_ALERTS]
    )
    more = (
        f"<p>ほか {len(al) - MAX_ALERTS} 件 / {len(al) - MAX_ALERTS} more</p>" if len(al) > MAX_ALERTS else ""
    )
    shown = [v for v in views if (not status or v.status == status) and q.upper() in v.kiosk_id.upper()]
    cut = "" if show_all or len(shown) <= MAX_ROWS else (
        f'<p id="cut">先頭 {MAX_ROWS} 台を表示しています。状態や端末番号で絞り込むか、'
        f'<a href="/?status={quote(status)}&amp;q={quote(q)}&amp;all=1">すべて表示</a>してください。 / '
        f"Showing the first {MAX_ROWS}: filter, or show all.</p>"
    )
    total = len(shown)
    shown = shown if show_all else shown[:MAX_ROWS]
    rows = "".join(
        f'<tr class="st-{v.status}" id="row-{escape(v.kiosk_id)}"><td><a href="/kiosks/{quote(v.kiosk_id)}">'
        f"{escape(v.kiosk_id)}</a></td><td>{escape(STATUS_LABEL[v.status])}</td>"
        f"{_dev(v.report, 'reader')}{_dev(v.report, 'printer')}{_dev(v.report, 'receipt_printer')}"
        f"{_dev(v.report, 'cash_box')}<td>{escape(str(v.report['version'])) if v.report else '—'}</td>"
        f"<td>{_when(v.at)}</td></tr>"
        for v in shown
    )
    options = "".join(
        f'<option value="{s}"{" selected" if s == status else ""}>{escape(STATUS_LABEL[s])}</option>'
        for s in STATUSES
    )
    by_m = bar_chart(
        "自治体別の交付通数 / documents issued per municipality",
        [(f"{name}（{code}）", n) for code, name, n in issuance.by_municipality],
    )
    by_h = bar_chart(
        "時間帯別の交付通数 / documents issued per hour",
        [(dt.datetime.fromtimestamp(h, JST).strftime("%H時"), n) for h, n in issuance.by_hour],
        horizontal=False,
    )
    body = (
        f"<h1>運用コンソール / Operations console</h1>{search_box()}"
        f'<div class="counts">{boxes}</div>'
        f'<h2>警告 / Alerts ({len(al)})</h2><ul class="alerts" id="alerts">{items}</ul>{more}'
        "<h2>交付状況 / Issuance</h2>"
        f'<figure id="by-municipality">{by_m}</figure><figure id="by-hour">{by_h}</figure>'
        f"<h2>端末 / Kiosks ({total} / {len(views)})</h2>{cut}"
        '<form method="get" action="/" id="filter"><label>状態 / status <select name="status">'
        f'<option value="">すべて / all</option>{options}</select></label> '
        f'<label>端末番号 / kiosk id <input name="q" value="{escape(q)}"></label> '
        '<button type="submit">絞り込み / Filter</button></form>'
        '<table id="kiosks"><thead><tr><th>端末 / Kiosk</th><th>状態 / Status</th><th>読取機 / Reader</th>'
        "<th>証明書プリンター / Printer</th><th>レシート / Receipt</th><th>現金 / Cash</th>"
        f"<th>版 / Version</th><th>最終報告 / Last report</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return _page("運用コンソール / Operations console", body)


def detail_page(
    view: KioskView,
    history: list[tuple[float, dict[str, Any]]],
    commands: list[dict[str, Any]],
    csrf: str,
    *,
    notice: str = "",
) -> str:
    rep = view.report
    kid = escape(view.kiosk_id)
    state = (
        f'<table id="state"><tr><th>状態 / Status</th><td class="st-{view.status}" id="status">'
        f"{escape(STATUS_LABEL[view.status])}</td></tr>"
        f"<tr><th>読取機 / Reader</th>{_dev(rep, 'reader')}</tr>"
        f"<tr><th>証明書プリンター / Printer</th>{_dev(rep, 'printer')}</tr>"
        f"<tr><th>レシート / Receipt</th>{_dev(rep, 'receipt_printer')}</tr>"
        f"<tr><th>現金 / Cash</th>{_dev(rep, 'cash_box')}</tr>"
        f"<tr><th>理由 / Reason</th><td>{escape(str(rep.get('reason') or '—')) if rep else '—'}</td></tr>"
        f"<tr><th>版 / Version</th><td>{escape(str(rep['version'])) if rep else '—'}</td></tr>"
        f"<tr><th>最終報告 / Last report</th><td>{_when(view.at)}</td></tr></table>"
    )
    hidden = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    reasons = "".join(f'<option value="{r}">{escape(REASON_LABEL[r])}</option>' for r in REMOTE_REASONS)
    action = f"/kiosks/{quote(view.kiosk_id)}/commands"
    buttons = (
        f'<form class="inline" method="post" action="{action}">{hidden}'
        '<input type="hidden" name="kind" value="out_of_service">'
        f'<select name="reason" id="reason">{reasons}</select> '
        f'<button id="cmd-out_of_service" type="submit">{COMMAND_LABEL["out_of_service"]}</button></form>'
        f'<form class="inline" method="post" action="{action}">{hidden}'
        '<input type="hidden" name="kind" value="in_service">'
        f'<button id="cmd-in_service" type="submit">{COMMAND_LABEL["in_service"]}</button></form>'
        f'<form class="inline" method="post" action="{action}">{hidden}'
        '<input type="hidden" name="kind" value="test_page">'
        f'<button id="cmd-test_page" type="submit">{COMMAND_LABEL["test_page"]}</button></form>'
    )
    cmd_rows = "".join(
        f"<tr><td>{_when(c['created_at'])}</td><td>{escape(COMMAND_LABEL.get(c['kind'], c['kind']))}</td>"
        f"<td>{escape(REASON_LABEL.get(c['reason'] or '', '—'))}</td><td>{escape(c['operator'])}</td>"
        f"<td>{escape(c['result'] or '未適用 / pending')}</td></tr>"
        for c in commands
    )
    hist_rows = "".join(
        f"<tr><td>{_when(at)}</td><td>{'○' if r['in_service'] else '×'}</td>{_dev(r, 'reader')}"
        f"{_dev(r, 'printer')}{_dev(r, 'receipt_printer')}{_dev(r, 'cash_box')}"
        f"<td>{escape(', '.join(e['code'] for e in r.get('last_errors', [])[-3:]))}</td></tr>"
        for at, r in history
    )
    body = (
        f'<p><a href="/">← 一覧 / Fleet</a></p><h1>端末 {kid} / Kiosk {kid}</h1>'
        + (f'<p id="notice">{escape(notice)}</p>' if notice else "")
        + state
        + f'<h2>遠隔操作 / Remote commands</h2><div id="commands">{buttons}</div>'
        + '<table id="command-log"><thead><tr><th>日時 / When</th><th>指示 / Command</th>'
        + "<th>理由 / Reason</th>"
        + f"<th>操作者 / Operator</th><th>結果 / Result</th></tr></thead><tbody>{cmd_rows}</tbody></table>"
        + '<h2>履歴 / History</h2><table id="history"><thead><tr><th>日時 / When</th>'
        + "<th>稼働 / In service</th><th>読取機 / Reader</th><th>プリンター / Printer</th>"
        + "<th>レシート / Receipt</th><th>現金 / Cash</th>"
        + f"<th>エラー / Errors</th></tr></thead><tbody>{hist_rows}</tbody></table>"
    )
    return _page(f"端末 {view.kiosk_id} / Kiosk {view.kiosk_id}", body)


def error_page(status: int, code: str, message: str) -> str:
    return _page(
        f"{status} {code}",
        f'<h1>{status}</h1><p id="error" data-code="{escape(code)}">'
        f'{escape(message)}</p><p><a href="/">← 一覧 / Fleet</a></p>',
    )
