"""A smartphone at the kiosk (issue 11): the PIN before the certificate; a phone taken away = a card."""

from __future__ import annotations

from fixtures.kiosk_flow import CERT, PIN, Kiosk, municipalities

from kiosk.flow import State
from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.codes import error_key
from kiosk.flow.messages import MESSAGES


def _phone_at_pin(k: Kiosk) -> None:
    k.to_place_card()
    k.send(evt.CardInserted())
    assert k.state is State.READING and k.of(fx.ReadCard)
    # The token (or the adapter that read its label) refuses the certificate before the PIN.
    k.send(evt.DeviceFault("card", "card_pin_required"))
    assert k.state is State.PIN and k.flow.view.message_key is None


def test_phone_pin_first_then_certificate_then_authenticate() -> None:
    k = Kiosk()
    _phone_at_pin(k)
    for d in PIN:
        k.send(evt.PinDigit(d))
    k.send(evt.PinSubmitted())
    assert k.state is State.AUTHENTICATING and k.of(fx.VerifyPin)[-1].pin == PIN
    reads = len(k.of(fx.ReadCard))
    k.send(evt.PinResult(True, 3))
    assert len(k.of(fx.ReadCard)) == reads + 1  # the certificate is read only now
    assert not k.of(fx.Authenticate)
    k.send(evt.CardRead(CERT, 3))
    assert k.of(fx.Authenticate)[-1].certificate == CERT
    k.send(evt.Authenticated("sess-1", municipalities()))
    assert k.state is State.MUNICIPALITY


def test_phone_wrong_pin_keeps_asking_then_locks() -> None:
    k = Kiosk()
    _phone_at_pin(k)
    k.send(evt.PinSubmitted("0000"), evt.PinResult(False, 2))
    assert k.state is State.PIN and k.flow.view.tries_left == 2 and not k.of(fx.Authenticate)
    k.send(evt.PinSubmitted("0000"), evt.PinResult(False, 0))
    assert k.state is State.PIN_LOCKED


def test_phone_taken_away_mid_read_is_card_removed() -> None:
    for when in ("pin", "after_pin"):
        k = Kiosk()
        _phone_at_pin(k)
        if when == "after_pin":
            k.send(evt.PinSubmitted(PIN), evt.PinResult(True, 3))
            assert k.state is State.AUTHENTICATING
        k.send(evt.CardRemoved())
        assert (k.state, k.flow.view.message_key) == (State.ERROR, "error.card_removed")


def test_phone_still_refusing_after_pin_is_an_error_not_a_loop() -> None:
    k = Kiosk()
    _phone_at_pin(k)
    k.send(evt.PinSubmitted(PIN), evt.PinResult(True, 3))
    k.send(evt.DeviceFault("card", "card_pin_required"))
    assert (k.state, k.flow.view.message_key) == (State.ERROR, "error.card_unreadable")


def test_place_card_invites_card_or_smartphone() -> None:
    ja, en = MESSAGES["screen.place_card"]
    assert "スマートフォン" in ja and "マイナンバーカード" in ja
    assert "smartphone" in en and "My Number Card" in en


def test_new_center_codes_have_kiosk_messages() -> None:
    assert error_key("ca_expired") == "error.certificate_expired"
    assert error_key("key_algorithm_unsupported") == "error.certificate_invalid"
    assert error_key("signature_format") == "error.signature_invalid"


def test_token_errors_reach_the_flow_as_typed_codes() -> None:
    from card import errors as ce
    from kiosk.adapters.card import card_fault

    assert card_fault(ce.UnknownTokenError("JPKIAPODDTOKEN")) == "card_unsupported"
    assert card_fault(ce.UnsupportedTokenError("JPKIAPIOSTOKEN", "iphone")) == "card_unsupported"
    assert card_fault(ce.KeyAlgorithmError("EC key on secp256r1")) == "card_unsupported"
    assert card_fault(ce.SignatureFormatError("DER")) == "card_unsupported"
    assert card_fault(ce.SecurityStatusError(0x6982)) == "card_pin_required"
    assert error_key("card_unsupported") == "error.card_unsupported"
