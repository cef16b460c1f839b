"""The W3C container answers every origin, so a registered site's page could write through it
where the site's policy refuses the same write to /api: it is held to the same policy."""

from __future__ import annotations

from test_w3c_protocol import ALL, NS, doc, ld

from postil import db, parse
from postil.store import sites

MEMBERS = "https://members.example"
READ_ONLY = "https://reading.example"


def _register(app, url: str, embed: str) -> None:
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        sites.add_site(sites.SHELL, parse.site_body({"url": url, "policy": {"embed": embed}},
                                                    partial=False))
        db.database.close()


def test_a_w3c_write_from_a_members_only_sites_page_is_refused_to_non_members(app, client,
                                                                              bob):
    _register(app, MEMBERS, "members")
    note = doc()
    note["target"]["source"] = f"{MEMBERS}/a-post/"
    note["target"][NS + "post"] = {NS + "site": "members.example", NS + "postId": 3}
    note[NS + "visibility"] = "public"
    # The same write to /api/annotations is 403 site_members_only; /w3c/ answers every origin.
    res = client.post(ALL, json=note, headers={**ld(bob), "Origin": MEMBERS})
    assert res.status_code == 403
