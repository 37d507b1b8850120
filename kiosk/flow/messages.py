# ruff: noqa: E501  (a text table: Japanese is counted at double width and must not be split mid-phrase)
"""Every text the flow can put on screen: stable key → (Japanese, English).

This is the msgid/msgstr source for the UI's gettext catalogs: the key is the msgid, Japanese is the
source text and English the first translation.  Placeholders use ``str.format`` names (``{tries}``,
``{fee}``, ``{refund}``, ``{paid}``, ``{due}``, ``{money}``, ``{owed}``, ``{ref}``, ``{time}``, ``{minutes}``, ``{year}``, ``{reiwa}``, ``{pages}``, ``{page}``, ``{left}``) that the UI fills from the ``View``;
the receipt's ``receipt.*`` texts take ``{certificate}``, ``{copies}`` and ``{yen}`` from ``kiosk.adapters.receipt_text``.

Wording follows what residents see at real kiosks and municipal pages (docs/domain.md §1, e.g. the
住基カード message of [S25]); every refusal says what happened and what to do, in plain words.  Where a
municipal window is the only remedy we say so, because store staff cannot help (§1 "Store staff do not
explain or assist").  ``kiosk.flow.codes`` maps the codes of the center and the devices to these keys.
"""

from __future__ import annotations

from card.contract import AUTH_PIN_TRIES

__all__ = ["MESSAGES", "PLURALS", "PLURAL_SUFFIX", "text"]

_WINDOW_JA = "お手数ですが、お住まいの市区町村の窓口へお問い合わせください。"
_WINDOW_EN = "Please ask at the counter of your city, ward, town or village office."

