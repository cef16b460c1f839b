"""docs/export-import.md's examples run as written against a live `postil serve`.

Its HTTP `sh` blocks are one shell session (see doc_examples.py): a Hypothesis import, exports to
files, a backup imported back. Its command-line block then runs as written from the same
directory, which holds the server's `./postil-data` and a `.venv/bin/postil`, as the repository's
root does after `scripts/serve.sh`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from doc_examples import read_doc, run_blocks, sh_blocks


def check_cli_block(block: str, cwd: Path) -> None:
    """Run the doc's `postil export`/`import` lines as written, in a serve.sh-like root."""
    (cwd / ".venv" / "bin").mkdir(parents=True)
    (cwd / ".venv" / "bin" / "postil").symlink_to(Path(sys.executable).with_name("postil"))
    for name in ("vault.zip", "readwise.csv"):
        (cwd / name).unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")}
    env["HOME"] = str(cwd / "home")  # nothing may land in the platform default
    # Not -e: the last line's import exits with 1, as the doc says, for its one bad item.
    run = subprocess.run(["bash", "-uo", "pipefail", "-c", block], capture_output=True, text=True,
                         env=env, timeout=120, cwd=cwd)
    assert "postil:" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stdout + run.stderr
    assert zipfile.ZipFile(cwd / "vault.zip").namelist()
    assert (cwd / "readwise.csv").read_text(encoding="utf-8").startswith("Highlight,")
    assert json.loads((cwd / "theirs.json").read_text(encoding="utf-8"))["annotations"] == []
    summary = json.loads(run.stdout[run.stdout.index("{"):])
    assert summary["unchanged"] == 2 and [f["index"] for f in summary["failed"]] == [2]
    assert not (cwd / "home").exists()


def test_export_and_import_examples_run_as_written(live_server, tmp_path):
    base, password = live_server
    doc = read_doc("docs/export-import.md")
    # The HTTP examples (the command-line block needs the data directory; it runs after them).
    export_blocks = [b for b in sh_blocks(doc) if "postil export" not in b]
    assert len(export_blocks) >= 3, "docs/export-import.md lost its examples"
    out = run_blocks(export_blocks, base, password, tmp_path)

    e = [out[str(i)] for i in range(len(export_blocks))]
    imported = json.loads(e[0].strip().splitlines()[-1])
    assert (imported["format"], imported["created"], imported["unchanged"]) == ("hypothesis", 2, 0)
    assert [f["index"] for f in imported["failed"]] == [2]
    assert "notes in the margin" in (tmp_path / "readwise.csv").read_text(encoding="utf-8")
    assert zipfile.ZipFile(tmp_path / "vault.zip").namelist()
    assert "<script" not in (tmp_path / "notes.html").read_text(encoding="utf-8")
    # Every export example answers an export, not an error the file would hold unnoticed.
    assert "@context" in json.loads((tmp_path / "annotations.jsonld").read_text(encoding="utf-8"))
    assert list(tmp_path.glob("postil-*.md")), "the -OJ export named by the server"
    backup = json.loads(e[-1].strip().splitlines()[-1])
    assert backup["created"] == 0 and backup["unchanged"] >= 1 and backup["failed"] == []

    cli_block = next(b for b in sh_blocks(doc) if "postil export" in b)
    check_cli_block(cli_block, tmp_path)
