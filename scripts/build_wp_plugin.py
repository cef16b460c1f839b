"""Package the WordPress plugin: dist/postil-wordpress-plugin.zip, from wordpress-plugin/postil/.

The zip is what WordPress's *Plugins → Add New → Upload Plugin* takes: one folder, `postil/`,
holding the plugin's main file (`postil.php`, with the plugin header), `readme.txt` in
WordPress's own format and `uninstall.php`. The version in the plugin header and the readme's
`Stable tag` is written from `postil.__version__` (server/postil/__init__.py), the one version of
the server, the extension and the plugin. The zip is the same bytes for the same sources (fixed
times and order), so a rebuild changes nothing.

Usage: python3 scripts/build_wp_plugin.py [--out DIR]   (default: dist/ in the repository)
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "wordpress-plugin" / "postil"
VERSION_FILE = ROOT / "server" / "postil" / "__init__.py"
NAME = "postil-wordpress-plugin.zip"
# Every file the plugin is made of; anything else in the folder stays out.
FILES = ("postil.php", "readme.txt", "uninstall.php")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)

VERSION_LINES = {
    "postil.php": re.compile(r"^( \* Version:\s*).*$", re.M),
    "readme.txt": re.compile(r"^(Stable tag:\s*).*$", re.M),
}


def version() -> str:
    found = re.search(r'^__version__ = "([^"]+)"$', VERSION_FILE.read_text(encoding="utf-8"), re.M)
    if not found:
        raise SystemExit(f"build_wp_plugin: no __version__ in {VERSION_FILE}")
    return found.group(1)


def contents(name: str, current: str) -> bytes:
    text = (PLUGIN / name).read_text(encoding="utf-8")
    pattern = VERSION_LINES.get(name)
    if pattern:
        text, found = pattern.subn(lambda m: m.group(1) + current, text)
        if found != 1:
            raise SystemExit(f"build_wp_plugin: no version line in {name}")
    return text.encode("utf-8")


def build(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    target = out / NAME
    partial = target.with_name(f".{NAME}.partial")
    current = version()
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        folder = zipfile.ZipInfo("postil/", FIXED_TIME)
        folder.external_attr = (0o40755 << 16) | 0x10
        zf.writestr(folder, b"")
        for name in FILES:
            info = zipfile.ZipInfo(f"postil/{name}", FIXED_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, contents(name, current))
    partial.replace(target)
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    print(build(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