MESSAGES: dict[str, tuple[str, str]] = {
    # --- screen titles (one per State) ---------------------------------------------------------------
    "screen.attract": ("画面にタッチしてください", "Touch the screen to start"),
    "screen.attract.sub": ("マイナンバーカードで住民票の写しなどの証明書が取得できます",
                           "Get certificates such as a copy of your residence record with your My Number Card"),
    "screen.language": ("言語を選択してください", "Choose your language"),
    "screen.notice": ("ご利用の前に", "Before you start"),
    "screen.notice.body": (
        "ご利用時間は6時30分から23時までです（12月29日から1月3日までを除く）。"
        "発行できる証明書と手数料は市区町村によって異なります。"
        "手数料は現金でお支払いください。印刷には数分かかることがあります。終わるまでその場を離れないでください。",
        "Service hours are 6:30 to 23:00 (except December 29 to January 3). "
        "The certificates you can get and their fees depend on your municipality. "
        "Please pay the fee in cash. Printing can take a few minutes; please stay until it is finished.",
    ),
    "screen.place_card": ("マイナンバーカードまたはスマートフォンを読取り部に置いてください",
                          "Place your My Number Card or smartphone on the card reader"),
    "screen.reading": ("カードを読み取っています。カードを動かさないでください",
                       "Reading your card. Please do not move the card."),
    "screen.pin": ("利用者証明用電子証明書の暗証番号（数字4桁）を入力してください",
                   "Enter the 4-digit PIN of your user certificate"),
    "screen.pin.tries": ("あと{tries}回間違えるとロックされます", "{tries} more wrong tries will lock the PIN"),
    "screen.pin.reset": ("ロックされた暗証番号は、市区町村の窓口で再設定できます（暗証番号リセットサービスのある店舗の端末でも再設定できます）。",
                         "A locked PIN can be reset at your municipal office, or at a store kiosk that offers the PIN reset service."),
    "pin.rule": (f"暗証番号を{AUTH_PIN_TRIES}回続けて間違えるとロックされます",
                 f"The PIN locks after {AUTH_PIN_TRIES} wrong tries in a row"),
    "pin.advice_stop": ("わからない場合は中止し、市区町村の窓口へお問い合わせください",
                        "If you are not sure of your PIN, press Cancel and ask at your municipal office."),
    "pin.lock_shared": ("ロックされると、利用者証明用電子証明書を使う他のサービス（マイナポータルなど）も使えなくなります",
                        "A lock also blocks every other service that uses this certificate, such as Mynaportal."),
    "screen.pin_locked": ("暗証番号がロックされています", "Your PIN is locked"),
    "screen.authenticating": ("確認しています。しばらくお待ちください", "Checking. Please wait."),
    "screen.municipality": ("証明書を発行する市区町村を選んでください",
                            "Choose the municipality that issues the certificate"),
    "screen.certificate": ("証明書の種類を選んでください", "Choose a certificate"),
    "screen.whose": ("どなたの証明書が必要ですか", "Whose certificate do you need?"),
    "screen.members": ("必要な方を選んでください（複数選択できます）",
                       "Choose the people to include (you may choose several)"),
    "screen.items": ("記載する項目を選んでください", "Choose the items to show on the certificate"),
    "screen.items.none": ("項目を選ばない場合は「次へ」を押してください", "To show none of them, press Next"),
    "screen.tax_year": ("年度を選んでください", "Choose the fiscal year"),
    "screen.copies": ("必要な通数を選んでください（最大{max}通）", "Choose the number of copies (up to {max})"),
    "screen.ordering": ("確認しています。しばらくお待ちください", "Checking. Please wait."),
    "screen.confirm": ("内容と手数料をご確認ください", "Check your request and the fee"),
    "screen.confirm.fee": ("手数料　{fee}円", "Fee: {fee} yen"),
    "screen.payment": ("手数料{fee}円を投入してください", "Please insert {fee} yen"),
    "screen.payment.inserted": ("投入金額　{inserted}円", "Inserted: {inserted} yen"),
    "screen.issuing": ("証明書を準備しています。しばらくお待ちください",
                       "Preparing your certificate. Please wait."),
    "screen.printing": ("証明書を印刷しています", "Printing your certificate"),
    "printing.page": ("{page}/{pages}枚目を印刷しています", "Printing page {page} of {pages}"),
    "printing.left_seconds": ("残り約{left}秒", "About {left} seconds left"),
    "printing.left_minutes": ("残り約{left}分", "About {left} minutes left"),
    "screen.printing.start": ("印刷を始めています。終わるまでお待ちください", "Starting to print. Please wait until it is finished."),
    "screen.printing.stopped": ("印刷を中止しています", "Stopping the printing"),
    "screen.refunding": ("お金をお返ししています", "Returning your money"),
    "screen.take_card": ("マイナンバーカードをお取りください", "Please take your My Number Card"),
    "screen.take_documents": ("証明書と利用明細書をお取りください",
                              "Please take your certificate and receipt"),
    "screen.take_documents.change": ("おつり{change}円をお取りください", "Please take your change: {change} yen"),
    "take.refund": ("返金{refund}円と利用明細書をお取りください", "Please take your refund of {refund} yen and the receipt"),
    "take.returned": ("投入された{refund}円をお取りください", "Please take back the {refund} yen you inserted"),
    "money.refunding": ("お支払いの{paid}円をお返ししています", "Returning the {paid} yen you paid"),
    "money.returning": ("投入されたお金をお返ししています", "Returning the money you inserted"),
    "money.refunded": ("お支払いの{refund}円はお返ししました", "The {refund} yen you paid has been returned"),
    "money.returned": ("投入された{refund}円はお返ししました", "The {refund} yen you inserted has been returned"),
    "money.refund_failed": ("お支払いの{paid}円をお返しできませんでした。店員にこの画面をお見せください", "We could not return the {paid} yen you paid. Please show this screen to the store staff."),
    "money.idle_returns": ("中止した場合、投入された{inserted}円はお返しします", "If this is cancelled, the {inserted} yen you inserted is returned"),
    "money.refund_owed": ("お返しできなかった金額　{owed}円", "Amount not returned: {owed} yen"),
    "refund_failed.ref": ("受付番号　{ref}　　時刻　{time}", "Reference {ref}    Time {time}"),
    "screen.refund_failed": ("返金できませんでした", "Your money could not be returned"),
    "refund_failed.staff": ("店員をお呼びください。店員が対応するまで、この画面はそのまま表示されます。同じ内容の控えを印刷しました",
                            "Please call the store staff. This screen stays until they deal with it. A slip with the same details has been printed."),
    "screen.payment.due": ("あと{due}円", "{due} yen to go"),
    "screen.payment.accepted": ("使えるお金：{money}", "Accepted: {money}"),
    "printing.stay": ("印刷が終わるまで、その場を離れないでください", "Please stay here until printing is finished"),
    "screen.thank_you": ("ご利用ありがとうございました", "Thank you"),
    "screen.thank_you.body": ("証明書・カード・おつりをお確かめください", "Please check that you have your certificate, card and change"),
    "screen.error": ("ご案内", "Information"),
    "title.card_removed": ("カードが取り外されました", "The card was removed"),
    "title.card": ("このカードはご利用いただけません", "This card cannot be used"),
    "title.not_issued": ("証明書を発行できません", "The certificate cannot be issued"),
    "title.hours": ("ご利用時間外です", "Outside service hours"),
    "title.timeout": ("時間切れのため中止しました", "Cancelled: time ran out"),
    "title.fault": ("機器の不具合のため中止しました", "Cancelled: a machine fault"),
    "title.system": ("システムに接続できませんでした", "The system could not be reached"),
    "screen.out_of_service": ("ただいまご利用いただけません", "Out of service"),
    "screen.service_login": ("保守メニュー：暗証番号を入力してください", "Service menu: enter the staff PIN"),
    "screen.service_menu": ("保守メニュー", "Service menu"),
    # --- buttons and prompts ----------------------------------------------------------------------
    "band.closing": ("23:00終了・残り{minutes}分", "Closes at 23:00: {minutes} min left"),
    "band.keep_card": ("カードは最後まで置いたままにしてください", "Keep your card on the reader until the end"),
    "band.card_left": ("カードが残っています。店員の方はお客様にお声がけください", "A card is still on the reader. Staff: please help the customer."),
    "button.next": ("次へ", "Next"),
    "button.back": ("戻る", "Back"),
    "button.cancel": ("中止", "Cancel"),
    "button.confirm": ("確定", "OK"),
    "button.erase": ("訂正", "Delete"),
    "button.take_card": ("カードを取り出す", "Take out the card"),
    "button.continue": ("続ける", "Continue"),
    "button.pay": ("お支払いへ進む", "Continue to payment"),
    "button.done": ("受け取りました", "Done"),
    "idle.warning": ("操作を続けますか？　操作がない場合は中止します",
                     "Do you want to continue? Otherwise this will be cancelled."),
    "pin.wrong": ("暗証番号が違います。もう一度入力してください", "Wrong PIN. Please try again."),
    "pin.incomplete": ("暗証番号は数字4桁です", "The PIN has 4 digits"),
    "confirm.fee_changed": ("手数料が変わりました。金額をご確認ください", "The fee has changed. Please check it."),
    "printing.aborting": ("カードが取り外されたため、印刷を中止しています",
                          "The card was removed. Stopping the printing."),
    "service.pin_wrong": ("暗証番号が違います", "Wrong PIN"),
    "label.tax_year": ("令和{reiwa}年度", "Fiscal year {year} (Reiwa {reiwa})"),
    # --- choices ---------------------------------------------------------------------------------
    "language.ja": ("日本語", "日本語"),
    "language.en": ("English", "English"),
    "language.zh": ("中文", "中文"),
    "language.ko": ("한국어", "한국어"),
    "language.pt": ("Português", "Português"),
    "language.vi": ("Tiếng Việt", "Tiếng Việt"),
    "relation.residence": ("住民登録地", "Where you are registered as a resident"),
    "relation.honseki": ("本籍地", "Your family register (honseki)"),
    "certificate.juminhyo": ("住民票の写し", "Copy of residence record (juminhyo)"),
    "certificate.kisaijiko": ("住民票記載事項証明書", "Certificate of residence record items"),
    "certificate.inkan": ("印鑑登録証明書", "Seal registration certificate"),
    "certificate.kazei": ("課税（所得）証明書", "Tax (income) certificate"),
    "certificate.koseki": ("戸籍証明書", "Family register certificate"),
    "certificate.fuhyo": ("戸籍の附票の写し", "Copy of family register supplement (fuhyo)"),
    # --- the receipt's block in the resident's language (printer.receipt_raster; issue 18) ----------------
    "receipt.title": ("ご利用明細書", "Receipt"),
    "receipt.slip_title": ("返金未済の控え", "Refund not paid: keep this slip"),
    "receipt.date": ("日時", "Date and time"),
    "receipt.copies": ("{certificate} {copies}通", "{certificate} ×{copies}"),
    "receipt.total": ("合計", "Total"),
    "receipt.paid": ("お預かり", "Paid"),
    "receipt.change": ("おつり", "Change"),
    "receipt.refunded": ("返金", "Refunded"),
    "receipt.owed": ("未返金", "Not refunded"),
    "receipt.reference": ("受付番号", "Reference"),
    "receipt.number": ("取引番号", "Transaction number"),
    "receipt.yen": ("{yen}円", "{yen} yen"),
    "receipt.footer": ("証明書とマイナンバーカードのお取り忘れにご注意ください。", "Please do not forget your certificate and your My Number Card."),
    "receipt.show_staff": ("返金できませんでした。この控えを店員にお見せください。", "The refund could not be paid. Please show this slip to the store staff."),
    "whose.juminhyo.self": ("本人のみ", "Only me"),
    "whose.juminhyo.household": ("世帯全員", "Everyone in my household"),
    "whose.juminhyo.members": ("世帯の一部", "Some members of my household"),
    "whose.koseki.self": ("本人のみ（個人事項証明書）", "Only me (individual certificate)"),
    "whose.koseki.household": ("戸籍に記載されている全員（全部事項証明書）",
                               "Everyone in the family register (full certificate)"),
    "whose.koseki.members": ("戸籍に記載されている一部の人（個人事項証明書）",
                             "Some people in the family register (individual certificate)"),
    "item.householder_relationship": ("世帯主の氏名と続柄", "Head of household and relationship"),
    "item.honseki": ("本籍・筆頭者", "Registered domicile (honseki) and head of the family register"),
    "item.my_number": ("個人番号（マイナンバー）", "Individual Number (My Number)"),
    "item.foreign": ("国籍・地域、在留資格等", "Nationality or region, status of residence, etc."),
    # --- why a choice is greyed out (center availability reasons) -----------------------------------
    "reason.moved_out": ("転出の届出をされているため発行できません。" + _WINDOW_JA,
                         "Not available because you have reported moving out. " + _WINDOW_EN),
    "reason.moving_out": ("世帯の方に転出予定の届出があるため発行できません。" + _WINDOW_JA,
                          "Not available because a household member has reported moving out. " + _WINDOW_EN),
    "reason.support_measure": ("この証明書はコンビニエンスストア等では発行できません。" + _WINDOW_JA,
                               "This certificate cannot be issued at a store. " + _WINDOW_EN),
    "reason.no_seal": ("印鑑登録がないため発行できません。", "Not available: you have no registered seal."),
    "reason.no_tax_return": ("所得の申告がないため発行できません。" + _WINDOW_JA,
                             "Not available: no income tax return is on record. " + _WINDOW_EN),
    "reason.not_resident_jan1": ("その年度の1月1日にお住まいでなかったため、この市区町村では発行できません。",
                                 "Not available here: you did not live in this municipality on January 1 of "
                                 "that year."),
    "reason.tax_unpaid": ("未納の税があるため発行できません。" + _WINDOW_JA,
                          "Not available because of unpaid tax. " + _WINDOW_EN),
    "reason.weekday_only": ("この証明書は平日の日中のみ発行できます。",
                            "This certificate is available on weekdays in the daytime only."),
    "reason.national_holiday": ("本日は国民の祝日のため、この証明書は発行できません。平日にご利用ください。",
                                "Today is a national holiday, so this certificate is not available. "
                                "Please come back on a weekday."),
    "reason.outside_hours": ("ただいまの時間は発行できません。", "Not available at this time of day."),
    "reason.not_offered": ("この市区町村ではコンビニ交付を行っていません。",
                           "This municipality does not offer this certificate at stores."),
    "reason.householder_relationship_not_offered": (
        "この市区町村では、世帯主の氏名と続柄を記載した証明書はコンビニ交付で発行していません。",
        "This municipality does not show the head of household and relationship on certificates "
        "issued at stores."),
    "reason.honseki_not_offered": (
        "この市区町村では、本籍・筆頭者を記載した証明書はコンビニ交付で発行していません。",
        "This municipality does not show the registered domicile (honseki) on certificates issued "
        "at stores."),
    "reason.my_number_not_offered": (
        "この市区町村では、個人番号（マイナンバー）を記載した証明書はコンビニ交付で発行していません。",
        "This municipality does not show the Individual Number (My Number) on certificates issued "
        "at stores."),
    "reason.registration_required": (
        "本籍地の証明書を取得するには、事前に利用登録申請が必要です。",
        "To get certificates from your honseki, you must register for the service first.",
    ),
    "reason.recent_change": ("届出や暗証番号の変更をされた当日は発行できません。翌日以降にご利用ください。",
                             "Not available on the day of a notification or PIN change. Please try tomorrow."),
    "reason.foreign_resident": ("この項目は外国籍の方の証明書には記載できません。",
                                "This item cannot be shown for foreign residents."),
    "reason.no_koseki": ("この市区町村に戸籍の記録がないため発行できません。",
                         "Not available: this municipality keeps no family register for you."),
    "reason.year_end": ("年末年始（12月29日から1月3日まで）はご利用いただけません。",
                        "Not available over the New Year holidays (December 29 to January 3)."),
    "reason.under_15": ("15歳未満の方はご利用いただけません。", "Not available to people under 15."),
    "reason.maintenance": ("システムの保守のため、ただいま発行できません。",
                           "Not available now because of system maintenance."),
    "reason.municipal_unavailable": (
        "市区町村の証明書発行システムにつながらないため、ただいま発行できません。"
        "しばらくしてからお試しください。",
        "The municipality's issuing system is not answering, so it cannot be issued now. "
        "Please try again later."),
    "reason.nothing_available": ("この市区町村で発行できる証明書はありません。",
                                 "No certificate is available from this municipality."),
    "reason.other": ("この証明書は発行できません。" + _WINDOW_JA, "This certificate is not available. " + _WINDOW_EN),
    # --- refusals and faults (ERROR / PIN_LOCKED screens) ------------------------------------------
    "error.try_again": ("通信に時間がかかったため中止しました。最初からやり直してください。",
                        "This took too long and was cancelled. Please start again."),
    "error.certificate_invalid": ("このカードの電子証明書はご利用いただけません。" + _WINDOW_JA,
                                  "The certificate on this card cannot be used. " + _WINDOW_EN),
    "error.certificate_expired": (
        "電子証明書の有効期限が切れています。市区町村の窓口で更新の手続きをしてください。",
        "The certificate on your card has expired. Please renew it at your municipal office.",
    ),
    "error.certificate_revoked": ("このカードの電子証明書は失効しています。" + _WINDOW_JA,
                                  "The certificate on this card has been revoked. " + _WINDOW_EN),
    "error.signature_invalid": ("カードを確認できませんでした。もう一度最初からお試しください。",
                                "Your card could not be verified. Please start again."),
    "error.resident_unknown": ("ご利用の登録が確認できませんでした。" + _WINDOW_JA,
                               "Your registration could not be found. " + _WINDOW_EN),
    "error.session_expired": ("時間が経過したため中止しました。最初からやり直してください。",
                              "Time ran out and this was cancelled. Please start again."),
    "error.not_available": ("ご希望の証明書は発行できませんでした。" + _WINDOW_JA,
                            "The certificate you asked for could not be issued. " + _WINDOW_EN),
    "error.closing_soon": ("ご利用時間の終了（23時）が近いため、受付を終了しました。6時30分以降にご利用ください。",
                           "The service closes at 23:00, too soon to finish a request now. Please come back after 6:30."),
    "error.outside_hours": ("ただいまの時間はご利用いただけません。ご利用時間は6時30分から23時までです。",
                            "The service is not available now. Service hours are 6:30 to 23:00."),
    "error.order_unknown": ("処理を続けられませんでした。最初からやり直してください。",
                            "This could not be continued. Please start again."),
    "error.center_unreachable": ("ただいまシステムに接続できません。しばらくしてからご利用ください。",
                                 "The system cannot be reached now. Please try again later."),
    "error.center_busy": ("ただいま混み合っています。しばらくしてからご利用ください。",
                          "The system is busy. Please try again later."),
    "error.card_unreadable": (
        "カードを読み取れませんでした。カードを置き直して、最初からやり直してください。",
        "Your card could not be read. Place it again and start over.",
    ),
    "error.card_removed": ("カードが取り外されたため中止しました。", "The card was removed, so this was cancelled."),
    "error.card_unsupported": ("ご利用いただけないカードです。市区町村へお問い合わせください。",
                               "This card cannot be used. Please ask your municipality."),
    "error.pin_blocked": (
        f"暗証番号を{AUTH_PIN_TRIES}回続けて間違えたため、ロックされました。"
        "マイナンバーカードをお持ちのうえ、お住まいの市区町村の窓口で暗証番号の再設定（ロックの解除）をしてください。",
        f"Your PIN is locked after {AUTH_PIN_TRIES} wrong tries. Please bring your My Number Card to the office of the "
        "municipality where you live to reset the PIN.",
    ),
    "error.reader_offline": ("カード読取り部の故障のため中止しました。", "Stopped because the card reader failed."),
    "error.printer_fault": (
        "印刷できなかったため中止しました。お支払いいただいた手数料{refund}円をお返しします。",
        "Printing failed, so this was cancelled. Your fee of {refund} yen is returned.",
    ),
    "error.card_removed_refunded": (
        "カードが取り外されたため中止しました。お支払いいただいた手数料{refund}円をお返しします。",
        "The card was removed, so this was cancelled. Your fee of {refund} yen is returned.",
    ),
    "error.payment_fault": ("入金処理ができなかったため中止しました。投入されたお金をお返しします。",
                            "Payment failed, so this was cancelled. The money you inserted is returned."),
    "error.refund_failed": (
        "お金をお返しできませんでした。申し訳ありませんが、店員にこの画面をお見せください。",
        "Your money could not be returned. We are sorry: please show this screen to the store staff.",
    ),
    "error.timeout": ("一定時間操作がなかったため中止しました。", "Cancelled because there was no input for a while."),
    "error.other": ("処理を続けられませんでした。最初からやり直してください。",
                    "This could not be continued. Please start again."),
    # --- out of service ----------------------------------------------------------------------------
    "oos.printer": ("プリンターの不具合のため、ただいまご利用いただけません。",
                    "Out of service because of a printer problem."),
    "oos.payment": ("入金機の不具合のため、ただいまご利用いただけません。",
                    "Out of service because of a problem with the cash machine."),
    "oos.center": ("システムに接続できないため、ただいまご利用いただけません。",
                   "Out of service: the system cannot be reached."),
    "oos.reader": ("カード読取り部の不具合のため、ただいまご利用いただけません。",
                   "Out of service because of a card reader problem."),
    "oos.refund_failed": ("返金処理の不具合のため、ただいまご利用いただけません。",
                          "Out of service because a refund could not be paid."),
    "oos.journal": ("記録装置の不具合のため、ただいまご利用いただけません。",
                    "Out of service because of a storage problem."),
    "oos.remote.maintenance": ("保守作業中のため、ただいまご利用いただけません。",
                               "Out of service for maintenance."),
    "oos.remote.inspection": ("点検中のため、ただいまご利用いただけません。", "Out of service for an inspection."),
    "oos.remote.store_request": ("店舗の都合により、ただいまご利用いただけません。",
                                 "Out of service at the store's request."),
    "oos.other_kiosk": ("恐れ入りますが、他の店舗の端末をご利用ください。", "Sorry for the inconvenience. Please use a kiosk at another store."),
    "oos.staff": ("保守作業中のため、ただいまご利用いただけません。", "Out of service for maintenance."),
    # --- accessibility: step indicator, voice guidance, keypad (issue 14) --------------------------------
    "step.card": ("カード", "Card"),
    "step.pin": ("暗証番号", "PIN"),
    "step.certificate": ("証明書", "Certificate"),
    "step.confirm": ("確認・お支払い", "Check and pay"),
    "step.print": ("印刷", "Printing"),
    "button.listen": ("もう一度聞く", "Listen again"),
    "voice.pin_key": ("数字のボタン", "Number key"),
}


# Texts with a count, in gettext plural forms (ngettext; issue 18: "1 more wrong tries"): key →
# (count placeholder, Japanese, English singular, English plural).  ``MESSAGES`` holds the same key with
# the plural English (the doc table); each catalog holds one form per plural category of its language
# (Babel's CLDR rules: one for ja/zh/ko/vi, two for en, three for pt_BR).  The msgid_plural is the key
# plus ``PLURAL_SUFFIX``.
PLURALS: dict[str, tuple[str, str, str, str]] = {
    "screen.pin.tries": ("tries", "あと{tries}回間違えるとロックされます", "{tries} more wrong try will lock the PIN",
                         "{tries} more wrong tries will lock the PIN"),
}
PLURAL_SUFFIX = ".other"


def text(key: str, language: str = "ja", **values: object) -> str:
    """The text of ``key`` in ``language`` (``ja`` or ``en``; other languages fall back to English).

    :raises KeyError: unknown key (a bug: every key the flow uses is in ``MESSAGES``).
    """
    ja, en = MESSAGES[key]
    if key in PLURALS and values.get(PLURALS[key][0]) == 1:
        en = PLURALS[key][2]
    template = ja if language == "ja" else en
    return template.format(**values) if values else template
