"""Running the documentation's shell examples as written, for the tests in tests/docs/.

A doc's `sh` blocks are one shell session, run in order against a live `postil serve` (the
`live_server` fixture in conftest.py). Only the host and port are swapped for a free one, and
files the examples write go to the test's directory, which holds the server's `./postil-data`
as the repository's root does after `scripts/serve.sh`.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def read_doc(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def run_blocks(blocks: list[str], base: str, password: str, cwd: Path) -> dict[str, str]:
    """Run the blocks as one bash session; return each block's output by its index as text."""
    script = "\n".join(f"echo '@@block {i}'\n{b}" for i, b in enumerate(blocks))
    host_port = base.removeprefix("http://")
    script = script.replace("127.0.0.1:8000", host_port).replace("/tmp/post.json",
                                                                 str(cwd / "post.json"))
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True,
                         text=True, env=dict(os.environ, PASSWORD=password), timeout=120,
                         cwd=cwd)
    assert run.returncode == 0, run.stdout + run.stderr
    return dict(re.findall(r"@@block (\d+)\n(.*?)(?=@@block |\Z)", run.stdout, re.S))
