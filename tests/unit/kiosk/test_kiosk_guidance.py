"""Step indicator and spoken prompts (kiosk.flow.guidance): every resident screen says something."""

from __future__ import annotations

from kiosk.flow import State, View
from kiosk.flow.guidance import STEP_KEYS, prompt, repeats, step_of
from kiosk.flow.messages import MESSAGES
from kiosk.ui.i18n import source_messages

RESIDENT = set(State) - {State.SERVICE_LOGIN, State.SERVICE_MENU}


def test_the_steps_are_the_five_of_the_issue_in_order() -> None:
    assert [MESSAGES[k][0] for k in STEP_KEYS] == ["カード", "暗証番号", "証明書", "確認・お支払い", "印刷"]
    assert step_of(State.PLACE_CARD) == 0
    assert step_of(State.PIN) == 1
    assert step_of(State.CERTIFICATE) == 2
    assert step_of(State.PAYMENT) == 3
    assert step_of(State.TAKE_DOCUMENTS) == 4
    assert step_of(State.ATTRACT) is None and step_of(State.ERROR) is None


def test_steps_never_go_backwards_along_the_happy_path() -> None:
    path = [State.PLACE_CARD, State.READING, State.PIN, State.AUTHENTICATING, State.MUNICIPALITY,
            State.CERTIFICATE, State.WHOSE, State.COPIES, State.ORDERING, State.CONFIRM, State.PAYMENT,
            State.ISSUING, State.PRINTING, State.TAKE_CARD, State.TAKE_DOCUMENTS]
    steps = [step_of(s) for s in path]
    assert steps == sorted(steps) and None not in steps


def test_every_resident_screen_has_a_prompt_of_known_keys() -> None:
    keys = source_messages()
    for state in RESIDENT:
        said = prompt(View(state=state, message_key="error.other" if state is State.ERROR else None))
        assert said, state
        assert all(k in keys for k in said), (state, said)
    assert prompt(View(state=State.SERVICE_MENU)) == ()


def test_every_refusal_and_fault_message_is_spoken() -> None:
    faults = [k for k in MESSAGES if k.startswith(("error.", "oos.", "refusal."))]
    assert len(faults) > 10
    for key in faults:
        state = State.OUT_OF_SERVICE if key.startswith("oos.") else State.ERROR
        assert prompt(View(state=state, message_key=key))[0] == key


def test_the_pin_prompt_adds_the_wrong_pin_and_tries_but_never_digits() -> None:
    first = prompt(View(state=State.PIN, pin_digits=3))
    assert first == ("screen.pin",)
    wrong = prompt(View(state=State.PIN, message_key="pin.wrong", tries_left=2))
    assert wrong == ("screen.pin", "pin.wrong", "screen.pin.tries")


def test_money_is_said_after_the_screen_and_only_take_screens_repeat() -> None:
    said = prompt(View(state=State.TAKE_DOCUMENTS, change=100, money_key="money.refunded"))
    assert said == ("screen.take_documents", "screen.take_documents.change", "money.refunded")
    assert {s for s in State if repeats(s)} == {State.TAKE_CARD, State.TAKE_DOCUMENTS}
