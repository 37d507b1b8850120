"""世帯の一部 (issue 11): the center lists whom a 住民票 may name, and issues one for the chosen members
under its rule (current members of the resident's own household, the resident included)."""

from __future__ import annotations

import uuid
from typing import Any

from fixtures.center import CenterData, CenterProcess, session

from server_stub.client import CenterClient


def _juminhyo(body: dict[str, Any], code: str) -> dict[str, Any]:
    muni = next(m for m in body["municipalities"] if m["code"] == code and m["relation"] == "residence")
    return next(s for s in muni["services"] if s["certificate"] == "juminhyo")


def _order(c: CenterClient, sid: str, code: str, options: dict[str, Any]) -> Any:
    return c.order(sid, code, "juminhyo", options, 1)


def test_members_listed_and_issued(center: CenterProcess, center_data: CenterData) -> None:
    entry, prof = center_data.card("household", exclude=("no-tax-return", "moved-out", "support-measure"))
    household = [e for e in center_data.index if e["household_id"] == entry["household_id"]
                 and e["card"] == f"cards/{e['resident_id']}.json"]
    k = center_data.kiosks[2]
    with center.client(k) as c:
        body = session(c, k, prof)
        service = _juminhyo(body, entry["municipality"])
        listed = {m["id"]: m["name"] for m in service["members"]}
        assert entry["resident_id"] in listed
        for e in household:  # every card holder of the household can be chosen (children have no card)
            assert listed[e["resident_id"]] == e["name"]
        other = next(rid for rid in listed if rid != entry["resident_id"])
        sid = body["session_id"]
        # The rule: the resident must be among the chosen.
        r = _order(c, sid, entry["municipality"], {"scope": "members", "members": [other]})
        assert (r.status, r.error) == (422, "option_not_allowed")
        # Nobody from outside the household.
        stranger = next(e["resident_id"] for e in center_data.index
                        if e["household_id"] != entry["household_id"])
        r = _order(c, sid, entry["municipality"], {"scope": "members",
                                                   "members": [entry["resident_id"], stranger]})
        assert (r.status, r.error) == (422, "option_invalid")
        r = _order(c, sid, entry["municipality"], {"scope": "self", "members": [entry["resident_id"]]})
        assert (r.status, r.error) == (422, "option_invalid")
        chosen = [other, entry["resident_id"]]
        r = _order(c, sid, entry["municipality"], {"scope": "members", "members": chosen})
        assert r.status == 201, r.body
        issued = c.issue(r.body["order_id"], uuid.uuid4().hex, r.body["fee_total"])
        assert issued.status == 200, issued.body
        persons = issued.body["documents"][0]["content"]["body"]["persons"]
        names = sorted(p["name"] for p in persons)
        assert names == sorted(listed[rid] for rid in chosen)
        assert len(persons) < len(listed) or len(listed) == 2
