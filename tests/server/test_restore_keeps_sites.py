"""`postil restore` refuses a database that holds a registered site, as one that holds users:
an operator who registered their sites on a new server before restoring lost them without a
word (the check looked at users, posts and annotations only). `--force` still replaces it.
On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from test_backup_restore import alice_with_a_token, run_cli, two_databases  # noqa: F401

from postil import db


def site_keys(url: str) -> list[str]:
    database = db.open_database(url)
    with database.connection_context():
        keys = [k for (k,) in database.execute_sql("SELECT key FROM site ORDER BY key")]
    database.close()
    database.close_all()
    return keys


def test_restore_refuses_a_database_holding_only_a_site(two_databases, tmp_path,  # noqa: F811
                                                        monkeypatch, capsys):
    source, target = two_databases
    alice_with_a_token(source)
    run_cli(monkeypatch, source, "backup", str(tmp_path / "alice.backup"))
    run_cli(monkeypatch, target, "db", "upgrade")
    run_cli(monkeypatch, target, "site", "add", "https://precious.example/", "--embed")
    assert site_keys(target) == ["precious.example"]

    with pytest.raises(SystemExit) as refused:
        run_cli(monkeypatch, target, "restore", str(tmp_path / "alice.backup"))
    assert "already holds data; restore over it with --force" in str(refused.value.code)
    assert site_keys(target) == ["precious.example"]  # nothing changed

    run_cli(monkeypatch, target, "restore", "--force", str(tmp_path / "alice.backup"))
    assert site_keys(target) == []
