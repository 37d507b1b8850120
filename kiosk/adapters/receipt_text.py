"""The receipt's wording in the resident's language, from the kiosk's message catalogs.

``printer.receipt`` prints the Japanese lines as text; this builds the same wording in the language the
resident chose (``receipt.*`` and ``certificate.*`` keys of ``kiosk.flow.messages``, translated by the
gettext catalogs through ``kiosk.ui.i18n.Translator``), for ``printer.receipt_raster`` to draw.  It
mirrors the Japanese rows: title, date, certificate × copies, total, cash lines, transaction number,
then the reminder, or what is owed and the reference on a refund-failed slip.  Store and municipality
names are not repeated: they are Japanese proper nouns, already printed above in Japanese.

No personal data: its inputs are the flow's ``PrintReceipt`` (ids, certificate, copies, money).
"""

from __future__ import annotations

import datetime as dt
import functools

from contracts.jst import JST
from kiosk.flow.effects import PrintReceipt
from kiosk.ui.i18n import Translator
from printer.receipt_raster import FONT_FACES, ReceiptTranslation

__all__ = ["receipt_translation"]

# Thousands separator as each language writes money: 1,050 (en, zh, ko) / 1.050 (pt, vi).
_SEPARATOR = {"pt": ".", "vi": "."}


@functools.cache
def _translator() -> Translator:
    return Translator()


def receipt_translation(receipt: PrintReceipt, issued_at: dt.datetime) -> ReceiptTranslation | None:
    """The translated block of ``receipt``; None for Japanese (the Japanese lines say it all) or a
    language the receipt has no font for.

    :raises printer.receipt_raster.TranslationError: a translated text the font cannot draw.
    """
    lang = receipt.language
    if lang == "ja" or lang not in FONT_FACES:
        return None
    tr = _translator()

    def t(key: str, **values: object) -> str:
        return tr.text(key, lang, **values)

    def yen(amount: int) -> str:
        return t("receipt.yen", yen=f"{amount:,}".replace(",", _SEPARATOR.get(lang, ",")))

    at = issued_at.replace(tzinfo=JST) if issued_at.tzinfo is None else issued_at.astimezone(JST)
    cert_key = f"certificate.{receipt.certificate}"
    cert = t(cert_key) if tr.has(cert_key, lang) else receipt.certificate_name or receipt.certificate
    copies = max(1, receipt.copies)
    rows: list[tuple[str, str]] = [
        (f"{t('receipt.date')}: {at:%Y-%m-%d %H:%M}", ""),
        (t("receipt.copies", certificate=cert, copies=copies), yen(receipt.fee)),
        (t("receipt.total"), yen(receipt.fee)),
    ]
    cash = (("receipt.paid", receipt.paid), ("receipt.change", receipt.change),
            ("receipt.refunded", receipt.refunded or None))
    rows += [(t(key), yen(amount)) for key, amount in cash if amount is not None]
    rows.append((f"{t('receipt.number')}: {receipt.order_id}", ""))
    if receipt.refund_owed:
        rows.append((t("receipt.owed"), yen(receipt.refund_owed)))
        if receipt.reference:
            rows.append((f"{t('receipt.reference')}: {receipt.reference}", ""))
        rows.append((t("receipt.show_staff"), ""))
        return ReceiptTranslation(lang, t("receipt.slip_title"), tuple(rows))
    rows.append((t("receipt.footer"), ""))
    return ReceiptTranslation(lang, t("receipt.title"), tuple(rows))
