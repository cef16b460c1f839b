"""`postil site …` and `postil user operator` as an operator runs them (SQLite; a real subprocess
for each, the rest through the script's entry point in this process): register a site, change
its policy and people, remove it, with what the API then answers."""

from __future__ import annotations

import pytest
from test_cli import in_process_client, postil, postil_in_process

from postil import db


@pytest.fixture
def data(tmp_path):
    for name in ("mona", "mel"):
        postil_in_process(tmp_path, "user", "add", name, "--password-stdin",
                          stdin="long enough pw\n")
    yield tmp_path
    if db.database.obj is not None and not db.database.is_closed():
        db.database.close()


def test_an_operator_registers_and_runs_a_site_from_the_shell(data):
    made = postil(data, "site", "add", "https://www.blog.example/", "--embed", "--name",
                  "The Blog", "--moderator", "mona", "--public-per-hour", "5")
    assert made.stdout.startswith("registered blog.example\tThe Blog")
    assert "origins: https://www.blog.example" in made.stdout
    assert "embed: read-only; moderation: post" in made.stdout

    assert "public notes per user per hour: 5" in made.stdout
    client = in_process_client(data)
    found = client.get("/api/sites/lookup?url=https://www.blog.example/a-post/")
    assert found.status_code == 200
    assert found.get_json()["policy"] == {"embed": "read-only", "moderation": "post",
                                          "public_per_hour": 5}

    postil_in_process(data, "site", "set", "blog.example", "--moderation", "pre", "--origin",
                      "https://blog.example", "--origin", "https://www.blog.example")
    postil_in_process(data, "site", "add-member", "https://blog.example", "mel")
    postil_in_process(data, "site", "remove-moderator", "blog.example", "mona")
    shown = postil_in_process(data, "site", "show", "blog.example").stdout
    assert "origins: https://www.blog.example https://blog.example" in shown
    assert "moderation: pre" in shown
    assert "moderators: (none)" in shown and "members: mel" in shown
    assert postil_in_process(data, "site", "list").stdout.split("\t")[:3] == [
        "blog.example", "embed read-only", "moderation pre"]

    refused = postil_in_process(data, "site", "add", "https://other.example", "--origin",
                                "https://blog.example", check=False)
    assert refused.returncode != 0 and "belongs to the site blog.example" in refused.stderr
    assert postil_in_process(data, "site", "add-member", "blog.example", "nobody",
                             check=False).stderr.strip() == "postil: members no user 'nobody'"
    bad = postil_in_process(data, "site", "add", "ftp://x.example", check=False)
    assert bad.returncode != 0 and "url" in bad.stderr

    postil_in_process(data, "site", "remove", "blog.example")
    assert client.get("/api/sites/lookup?url=https://blog.example/").status_code == 404
    assert postil_in_process(data, "site", "list").stdout == ""
    gone = postil_in_process(data, "site", "show", "blog.example", check=False)
    assert gone.returncode != 0 and "no site 'blog.example'" in gone.stderr


def test_an_operator_account_is_made_and_unmade_from_the_shell(data):
    assert "may manage sites" in postil(data, "user", "operator", "mona").stdout
    client = in_process_client(data)
    token = client.post("/api/tokens", json={"username": "mona", "password": "long enough pw"}
                        ).get_json()["token"]
    mona = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/sites", json={"url": "https://blog.example"},
                       headers=mona).status_code == 201
    postil_in_process(data, "user", "operator", "mona", "--off")
    assert client.get("/api/sites", headers=mona).get_json()["error"]["code"] == \
        "operator_required"
    missing = postil_in_process(data, "user", "operator", "nobody", check=False)
    assert missing.returncode != 0 and "no user 'nobody'" in missing.stderr


def test_the_moderation_log_is_read_from_the_shell(data):
    postil_in_process(data, "site", "add", "https://quiet.example.net/", "--moderator", "mona",
                      "--moderation", "pre")
    client = in_process_client(data)
    token = client.post("/api/tokens", json={"username": "mona",
                                             "password": "long enough pw"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    made = client.post("/api/annotations", headers=headers, json={
        "id": "0a0b0c0d-0000-4000-8000-000000000001", "visibility": "public", "note": "hi",
        "post": {"site": "quiet.example.net", "post_id": 3}}).get_json()
    assert client.post(f"/api/annotations/{made['id']}/moderation", headers=headers,
                       json={"action": "hide", "reason": "test run"}).status_code == 200
    if db.database.obj is not None and not db.database.is_closed():
        db.database.close()
    lines = postil_in_process(data, "site", "moderation-log", "quiet.example.net"
                              ).stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].split("\t")[1:] == ["mona", "hide", made["id"], "mona", "test run"]
    missing = postil_in_process(data, "site", "moderation-log", "nowhere.example", check=False)
    assert missing.returncode != 0 and "nowhere.example" in missing.stderr
