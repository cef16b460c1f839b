"""`scripts/serve.sh` as the Quick start runs it: another port when 8000 is taken; a password once.

The script is run for real in a copy of the repository's layout whose `.venv` is this test run's
Python, with the two slow steps (pip and the extension build) stubbed: what is checked is what
a person sees on the terminal.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def checkout(tmp_path) -> Path:
    repo = tmp_path / "postil"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "serve.sh", repo / "scripts" / "serve.sh")
    bin_dir = repo / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text("#!/bin/sh\n"
                      "case \"$1\" in -m|scripts/build_extension.py) exit 0;; esac\n"
                      f"exec '{sys.executable}' \"$@\"\n", encoding="utf-8")
    python.chmod(0o755)
    (bin_dir / "postil").symlink_to(Path(sys.executable).with_name("postil"))
    return repo


def quick_start_port_command() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme[readme.index("\n## Quick start\n"):readme.index("\n## Try it\n")]
    command = re.search(r"`(bash scripts/serve\.sh --port \d+)`", quick)
    assert command, "the Quick start no longer says how to serve on another port"
    assert re.search(r"server URL.*options page|options page.*server URL", quick, re.S), \
        "the Quick start no longer says the extension's server URL must match"
    return command.group(1).split()


def run_serve(repo: Path, args: list[str], **popen) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTIL_")}
    env |= {"POSTIL_SAMPLE": "1"}
    return subprocess.Popen(args, cwd=repo, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **popen)


def test_a_taken_port_then_another_one_as_the_quick_start_says(checkout):
    command = quick_start_port_command()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        first = run_serve(checkout, [*command[:-1], str(port)])
        out, err = first.communicate(timeout=60)
    assert first.returncode == 1
    (line,) = err.strip().splitlines()
    assert "in use" in line and "--port" in line and "Traceback" not in err
    assert "Postil" not in out and "http://" not in out
    # The first start made the user and printed its password.
    password = re.search(r"password: (\S+)", out).group(1)
    assert password in (checkout / "postil-data" / "first-user.txt").read_text()

    port = free_port()
    second = run_serve(checkout, [*command[:-1], str(port)])
    try:
        shown = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            shown.append(second.stdout.readline())
            if shown[-1].startswith("Postil"):
                break
            assert second.poll() is None, "".join(shown) + second.stderr.read()
        assert f"on http://127.0.0.1:{port}/" in shown[-1]
        text = "".join(shown)
        assert password not in text  # printed once: on the start that made the user
        assert "first-user.txt" in text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as res:
            assert "Postil" in res.read().decode()
    finally:
        second.terminate()
        second.wait(timeout=10)
        second.stdout.close()
        second.stderr.close()
