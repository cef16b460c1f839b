"""`postil group …` as an operator runs it (SQLite; one real subprocess, the rest through the
script's entry point in this process): make a group, put people in it, change roles, invite,
take people out and delete it, with what the API then shows."""

from __future__ import annotations

import pytest
from test_cli import in_process_client, postil, postil_in_process

from conftest import annotation_body
from postil import db


@pytest.fixture
def data(tmp_path):
    for name in ("carol", "dan"):
        postil_in_process(tmp_path, "user", "add", name, "--password-stdin",
                          stdin="long enough pw\n")
    yield tmp_path
    if not db.database.is_closed():
        db.database.close()


def headers(client, name) -> dict:
    token = client.post("/api/tokens", json={"username": name, "password": "long enough pw"}
                        ).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_an_operator_runs_a_group_from_the_shell(data):
    made = postil(data, "group", "create", "Night readers", "--owner", "carol",
                  "--description", "We read late.")
    gid = made.stdout.split()[2]
    assert "Night readers" in made.stdout
    postil_in_process(data, "group", "add-member", gid, "dan")
    shown = postil_in_process(data, "group", "show", gid).stdout
    assert "We read late." in shown
    assert [line.split() for line in shown.splitlines()[-2:]] == [["owner", "carol"],
                                                                  ["member", "dan"]]
    assert postil_in_process(data, "group", "list").stdout.split("\t")[:2] == [gid, "2 members"]
    assert "\tmember\t" in postil_in_process(data, "group", "list", "--user", "dan").stdout

    client = in_process_client(data)
    carol, dan = headers(client, "carol"), headers(client, "dan")
    note = client.post("/api/annotations", json=annotation_body(visibility="group", group=gid),
                       headers=carol)
    assert note.status_code == 201
    uid = note.get_json()["id"]
    assert client.get(f"/api/annotations/{uid}", headers=dan).status_code == 200

    postil_in_process(data, "group", "set-role", gid, "dan", "moderator")
    assert "moderator dan" in " ".join(postil_in_process(data, "group", "show", gid).stdout.split())
    last = postil_in_process(data, "group", "remove-member", gid, "carol", check=False)
    assert last.returncode != 0 and "only owner" in last.stderr
    postil_in_process(data, "group", "remove-member", gid, "dan")
    assert client.get(f"/api/annotations/{uid}", headers=dan).status_code == 404

    token = postil_in_process(data, "group", "invite", gid, "--max-uses", "1").stdout.strip()
    assert client.post(f"/api/invites/{token}/accept", headers=dan).status_code == 200
    assert client.post(f"/api/invites/{token}/accept", headers=dan).status_code == 200
    assert client.get(f"/api/annotations/{uid}", headers=dan).status_code == 200

    refused = postil_in_process(data, "group", "delete", gid, stdin="not the id\n", check=False)
    assert refused.returncode != 0 and "nothing was deleted" in refused.stderr
    gone = postil_in_process(data, "group", "delete", gid, "--yes")
    assert "1 annotations went back" in gone.stdout
    kept = client.get(f"/api/annotations/{uid}", headers=carol).get_json()
    assert (kept["visibility"], kept["group"]) == ("private", None)
    assert client.get(f"/api/annotations/{uid}", headers=dan).status_code == 404
    assert postil_in_process(data, "group", "list").stdout == ""


def test_unknown_groups_users_and_bad_limits_are_refused_with_a_reason(data):
    nogroup = postil_in_process(data, "group", "show", "nosuchgroup", check=False)
    assert nogroup.returncode != 0 and "no group 'nosuchgroup'" in nogroup.stderr
    gid = postil_in_process(data, "group", "create", "G", "--owner", "carol").stdout.split()[2]
    nobody = postil_in_process(data, "group", "add-member", gid, "nobody", check=False)
    assert nobody.returncode != 0 and "nobody" in nobody.stderr
    bad = postil_in_process(data, "group", "invite", gid, "--max-uses", "0", check=False)
    assert bad.returncode != 0 and "--max-uses" in bad.stderr
    noowner = postil_in_process(data, "group", "create", "H", "--owner", "nobody", check=False)
    assert noowner.returncode != 0
    badname = postil_in_process(data, "group", "create", " ", "--owner", "carol", check=False)
    assert badname.returncode != 0 and "name" in badname.stderr


def test_a_group_id_never_reads_as_a_command_line_option(monkeypatch):
    from postil.store import groups

    monkeypatch.setattr(groups.secrets, "token_urlsafe", lambda n: "-" + "a" * 11)
    assert groups.new_group_id() == "g" + "a" * 11
