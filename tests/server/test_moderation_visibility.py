"""Moderated public notes on a registered site's post: pending (pre-moderation) or hidden by a
site moderator, a public annotation is seen by its author and the site's moderators alone, and
does not exist for anyone else on any path (the matrix of tests/server/test_visibility.py)."""

from __future__ import annotations

import pytest
from test_visibility import (
    ANONYMOUS_WRITES,
    ENDPOINTS,
    OWNER_WRITES,
    POST,
    QUOTE,
    READER_WRITES,
    SEEN_EVERYWHERE,
    SEEN_NOWHERE,
    TAG,
    WORD,
    WRITES,
)

from postil import db, parse
from postil.store import sites

SITE_ENDPOINTS = {k: v for k, v in ENDPOINTS.items() if k != "query group="}


def _row(base: dict, **over) -> dict:
    return {k: v for k, v in {**base, **over}.items() if k in SITE_ENDPOINTS}


COUNTED = {"popular": "counted"}
# Popular passages count what everyone may see, so a withheld one for nobody.
UNCOUNTED = {"popular": "not counted"}
EXPECTED = {
    ("author", "shown"): _row(SEEN_EVERYWHERE, **OWNER_WRITES, **COUNTED),
    ("author", "pending"): _row(SEEN_EVERYWHERE, **OWNER_WRITES, **UNCOUNTED),
    ("author", "hidden"): _row(SEEN_EVERYWHERE, **OWNER_WRITES, **UNCOUNTED),
    ("site moderator", "shown"): _row(SEEN_EVERYWHERE, **READER_WRITES, **COUNTED),
    ("site moderator", "pending"): _row(SEEN_EVERYWHERE, **READER_WRITES, **UNCOUNTED),
    ("site moderator", "hidden"): _row(SEEN_EVERYWHERE, **READER_WRITES, **UNCOUNTED),
    ("other", "shown"): _row(SEEN_EVERYWHERE, **READER_WRITES, **COUNTED),
    ("other", "pending"): _row(SEEN_NOWHERE),
    ("other", "hidden"): _row(SEEN_NOWHERE),
    ("anonymous", "shown"): _row(SEEN_EVERYWHERE, **ANONYMOUS_WRITES, **COUNTED),
    ("anonymous", "pending"): _row(SEEN_NOWHERE, **ANONYMOUS_WRITES),
    ("anonymous", "hidden"): _row(SEEN_NOWHERE, **ANONYMOUS_WRITES),
}
# As in test_visibility: a test per viewer and state for the reads, one per write.
ROWS = list(EXPECTED)
WRITE_CASES = [(viewer, state, endpoint, row[endpoint])
               for (viewer, state), row in EXPECTED.items() for endpoint in WRITES]


def register_site(app, key: str = POST["site"], moderation: str = "pre", per_hour: int = 0,
                  moderators=("mona",)) -> None:
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.add_site(sites.SHELL, parse.site_body({
            "url": f"https://{key}/", "moderators": list(moderators),
            "policy": {"embed": "signed-in", "moderation": moderation,
                       "public_per_hour": per_hour}}, partial=False))
        db.database.close()


@pytest.fixture
def readers(app, alice, bob, make_user, anon):
    mona = make_user("mona")
    register_site(app)
    return {"author": alice, "site moderator": mona, "other": bob, "anonymous": anon}


def test_the_table_covers_every_endpoint_for_every_viewer():
    for row in EXPECTED.values():
        assert set(row) == set(SITE_ENDPOINTS)


def moderated(client, readers, create, state: str) -> dict:
    """alice's public note on the pre-moderated site, left `state` by the site's moderator."""
    alice, mona = readers["author"], readers["site moderator"]
    made = create(alice, post=POST, visibility="public", note=f"my {WORD} thought",
                  tags=[TAG], selectors=[{"type": "TextQuoteSelector", "exact": QUOTE}])
    assert made["moderation"] == "pending"  # the site pre-moderates
    if state != "pending":
        res = client.post(f"/api/annotations/{made['id']}/moderation", headers=mona.headers,
                          json={"action": "approve" if state == "shown" else "hide"})
        assert res.status_code == 200, res.get_json()
        made = res.get_json()
        assert made.get("moderation") == (None if state == "shown" else "hidden")
    return made


def outcomes(client, readers, viewer, made, endpoints) -> dict[str, str]:
    return {endpoint: SITE_ENDPOINTS[endpoint](client, readers[viewer], made["id"],
                                               made["post"]["id"], readers["author"])
            for endpoint in endpoints}


@pytest.mark.parametrize("viewer, state", ROWS, ids=[f"{v}-{s}" for v, s in ROWS])
def test_moderation_visibility_matrix_reads(client, readers, create, viewer, state):
    made = moderated(client, readers, create, state)
    expected = {e: o for e, o in EXPECTED[(viewer, state)].items() if e not in WRITES}
    assert outcomes(client, readers, viewer, made, expected) == expected


@pytest.mark.parametrize("viewer, state, endpoint, outcome", WRITE_CASES,
                         ids=[f"{v}-{s}-{e}" for v, s, e, _ in WRITE_CASES])
def test_moderation_visibility_matrix_writes(client, readers, create, viewer, state, endpoint,
                                             outcome):
    made = moderated(client, readers, create, state)
    assert outcomes(client, readers, viewer, made, [endpoint]) == {endpoint: outcome}
