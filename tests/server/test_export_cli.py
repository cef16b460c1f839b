"""`postil export` and `postil import` on a SQLite database from the environment."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from postil import cli

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def server_env(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTIL_DATABASE_URL", f"sqlite:///{tmp_path / 'postil.db'}")
    monkeypatch.setenv("POSTIL_SAMPLE", "0")
    for name in ("alice", "bob"):
        monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
        assert cli.main(["user", "add", name, "--password-stdin"]) == 0
    return tmp_path


def test_import_then_export_round_trips(server_env, capsys):
    fixture = GOLDEN / "fixture.json"
    assert cli.main(["import", str(fixture), "--user", "alice"]) == 0
    assert json.loads(capsys.readouterr().out) == {"format": "json", "created": 4,
                                                   "unchanged": 0, "failed": []}
    assert cli.main(["import", str(fixture), "--user", "alice"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 4

    out = server_env / "out.json"
    assert cli.main(["export", "--user", "alice", "--format", "json", "-o", str(out)]) == 0
    exported = json.loads(out.read_text())["annotations"]
    original = json.loads(fixture.read_text())["annotations"]
    # In the export's order (by post), not the file's: the same annotations, the same notes.
    assert {a["id"]: a["note"] for a in exported} == {a["id"]: a["note"] for a in original}
    assert len(exported) == len(original)


def test_export_filters_and_formats(server_env, capsys):
    cli.main(["import", str(GOLDEN / "fixture.json"), "--user", "alice"])
    out = server_env / "pink.csv"
    assert cli.main(["export", "--user", "alice", "--format", "csv", "--flavor", "readwise",
                     "--color", "pink", "-o", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("Highlight,Title") and len(lines) == 2
    zipped = server_env / "vault.zip"
    assert cli.main(["export", "--user", "alice", "--format", "zip", "--tag", "history",
                     "-o", str(zipped)]) == 0
    names = zipfile.ZipFile(io.BytesIO(zipped.read_bytes())).namelist()
    assert names == ["Postil/On margins a short history part 1.md"]


def test_export_of_another_users_private_annotations_is_empty(server_env, capsys):
    cli.main(["import", str(GOLDEN / "fixture.json"), "--user", "alice"])
    out = server_env / "bob.json"
    assert cli.main(["export", "--user", "bob", "--author", "alice", "--format", "json",
                     "-o", str(out)]) == 0
    visible = json.loads(out.read_text())["annotations"]
    assert [a["visibility"] for a in visible] == ["public"]


def test_bad_input_exits_with_a_message(server_env, capsys):
    with pytest.raises(SystemExit, match="color must be one of"):
        cli.main(["export", "--user", "alice", "--format", "json", "--color", "mauve",
                  "-o", "-"])
    with pytest.raises(SystemExit, match="no user 'carol'"):
        cli.main(["export", "--user", "carol", "--format", "json", "-o", "-"])
    bad = server_env / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(SystemExit, match="cannot read"):
        cli.main(["import", str(bad), "--user", "alice"])
    bad.write_text('{"hello": 1}')
    with pytest.raises(SystemExit, match="not an annotation export"):
        cli.main(["import", str(bad), "--user", "alice"])


def test_import_reports_failures_with_a_nonzero_exit(server_env, capsys):
    path = server_env / "mixed.json"
    doc = json.loads((GOLDEN / "fixture.json").read_text())
    doc["annotations"][1]["color"] = "mauve"
    path.write_text(json.dumps(doc))
    assert cli.main(["import", str(path), "--user", "alice"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["created"] == 3 and summary["failed"][0]["index"] == 1


def test_import_of_a_malformed_file_exits_with_a_message_or_reports_the_item(server_env,
                                                                               capsys):
    broken = server_env / "broken.jsonld"
    broken.write_text(json.dumps({"@context": "http://www.w3.org/ns/anno.jsonld", "@graph": 5}))
    with pytest.raises(SystemExit, match="@graph must be a list"):
        cli.main(["import", str(broken), "--user", "alice"])
    odd = server_env / "odd.json"
    odd.write_text(json.dumps({"export_date": "2026-01-01T00:00:00Z", "annotations": [
        {"uri": "https://a.example/", "target": 5}]}))
    assert cli.main(["import", str(odd), "--user", "alice"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["created"] == 0 and "target" in summary["failed"][0]["error"]


def test_export_of_one_group(server_env, capsys):
    cli.main(["import", str(GOLDEN / "fixture.json"), "--user", "alice"])
    capsys.readouterr()
    assert cli.main(["group", "create", "Readers", "--owner", "alice"]) == 0
    gid = capsys.readouterr().out.split()[2]
    assert cli.main(["group", "add-member", gid, "bob"]) == 0
    doc = {"format": "postil-export", "annotations": [{
        "id": "0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d", "visibility": "group", "group": gid,
        "note": "for the readers", "post": {"site": "blog.example.org", "post_id": 9}}]}
    (server_env / "group.json").write_text(json.dumps(doc))
    assert cli.main(["import", str(server_env / "group.json"), "--user", "alice"]) == 0
    out = server_env / "group-out.json"
    assert cli.main(["export", "--user", "bob", "--author", "alice", "--format", "json",
                     "--group", gid, "-o", str(out)]) == 0
    exported = json.loads(out.read_text())["annotations"]
    assert [(a["note"], a["group_name"]) for a in exported] == [("for the readers", "Readers")]
