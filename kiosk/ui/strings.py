# ruff: noqa: E501  (a text table, like kiosk/flow/messages.py)
"""Texts the UI adds to the flow's ``MESSAGES``: stable key → (Japanese, English).

Together with ``kiosk.flow.messages.MESSAGES`` these are the msgids of the gettext catalogs
(``scripts/i18n.py`` extracts both; the Japanese text is the source, the other languages translate it).
"""

from __future__ import annotations

__all__ = ["UI_MESSAGES"]

UI_MESSAGES: dict[str, tuple[str, str]] = {
    # Display choices on every resident screen (issue 18)
    "ui.large_text": ("文字を大きく", "Larger text"),
    "ui.invert": ("白黒反転", "High contrast"),
    # Attract loop: what the service is, the hours, which card (docs/domain.md §1.2, hours §1)
    "attract.slide.service": ("住民票の写し、印鑑登録証明書、課税証明書、戸籍証明書などを取得できます",
                              "Get a copy of your residence record, seal certificate, tax certificate, family register certificate and more"),
    "attract.slide.hours": ("ご利用時間　6時30分〜23時\n（12月29日〜1月3日を除く）",
                            "Open 6:30 to 23:00\n(closed December 29 to January 3)"),
    "attract.slide.cards": ("マイナンバーカードをお持ちください\n（利用者証明用電子証明書が必要です）",
                            "Bring your My Number Card\n(it needs the user certificate)"),
    "attract.touch": ("画面にタッチしてスタート", "Touch the screen to start"),
    "place_card.note": ("通知カード、住基カードはご利用いただけません", "Notification cards and Juki cards cannot be used"),
    "pin.digits": ("{count}/{max}桁", "{count} of {max} digits"),
    "label.yen": ("{amount}円", "{amount} yen"),
    "label.per_copy": ("1通 {amount}円", "{amount} yen per copy"),
    "label.copies": ("{copies}通", "{copies}"),  # English and Portuguese: a bare number (no plural forms)
    "label.count": ("通数", "Copies"),
    "label.municipality": ("市区町村", "Municipality"),
    "label.certificate": ("証明書", "Certificate"),
    "label.whose": ("対象", "For"),
    "label.items": ("記載事項", "Items shown"),
    "label.items.none": ("省略（記載なし）", "None (omitted)"),
    "label.fee": ("手数料", "Fee"),
    "label.inserted": ("投入金額", "Inserted"),
    "label.tax_year.short": ("年度", "Fiscal year"),
    "label.preview": ("印刷の見本（個人の情報は隠しています）", "Sample layout (personal details hidden)"),
    "button.more": ("増やす", "More"),
    "button.less": ("減らす", "Fewer"),
    "idle.seconds": ("あと{seconds}秒で中止します", "Cancelling in {seconds} s"),
    "take_card.alert": ("カードの取り忘れにご注意ください", "Do not forget your card"),
    # Service menu (staff; shown in Japanese, or English when the kiosk language is English)
    "service.locked": ("暗証番号を続けて間違えたため、しばらく操作できません", "Too many wrong PINs: locked for a while"),
    "service.device.reader": ("カードリーダー", "Card reader"),
    "service.device.printer": ("プリンター", "Printer"),
    "service.device.payment": ("入金機", "Cash device"),
    "service.device.center": ("センター接続", "Center link"),
    "service.state.ok": ("正常", "OK"),
    "service.state.warning": ("注意", "Warning"),
    "service.state.fault": ("異常", "Fault"),
    "service.state.unknown": ("不明", "Unknown"),
    "service.detail.paper_near_end": ("用紙残量わずか", "Paper near end"),
    "service.detail.paper_end": ("用紙切れ", "Paper out"),
    "service.detail.cover_open": ("カバーが開いています", "Cover open"),
    "service.detail.offline": ("応答なし", "Not responding"),
    "service.detail.crl_unavailable": ("失効リスト確認不可", "CRL cannot be checked"),
    "service.detail.printer_error": ("プリンター異常", "Printer error"),
    "service.detail.no_card": ("カードなし", "No card"),
    "service.latency": ("{ms}ミリ秒", "{ms} ms"),
    "service.tab.status": ("状態", "Status"),
    "service.tab.counters": ("件数", "Counters"),
    "service.tab.log": ("ログ", "Log"),
    "service.test_print": ("テスト印刷", "Test print"),
    "service.test_reader": ("読取りテスト", "Reader test"),
    "service.paper_replenished": ("用紙補充済み", "Paper refilled"),
    "service.set_out_of_service": ("休止にする", "Take out of service"),
    "service.set_in_service": ("休止を解除", "Put back in service"),
    "service.restart": ("再起動", "Restart"),
    "service.exit": ("保守終了", "Exit"),
    "service.no_counts": ("記録がありません", "No records"),
    "service.result.ok": ("完了しました", "Done"),
    "service.result.warning": ("完了しました（注意あり）", "Done, with a warning"),
    "service.result.fault": ("失敗しました", "Failed"),
    "service.result.unknown": ("結果不明", "Result unknown"),
}
