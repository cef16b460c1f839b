"""docs/api.md's examples run as written against a live `postil serve`.

Its `sh` blocks are one shell session (see doc_examples.py): sign in with the password
`serve.sh` kept, write a public annotation on the sample blog's post 101 (served by the same
server), read, change and query it, sync, posts, sign out, a group and an annotation in it, and
download everything. The test
checks what a reader would see at each step.
"""

from __future__ import annotations

import json

from doc_examples import read_doc, run_blocks, sh_blocks


def test_api_examples_run_as_written(live_server, tmp_path):
    base, password = live_server
    blocks = sh_blocks(read_doc("docs/api.md"))
    assert len(blocks) >= 5, "docs/api.md lost its examples"
    # The first block reads the password from ./postil-data as written; the one in the
    # environment must not be what signs in.
    out = run_blocks(blocks, base, "not-the-password", tmp_path)

    me_line = out["0"].strip().splitlines()[-1]
    assert json.loads(me_line)["user"]["name"] == "reader"

    created = json.loads(out["1"])
    # The sample blog's post, served by this very server: no outside site is written about.
    assert created["post"]["site"] == base.removeprefix("http://") + "/sample"
    assert created["post"]["post_id"] == 101 and created["visibility"] == "public"
    assert created["note_html"] == "<p>The <strong>calm</strong> is a matter of timing.</p>"

    lines = out["2"].strip().splitlines()
    assert lines[0].lower().startswith("etag:") and '"1"' in lines[0]
    patched = json.loads(lines[1])
    assert patched["version"] == 2 and patched["tags"] == ["tides", "timing"]
    by_post, by_shortlink, by_text, count = (json.loads(line) for line in lines[2:6])
    assert [a["id"] for a in by_post["items"]] == [created["id"]]
    # The post's ?p= shortlink finds it, though the annotation was made at its permalink.
    assert [a["id"] for a in by_shortlink["items"]] == [created["id"]]
    assert by_text["total"] == 1
    assert count == {"total": 1, "items": [], "next_cursor": None}

    synced = json.loads(out["3"])
    assert synced["items"][0]["version"] == 2

    posts = out["4"].strip().splitlines()
    assert json.loads(posts[0])["items"][0]["annotation_count"] == 1
    assert json.loads(posts[1])["items"][0]["count"] == 1
    registered = json.loads(posts[2])
    assert registered["registered"] is True and registered["post_id"] == 101

    assert out["5"].split() == ["204", "204"]

    # Signed in again as "curl": the list shows this session as the current one, then every
    # other session ends and the password is changed (to the same one).
    listed, *codes = out["6"].strip().splitlines()
    sessions = json.loads(listed)["items"]
    assert [s["label"] for s in sessions if s["current"]] == ["curl"]
    assert codes == ["204", "204"]

    # A group: its invite works, the group annotation carries the group's name, the query by
    # group finds it, and its maker is its owner.
    invited, made, by_group, members = out["7"].strip().splitlines()
    assert invited == "active 10" and made == "group Tide readers"
    assert json.loads(by_group)["total"] == 1
    assert [(m["user"], m["role"]) for m in json.loads(members)["items"]] == [("reader", "owner")]

    listing = out["8"]
    for member in ("profile.json", "posts.json", "annotations/json.json",
                   "annotations/jsonld.jsonld", "annotations/csv-readwise.csv"):
        assert f"/{member}" in listing

    # Followed live with a one-use ticket: the private annotation made meanwhile came, to its
    # author, as one event.
    assert out["9"].split("\n")[:2] == ["event: annotation", "Heard live."]
