"""Package the extension for Chromium and Firefox: dist/postil-chromium-VERSION.zip and
dist/postil-firefox-VERSION.zip, made by Mozilla's `web-ext build` (from tools/web-ext/).

First the page script is built (scripts/build_extension.py). Then each browser's folder under
dist/ (dist/chromium/, dist/firefox/, what the zips hold) is filled with only what the extension
loads: the files the manifest names, and from there every file an extension page, stylesheet or
module refers to (`src=`/`href=`, `url()`, `import … from "./…"`, `extensionUrl("…")`), nothing
else. So the content modules the build joined into build/content.js stay out, except those the
note editor's frame imports itself.

extension/manifest.json is the one source manifest; it carries the keys of both browsers, as the
unpacked folder must for the tests to load it in either. Each package gets its own browser's
keys only (Chromium: `background.service_worker`; Firefox: `background.scripts` and
`browser_specific_settings`), and the version of the server, `postil.__version__`
(server/postil/__init__.py, which pyproject.toml reads as well): one version for all three.

Usage: python3 scripts/package_extension.py [--out DIR]   (default: dist/ in the repository)
"""

from __future__ import annotations

import argparse
import copy
import json
import posixpath
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
TOOLS = ROOT / "tools" / "web-ext"
VERSION_FILE = ROOT / "server" / "postil" / "__init__.py"
BROWSERS = ("chromium", "firefox")

# References from one packaged file to another, by the kind of file holding them.
HTML_REF = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"'#?]+)""")
CSS_REF = re.compile(r"""url\(\s*["']?([^"')#?]+)|@import\s+["']([^"']+)""")
JS_MODULE_REF = re.compile(r"""(?:\bfrom|^\s*import)\s*["'](\.{1,2}/[^"']+)["']""", re.M)
# Paths from the extension's root, handed to runtime.getURL (the pages the code opens).
JS_ROOT_REF = re.compile(r"""\b(?:extensionUrl|getURL)\(\s*["']([^"']+)["']""")


class PackageError(Exception):
    pass


def version() -> str:
    found = re.search(r'^__version__ = "([^"]+)"$', VERSION_FILE.read_text(encoding="utf-8"), re.M)
    if not found:
        raise PackageError(f"no __version__ = \"…\" line in {VERSION_FILE}")
    return found.group(1)


def manifest_files(manifest: dict) -> list[str]:
    """Every file the manifest names, as paths from the extension's root."""
    named: list[str] = []
    named += manifest.get("icons", {}).values()
    background = manifest.get("background", {})
    named += [background["service_worker"]] if "service_worker" in background else []
    named += background.get("scripts", [])
    for script in manifest.get("content_scripts", []):
        named += script.get("js", []) + script.get("css", [])
    for entry in manifest.get("web_accessible_resources", []):
        named += entry["resources"]
    action = manifest.get("action", {})
    named += [action["default_popup"]] if "default_popup" in action else []
    named += action.get("default_icon", {}).values()
    for key in ("options_page", "devtools_page"):
        named += [manifest[key]] if key in manifest else []
    named += [manifest["options_ui"]["page"]] if "options_ui" in manifest else []
    for path in named:
        if "*" in path:
            raise PackageError(f"the manifest names {path!r}: name files, not patterns")
    return list(dict.fromkeys(named))


def references(path: str, text: str) -> list[str]:
    """The extension files `path` (from the root) refers to, as paths from the root."""
    folder = posixpath.dirname(path)
    if path.endswith(".html"):
        relative = HTML_REF.findall(text)
    elif path.endswith(".css"):
        relative = [a or b for a, b in CSS_REF.findall(text)]
    elif path.endswith(".js"):
        relative = JS_MODULE_REF.findall(text)
        rooted = [p.lstrip("/") for p in JS_ROOT_REF.findall(text) if p.strip("/")]
        return [*(posixpath.normpath(posixpath.join(folder, r)) for r in relative), *rooted]
    else:
        return []
    return [posixpath.normpath(posixpath.join(folder, r)) for r in relative
            if not re.match(r"[a-z][a-z0-9+.-]*:|//", r)]


def needed_files(source: Path, manifest: dict) -> list[str]:
    """The manifest's files and everything they refer to, transitively; all must exist."""
    todo = manifest_files(manifest)
    seen: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        if path.startswith("../") or not (source / path).is_file():
            raise PackageError(f"{path} is needed by the extension but is not in {source}")
        seen.add(path)
        if path.endswith((".html", ".css", ".js")):
            todo += references(path, (source / path).read_text(encoding="utf-8"))
    return sorted(seen)


def browser_manifest(manifest: dict, browser: str, number: str) -> dict:
    out = copy.deepcopy(manifest)
    out["version"] = number
    background = out.get("background", {})
    if browser == "chromium":
        background.pop("scripts", None)
        out.pop("browser_specific_settings", None)
    else:
        background.pop("service_worker", None)
    return out


def web_ext() -> Path:
    exe = TOOLS / "node_modules" / ".bin" / "web-ext"
    if not exe.exists():
        npm = shutil.which("npm")
        if not npm:
            raise PackageError("npm is not installed: web-ext (tools/web-ext/) needs Node")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOOLS,
                       check=True)
    return exe


def package(out: Path) -> list[Path]:
    if runpy.run_path(str(ROOT / "scripts" / "build_extension.py"))["main"]([]) != 0:
        raise PackageError("the page script did not build")
    manifest = json.loads((EXTENSION / "manifest.json").read_text(encoding="utf-8"))
    number = version()
    tool = web_ext()
    zips = []
    for browser in BROWSERS:
        own = browser_manifest(manifest, browser, number)
        folder = out / browser
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for path in needed_files(EXTENSION, own):
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(EXTENSION / path, folder / path)
        (folder / "manifest.json").write_text(json.dumps(own, indent=2) + "\n", encoding="utf-8")
        name = f"postil-{browser}-{number}.zip"
        subprocess.run([str(tool), "build", "--source-dir", str(folder), "--artifacts-dir",
                        str(out), "--filename", name, "--overwrite-dest"], cwd=TOOLS, check=True,
                       stdout=subprocess.DEVNULL)
        zips.append(out / name)
    return zips


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Package the extension for Chromium and Firefox.")
    parser.add_argument("--out", type=Path, default=ROOT / "dist",
                        help="where the zips and their folders go (default: dist/)")
    out = parser.parse_args(argv).out
    try:
        zips = package(out.resolve())
    except (PackageError, subprocess.CalledProcessError) as err:
        print(f"package_extension: {err}", file=sys.stderr)
        return 1
    for path in zips:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
