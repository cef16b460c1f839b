"""The request log names no invite token: `/api/invites/{token}` is a credential (whoever holds
it joins the group, and the database keeps only its hash), so the log writes the route with
`<token>` in its place, in plain and JSON lines alike. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging

import pytest

from postil import create_app, db


@pytest.mark.parametrize("fmt", ["json", "1"])
def test_an_invite_token_in_the_path_is_not_logged(database_url, make_user, fmt):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SAMPLE": False,
                      "REQUEST_LOG": fmt})
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("postil.requests")
    logger.addHandler(handler)
    try:
        client = app.test_client()
        owner, joiner = make_user("olga"), make_user("jon")
        gid = client.post("/api/groups", headers=owner.headers,
                          json={"name": "Quiet readers"}).get_json()["id"]
        invite = client.post(f"/api/groups/{gid}/invites", headers=owner.headers,
                             json={}).get_json()["token"]
        assert client.get(f"/api/invites/{invite}", headers=joiner.headers).status_code == 200
        assert client.post(f"/api/invites/{invite}/accept",
                           headers=joiner.headers).status_code == 200
        # A wrong one is no more the log's business than a right one.
        client.get("/api/invites/a-guessed-invite-token")
    finally:
        logger.removeHandler(handler)
        db.database.obj.close_all()
    text = out.getvalue()
    assert invite not in text and "a-guessed-invite-token" not in text
    lines = text.splitlines()
    paths = ([json.loads(line)["path"] for line in lines] if fmt == "json"
             else [line.split(" ")[1] for line in lines])
    assert paths[-3:] == ["/api/invites/<token>", "/api/invites/<token>/accept",
                          "/api/invites/<token>"]
    assert paths[0] == "/api/groups"
