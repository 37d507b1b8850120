"""Transitions of the selection screens: municipality → certificate → whose → members → items →
tax year → copies → confirm (docs/architecture.md step 5; docs/domain.md §1.5-1.7 and §2).

Navigation is data (Electrum's navmap, docs/style.md §1): ``SEQUENCE`` lists the screens after the
certificate and ``_applies`` says which of them this certificate needs; ``Back`` pops a history stack,
so the resident always returns to the screen they actually came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kiosk.flow import services
from kiosk.flow._common import Env, Handler, end, error, go, stay
from kiosk.flow.context import Context, Outcome
from kiosk.flow.effects import CreateOrder, JournalOrder, StartPayment
from kiosk.flow.errors import InvalidChoiceError
from kiosk.flow.events import (
    Back,
    Cancel,
    CardRemoved,
    CertificateChosen,
    Confirm,
    CopiesChosen,
    MembersChosen,
    MunicipalityChosen,
    OptionsChosen,
    TaxYearChosen,
    Timeout,
    WhoseChosen,
)
from kiosk.flow.services import Service
from kiosk.flow.states import State

__all__ = ["SELECT_TABLE", "SEQUENCE", "abandon", "max_copies", "order_options"]

SEQUENCE = (State.WHOSE, State.MEMBERS, State.ITEMS, State.TAX_YEAR, State.COPIES, State.CONFIRM)

_APPLIES: dict[State, Callable[[Service, Context], bool]] = {
    State.WHOSE: lambda s, c: len(s.whose) > 1,
    State.MEMBERS: lambda s, c: c.whose == "members",
    State.ITEMS: lambda s, c: bool(s.options),
    State.TAX_YEAR: lambda s, c: bool(s.tax_years),
    State.COPIES: lambda s, c: True,
    State.CONFIRM: lambda s, c: True,
}


def max_copies(ctx: Context, default: int) -> int:
    """The kiosk's own limit, lowered by the municipality's when it has one."""
    limit = ctx.service.max_copies if ctx.service is not None else None
    return min(default, limit) if limit is not None else default


def order_options(ctx: Context) -> dict[str, object]:
    """The ``options`` object of ``POST /v1/orders`` (docs/kiosk-flow.md "Center data")."""
    assert ctx.service is not None
    return services.order_options(ctx.service, ctx.whose, ctx.members, ctx.items, ctx.tax_year)


def _forward(env: Env, ctx: Context, after: State) -> Outcome:
    """Go to the first screen after ``after`` that this certificate needs, remembering where we were."""
    service = ctx.service
    assert service is not None  # every handler here runs after CERTIFICATE chose one
    start = SEQUENCE.index(after) + 1 if after in SEQUENCE else 0
    nxt = next(s for s in SEQUENCE[start:] if _APPLIES[s](service, ctx))
    return go(env, ctx, nxt, history=(*ctx.history, env.state))


def _back(env: Env, ctx: Context, ev: Back) -> Outcome:
    if not ctx.history:  # MUNICIPALITY is the first screen after the PIN: no way back to the card
        return stay(env, ctx)
    *rest, previous = ctx.history
    # An order priced for the old choice is void once the resident changes it (it was never paid).
    return go(env, ctx, previous, *abandon(ctx), history=tuple(rest), order_id=None, fee_total=None)


def abandon(ctx: Context) -> tuple[JournalOrder, ...]:
    """Journal an unpaid order as abandoned (nothing to refund or void: it was never issued)."""
    if ctx.order_id is None or ctx.paid:
        return ()
    return (JournalOrder(ctx.order_id, "abandoned", amount=ctx.inserted),)


def _municipality(env: Env, ctx: Context, ev: MunicipalityChosen) -> Outcome:
    chosen = next((m for m in ctx.municipalities if m.code == ev.code and m.relation == ev.relation), None)
    if chosen is None or not chosen.available:
        raise InvalidChoiceError("that municipality is not offered to this resident")
    return go(env, ctx, State.CERTIFICATE, municipality=chosen, history=(*ctx.history, env.state))


def _certificate(env: Env, ctx: Context, ev: CertificateChosen) -> Outcome:
    service = ctx.municipality.service(ev.certificate) if ctx.municipality is not None else None
    if service is None or not service.available:
        raise InvalidChoiceError("that certificate is not offered here")
    ctx = replace(ctx, service=service, whose=service.whose[0], whose_chosen=False, members=(),
                  items=frozenset(), tax_year=service.tax_years[0] if service.tax_years else None, copies=1)
    return _forward(env, ctx, State.CERTIFICATE)


def _whose(env: Env, ctx: Context, ev: WhoseChosen) -> Outcome:
    assert ctx.service is not None
    if ev.whose not in ctx.service.whose or (ev.whose == "members" and not ctx.service.members):
        raise InvalidChoiceError("that choice is not offered for this certificate")
    return _forward(env, replace(ctx, whose=ev.whose, whose_chosen=True, members=()), State.WHOSE)


def _members(env: Env, ctx: Context, ev: MembersChosen) -> Outcome:
    assert ctx.service is not None
    known = {m.id for m in ctx.service.members}
    if not ev.member_ids or not set(ev.member_ids) <= known or len(set(ev.member_ids)) != len(ev.member_ids):
        raise InvalidChoiceError("choose one or more of the members shown")
    return _forward(env, replace(ctx, members=tuple(ev.member_ids)), State.MEMBERS)


def _items(env: Env, ctx: Context, ev: OptionsChosen) -> Outcome:
    assert ctx.service is not None
    offered = {o.key for o in ctx.service.options if o.available}
    if not ev.options <= offered:
        raise InvalidChoiceError("an item that is not offered was chosen")
    return _forward(env, replace(ctx, items=frozenset(ev.options)), State.ITEMS)


def _tax_year(env: Env, ctx: Context, ev: TaxYearChosen) -> Outcome:
    assert ctx.service is not None
    if ev.year not in ctx.service.tax_years:
        raise InvalidChoiceError("that tax year is not offered")
    return _forward(env, replace(ctx, tax_year=ev.year), State.TAX_YEAR)


def _copies(env: Env, ctx: Context, ev: CopiesChosen) -> Outcome:
    limit = max_copies(ctx, env.settings.max_copies)
    if not 1 <= ev.copies <= limit:
        raise InvalidChoiceError(f"copies must be 1..{limit}")
    return _forward(env, replace(ctx, copies=ev.copies), State.COPIES)


def _confirm(env: Env, ctx: Context, ev: Confirm) -> Outcome:
    if ctx.order_id is not None and ctx.fee_total is not None:
        # Re-confirmation after the center priced the order differently (see steps_pay._order_created).
        return go(env, ctx, State.PAYMENT, StartPayment(ctx.fee_total), inserted=0)
    assert ctx.service is not None and ctx.municipality is not None and ctx.session_id is not None
    order = CreateOrder(ctx.session_id, ctx.municipality.code, ctx.service.certificate, order_options(ctx),
                        ctx.copies)
    return go(env, ctx, State.ORDERING, order)


def _cancel(env: Env, ctx: Context, ev: Cancel) -> Outcome:
    return end(env, ctx, "cancelled", *abandon(ctx))


def _card_removed(env: Env, ctx: Context, ev: CardRemoved) -> Outcome:
    return error(env, replace(ctx, card_present=False), "card_removed", *abandon(ctx))


def _idle(env: Env, ctx: Context, ev: Timeout) -> Outcome:
    if ev.kind != "idle":
        return stay(env, ctx)
    return error(env, ctx, "timeout", *abandon(ctx))


def _common() -> dict[type, Handler]:
    return {Cancel: _cancel, CardRemoved: _card_removed, Timeout: _idle, Back: _back}


SELECT_TABLE: dict[State, dict[type, Handler]] = {
    State.MUNICIPALITY: {**_common(), MunicipalityChosen: _municipality},
    State.CERTIFICATE: {**_common(), CertificateChosen: _certificate},
    State.WHOSE: {**_common(), WhoseChosen: _whose},
    State.MEMBERS: {**_common(), MembersChosen: _members},
    State.ITEMS: {**_common(), OptionsChosen: _items},
    State.TAX_YEAR: {**_common(), TaxYearChosen: _tax_year},
    State.COPIES: {**_common(), CopiesChosen: _copies},
    State.CONFIRM: {**_common(), Confirm: _confirm},
}
