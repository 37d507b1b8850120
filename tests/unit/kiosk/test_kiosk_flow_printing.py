"""The printing screen's progress (issue 14): the page coming out and the time left from the printer's
measured rate, never a promise without a rate or after the estimate ran out; and what it says aloud."""

from __future__ import annotations

import math

from fixtures.kiosk_flow import drive

from kiosk.flow import State
from kiosk.flow import events as evt
from kiosk.flow.guidance import prompt
from kiosk.flow.messages import MESSAGES


def test_pages_only_until_a_rate_is_known() -> None:
    k = drive(State.PRINTING)
    v = k.flow.view
    assert (v.title_key, v.page_now) == ("screen.printing.start", 0)
    assert v.print_left_key is None and v.print_left is None
    k.send(evt.PrintProgress(1, 3))  # the runtime has measured nothing yet
    v = k.flow.view
    assert (v.title_key, v.page_now, v.pages_total) == ("printing.page", 2, 3)
    assert v.print_left_key is None and v.print_left is None


def test_time_left_is_the_pages_to_come_at_the_measured_rate_rounded_up() -> None:
    k = drive(State.PRINTING)
    k.send(evt.PrintProgress(1, 3, seconds_per_page=18.0))  # 2 pages × 18 s = 36 s → 「残り約40秒」
    v = k.flow.view
    assert (v.page_now, v.print_left_key, v.print_left) == (2, "printing.left_seconds", 40)
    k.clock.advance(7)  # 29 s left → 30
    assert k.flow.view.print_left == 30
    k.send(evt.PrintProgress(2, 3, seconds_per_page=15.0))  # the last page: 15 s → 20
    v = k.flow.view
    assert (v.page_now, v.print_left_key, v.print_left) == (3, "printing.left_seconds", 20)


def test_more_than_a_minute_is_said_in_whole_minutes_rounded_up() -> None:
    k = drive(State.PRINTING)
    k.send(evt.PrintProgress(1, 10, seconds_per_page=20.0))  # 9 × 20 = 180 s → 3 min
    assert (k.flow.view.print_left_key, k.flow.view.print_left) == ("printing.left_minutes", 3)
    k.clock.advance(1)  # 179 s → still 3 min (ceil)
    assert k.flow.view.print_left == 3
    k.clock.advance(59)  # 120 s → 2 min
    assert k.flow.view.print_left == 2
    k.clock.advance(61)  # 59 s → in seconds again
    assert (k.flow.view.print_left_key, k.flow.view.print_left) == ("printing.left_seconds", 60)


def test_a_printer_slower_than_measured_gets_no_promise() -> None:
    k = drive(State.PRINTING)
    k.send(evt.PrintProgress(1, 2, seconds_per_page=12.0))
    assert k.flow.view.print_left == 20
    k.clock.advance(12.5)  # the estimate ran out and the page is not out yet
    v = k.flow.view
    assert v.print_left_key is None and v.print_left is None and v.page_now == 2


def test_a_nonsense_rate_promises_nothing() -> None:
    for rate in (0.0, -3.0, math.inf, math.nan):
        k = drive(State.PRINTING)
        k.send(evt.PrintProgress(1, 4, seconds_per_page=rate))
        assert k.flow.view.print_left is None, rate


def test_stopping_the_job_withdraws_the_estimate() -> None:
    k = drive(State.PRINTING)
    k.send(evt.PrintProgress(1, 3, seconds_per_page=10.0))
    k.send(evt.CardRemoved())
    v = k.flow.view
    assert v.title_key == "screen.printing.stopped" and v.print_left is None
    assert prompt(v) == ("printing.aborting",)


def test_the_rate_is_forgotten_with_the_transaction() -> None:
    k = drive(State.PRINTING)
    k.send(evt.PrintProgress(1, 1, seconds_per_page=10.0))
    assert k.flow.context.seconds_per_page == 10.0 and k.flow.context.page_at == k.clock.now
    k.send(evt.Printed(1))
    assert k.flow.view.print_left is None  # TAKE_CARD: no time left to show
    k.send(evt.CardRemoved(), evt.DocumentsTaken())
    assert k.state is State.THANK_YOU
    assert k.flow.context.seconds_per_page is None and k.flow.context.page_at == 0.0


def test_printing_speaks_once_then_progress_only_on_request() -> None:
    k = drive(State.PRINTING)
    first = prompt(k.flow.view)
    assert first == ("screen.printing", "printing.stay")
    assert "{" not in MESSAGES["screen.printing"][0]  # said before any count is known: no numbers
    k.send(evt.PrintProgress(1, 3, seconds_per_page=18.0))
    v = k.flow.view
    # The UI speaks again only when the state, language or message changes (kiosk.ui.voice), and a
    # page changes none of them; asked again, the prompt names the page and the time left.
    assert (v.state, v.language, v.message_key) == (State.PRINTING, "ja", None)
    assert prompt(v) == ("printing.page", "printing.left_seconds", "printing.stay")
    k.send(evt.PrintProgress(2, 3))
    assert prompt(k.flow.view)[:2] == ("printing.page", "printing.stay")  # no rate: pages only


def test_the_japanese_reads_as_pages_of_paper() -> None:
    assert MESSAGES["printing.page"][0].format(page=2, pages=3) == "2/3枚目を印刷しています"
    assert MESSAGES["printing.left_seconds"][0].format(left=40) == "残り約40秒"
    assert MESSAGES["printing.left_minutes"][0].format(left=3) == "残り約3分"
