"""A wheel built from a clean checkout carries `/embed.js`: the file is built, not committed, and
the package's build backend (tools/pep517/postil_backend.py) runs scripts/build_extension.py
before setuptools collects the package data. The test copies the repository's tracked files only
(no built script among them), builds the wheel with `pip wheel` as a user would, and serves
`/embed.js` from the wheel's own files. Slow (pip sets up an isolated build environment with
setuptools): about half a minute."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMBED = "postil/static/embed.js"

SERVE_EMBED = """
import postil
from postil import create_app
assert postil.__file__.startswith(%(where)r), postil.__file__
app = create_app({"DATABASE_URL": "sqlite:///%(db)s", "TESTING": True, "SAMPLE": False})
response = app.test_client().get("/embed.js")
print(response.status_code, response.mimetype, len(response.get_data()))
"""


def clean_checkout(target: Path) -> None:
    """The files git tracks (a fresh clone's), without anything built."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree, not yet committed
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(source.read_bytes())


def test_a_wheel_built_from_a_clean_checkout_serves_the_embed(tmp_path):
    source = tmp_path / "checkout"
    clean_checkout(source)
    assert not (source / "server" / EMBED).exists()
    out = tmp_path / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = out.glob("postil-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert EMBED in zf.namelist()
        script = zf.read(EMBED)
        zf.extractall(tmp_path / "installed")
    # The modules joined for the embed, as the build makes them from this checkout.
    build = runpy.run_path(str(ROOT / "scripts" / "build_extension.py"))
    assert script.decode() == build["build"](build["EXTENSION"], build["EMBED_ENTRY"],
                                             build["EMBED_SUBSTITUTES"])

    # Served from the wheel's files (ahead of this checkout's on the path).
    installed = tmp_path / "installed"
    served = subprocess.run(
        [sys.executable, "-c", SERVE_EMBED % {"where": str(installed),
                                              "db": tmp_path / "postil.db"}],
        env={**os.environ, "PYTHONPATH": str(installed)}, cwd=tmp_path,
        capture_output=True, text=True, timeout=60)
    assert served.returncode == 0, served.stderr
    assert served.stdout.split() == ["200", "text/javascript", str(len(script))]
