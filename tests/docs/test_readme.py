"""The README's API examples run as written against a live `postil serve`.

The `sh` blocks of the README's "HTTP API" section, then those of its W3C section, are one shell
session; this test runs them in order (only the host and port are swapped for a free one, and
files go to a temporary directory) and checks what a reader would see. The export section's
command-line block then runs as written from that directory, which holds the server's
`./postil-data` and a `.venv/bin/postil`, as the repository's root does after `scripts/serve.sh`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start: end if end > 0 else None]


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(tmp_path):
    port = free_port()
    env = dict(os.environ, POSTIL_DATA_DIR=str(tmp_path / "postil-data"), POSTIL_CORS_ORIGINS="")
    env.pop("POSTIL_DATABASE_URL", None)
    cli = [sys.executable, "-m", "postil.cli"]
    subprocess.run([*cli, "user", "add", "reader", "--password-stdin"], input="tea-and-margins\n",
                   text=True, env=env, check=True, capture_output=True)
    proc = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"postil serve did not start: {proc.stdout.read()}")
    yield f"http://127.0.0.1:{port}", "tea-and-margins"
    proc.terminate()
    proc.wait(timeout=10)


W3C_HEADING = "W3C Web Annotation: the Data Model and the Annotation Protocol"


def run_blocks(blocks: list[str], base: str, password: str, cwd: Path) -> dict[str, str]:
    script = "\n".join(f"echo '@@block {i}'\n{b}" for i, b in enumerate(blocks))
    script = script.replace("http://127.0.0.1:8000", base).replace("/tmp/post.json",
                                                                   str(cwd / "post.json"))
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True,
                         text=True, env=dict(os.environ, PASSWORD=password), timeout=120,
                         cwd=cwd)
    assert run.returncode == 0, run.stdout + run.stderr
    return dict(re.findall(r"@@block (\d+)\n(.*?)(?=@@block |\Z)", run.stdout, re.S))


def check_cli_block(block: str, cwd: Path) -> None:
    """Run the README's `postil export`/`import` lines as written, in a serve.sh-like root."""
    (cwd / ".venv" / "bin").mkdir(parents=True)
    (cwd / ".venv" / "bin" / "postil").symlink_to(Path(sys.executable).with_name("postil"))
    for name in ("vault.zip", "readwise.csv"):
        (cwd / name).unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")}
    env["HOME"] = str(cwd / "home")  # nothing may land in the platform default
    # Not -e: the last line's import exits with 1, as the README says, for its one bad item.
    run = subprocess.run(["bash", "-uo", "pipefail", "-c", block], capture_output=True, text=True,
                         env=env, timeout=120, cwd=cwd)
    assert "postil:" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stdout + run.stderr
    assert zipfile.ZipFile(cwd / "vault.zip").namelist()
    assert (cwd / "readwise.csv").read_text(encoding="utf-8").startswith("Highlight,")
    assert json.loads((cwd / "theirs.json").read_text(encoding="utf-8"))["annotations"] == []
    summary = json.loads(run.stdout[run.stdout.index("{"):])
    assert summary["unchanged"] == 1 and [f["index"] for f in summary["failed"]] == [1]
    assert not (cwd / "home").exists()


def test_readme_api_examples_run_as_written(live_server, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    base, password = live_server
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = sh_blocks(section(readme, "HTTP API"))
    assert len(blocks) >= 5, "the README's HTTP API section lost its examples"
    # The export section's HTTP examples (its last block is the CLI, which needs the data dir).
    export_blocks = [b for b in sh_blocks(section(readme, "Export and import"))
                     if "postil export" not in b]
    assert len(export_blocks) >= 3, "the README's export section lost its examples"
    w3c_blocks = sh_blocks(section(readme, W3C_HEADING))
    assert len(w3c_blocks) >= 5, "the README's W3C section lost its examples"
    out = run_blocks(blocks + export_blocks + w3c_blocks, base, password, tmp_path)

    me_line = out["0"].strip().splitlines()[-1]
    assert json.loads(me_line)["user"]["name"] == "reader"

    created = json.loads(out["1"])
    assert created["post"]["site"] == "d3.harvard.edu/future-proof-with-ai"
    assert created["note_html"] == "<p>The <strong>diffusion</strong> argument, in one line.</p>"

    lines = out["2"].strip().splitlines()
    assert lines[0].lower().startswith("etag:") and '"1"' in lines[0]
    patched = json.loads(lines[1])
    assert patched["version"] == 2 and patched["tags"] == ["china", "diffusion"]
    by_post, by_text, count = (json.loads(line) for line in lines[2:5])
    assert [a["id"] for a in by_post["items"]] == [created["id"]]
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

    # The export section: a Hypothesis import, exports to files, a backup imported back.
    e = [out[str(i)] for i in range(len(blocks), len(blocks) + len(export_blocks))]
    imported = json.loads(e[0].strip().splitlines()[-1])
    assert (imported["format"], imported["created"], imported["unchanged"]) == ("hypothesis", 1, 0)
    assert [f["index"] for f in imported["failed"]] == [1]
    assert "notes in the margin" in (tmp_path / "readwise.csv").read_text(encoding="utf-8")
    assert zipfile.ZipFile(tmp_path / "vault.zip").namelist()
    assert "<script" not in (tmp_path / "notes.html").read_text(encoding="utf-8")
    assert list(tmp_path.glob("postil-*.md")), "the -OJ export named by the server"
    backup = json.loads(e[-1].strip().splitlines()[-1])
    assert backup["created"] == 0 and backup["unchanged"] >= 1 and backup["failed"] == []
    cli_block = next(b for b in sh_blocks(section(readme, "Export and import"))
                     if "postil export" in b)
    check_cli_block(cli_block, tmp_path)

    # The W3C section, in order: create, read, replace, containers, delete.
    start = len(blocks) + len(export_blocks)
    w = [out[str(i)] for i in range(start, start + len(w3c_blocks))]
    create, read, replace, containers, delete = w[0], w[1], w[2], w[3], w[-1]
    assert "HTTP/1.1 201" in create and '"postil-blue"' in create
    assert read.count("HTTP/1.1 200") == 3 and "HTTP/1.1 406" in read
    assert '"w3c":"' in read.replace(" ", "")
    assert "HTTP/1.1 200" in replace and 'etag: "2"' in replace.lower()
    first, *_ = containers.strip().splitlines()
    assert json.loads(first)["total"] >= 1
    assert "HTTP/1.1 204" in delete
