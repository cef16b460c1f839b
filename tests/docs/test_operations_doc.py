"""docs/operations.md's backup and restore examples run as written, beside a live `postil serve`.

The directory holds the server's `./postil-data` and a `.venv/bin/postil`, as the repository's
root does after `scripts/serve.sh`; the backup is taken while the server runs.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from doc_examples import read_doc, sh_blocks


def test_the_backup_and_restore_examples_run_as_written(live_server, tmp_path):
    blocks = sh_blocks(read_doc("docs/operations.md"))
    assert [("postil backup" in b, "postil restore" in b) for b in blocks] == [
        (True, False), (False, True)], "docs/operations.md lost its examples"
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "postil").symlink_to(Path(sys.executable).with_name("postil"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")}
    env["HOME"] = str(tmp_path / "home")  # nothing may land in the platform default
    said = []
    for block in blocks:
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", block], capture_output=True,
                             text=True, env=env, timeout=120, cwd=tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        said.append(run.stdout)
    assert said[0].startswith("backed up ") and said[0].rstrip().endswith(
        "postil-backup.db: 1 users, 0 annotations, 0 posts")
    assert said[1] == ("restored postil-backup.db into restored/postil.db: 1 users, "
                       "0 annotations, 0 posts\n")
    with sqlite3.connect(tmp_path / "restored" / "postil.db") as conn:
        assert conn.execute('SELECT name FROM "user"').fetchall() == [("reader",)]
    assert not (tmp_path / "home").exists()
