"""The package's build backend: setuptools' own, with the page scripts built first.

`/embed.js` is served from `server/postil/static/embed.js`, which `scripts/build_extension.py`
joins from the extension's modules and which is not committed. So that a wheel or sdist made from
a clean checkout (`pip wheel .`, `python -m build`, `pip install .`) carries it, every build here
runs that script before setuptools collects the package data. An sdist carries the script and
the modules as well as the built file; where they are absent (a tree that has only the built
file) the file must be there, or the build stops and says why.

pyproject.toml names this module (`build-backend`, `backend-path`); everything else is
setuptools.build_meta's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 — the hooks this module does not change

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "scripts" / "build_extension.py"
EMBED = ROOT / "server" / "postil" / "static" / "embed.js"


def _page_scripts() -> None:
    if BUILD.is_file() and (ROOT / "extension" / "src").is_dir():
        subprocess.run([sys.executable, str(BUILD)], check=True, cwd=ROOT)
    if not EMBED.is_file():
        raise RuntimeError(f"{EMBED} is missing and cannot be built here: build from a checkout "
                           "of the repository (scripts/build_extension.py makes it)")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _page_scripts()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    _page_scripts()
    return _setuptools.build_sdist(sdist_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _page_scripts()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
