"""`postil user delete NAME`: the operator's way to delete an account, as DELETE /api/me does.

On a temporary POSTIL_DATA_DIR (SQLite), through the script's entry point in this process and,
for the prompt, a real subprocess; the annotations are made and read back through the API
in-process.
"""

from __future__ import annotations

import pytest
from test_cli import (
    close_db,  # noqa: F401 - a fixture
    in_process_client,
    postil,
    postil_in_process,
)

from conftest import annotation_body


@pytest.fixture
def carol(tmp_path, close_db):  # noqa: F811 - the fixture imported above
    postil_in_process(tmp_path, "user", "add", "carol", "--password-stdin",
                      stdin="long enough pw\n")
    token = postil_in_process(tmp_path, "token", "create", "carol").stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    client = in_process_client(tmp_path)
    made = {}
    for visibility in ("private", "public"):
        res = client.post("/api/annotations", headers=headers,
                          json=annotation_body(visibility=visibility, note=f"{visibility} note"))
        assert res.status_code == 201
        made[visibility] = res.get_json()["id"]
    return client, headers, made


@pytest.mark.parametrize("choice", ["delete", "anonymise"])
def test_user_delete_removes_the_account_and_does_with_public_ones_what_was_chosen(
        tmp_path, carol, choice):
    client, headers, made = carol
    done = postil_in_process(tmp_path, "user", "delete", "carol", "--public-annotations", choice,
                             "--yes")
    assert "deleted user carol" in done.stdout
    assert "1 private annotations deleted" in done.stdout
    assert client.get("/api/me", headers=headers).status_code == 401
    assert client.get(f"/api/annotations/{made['private']}").status_code == 404
    public = client.get(f"/api/annotations/{made['public']}")
    if choice == "delete":
        assert public.status_code == 404
    else:
        assert public.status_code == 200
        assert public.get_json()["user"] is None
        assert public.get_json()["note"] == "public note"
    again = postil_in_process(tmp_path, "user", "delete", "carol", "--public-annotations", choice,
                              "--yes", check=False)
    assert again.returncode != 0 and "no user 'carol'" in again.stderr


def test_user_delete_asks_for_the_name_and_does_nothing_without_it(tmp_path, carol):
    client, headers, made = carol
    refused = postil_in_process(tmp_path, "user", "delete", "carol", "--public-annotations",
                                "delete", stdin="yes\n", check=False)
    assert refused.returncode != 0 and "nothing was deleted" in refused.stderr
    assert "1 private annotations are deleted, 1 public ones deleted" in refused.stderr
    assert client.get("/api/me", headers=headers).status_code == 200
    confirmed = postil(tmp_path, "user", "delete", "carol", "--public-annotations", "delete",
                       stdin="carol\n")
    assert "deleted user carol" in confirmed.stdout
    assert client.get("/api/me", headers=headers).status_code == 401


def test_user_delete_needs_a_choice_for_public_annotations(tmp_path, carol):
    client, headers, _ = carol
    missing = postil_in_process(tmp_path, "user", "delete", "carol", "--yes", check=False)
    assert missing.returncode != 0 and "--public-annotations" in missing.stderr
    assert client.get("/api/me", headers=headers).status_code == 200


def test_the_anonymous_author_is_no_user_to_act_as(tmp_path, carol):
    postil_in_process(tmp_path, "user", "delete", "carol", "--public-annotations", "anonymise",
                      "--yes")
    for args in (["token", "create", "(anonymous)"],
                 ["user", "delete", "(anonymous)", "--public-annotations", "delete", "--yes"]):
        refused = postil_in_process(tmp_path, *args, check=False)
        assert refused.returncode != 0 and "no user '(anonymous)'" in refused.stderr
