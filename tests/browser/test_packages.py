"""The packaged extension: docs/extension.md's packaging command, run as written, makes a
Chromium zip and a Firefox zip that hold what the extension loads and nothing of its sources or
tests, the Firefox one passes `web-ext lint` with no warning, both carry the server's version, and
each, installed from its zip, runs its content script on the sample blog and paints a reader's
highlight: Chromium loading the zip's contents unpacked, Firefox installing the zip itself as a
temporary add-on."""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
import zipfile

import pytest
from browser_helpers import (
    CHROMIUM,
    EXTENSION,
    FIREFOX,
    PASSWORD,
    POST_101,
    ROOT,
    run_firefox_flow,
    wait_painted,
)

TOOLS = ROOT / "tools" / "web-ext"
PHRASE = "A rock pool looks like the calmest place on a beach"


def server_version() -> str:
    from postil import __version__
    return __version__


@pytest.fixture(scope="module")
def packages() -> dict[str, zipfile.ZipFile]:
    """Run docs/extension.md's packaging block as written, from the repository's root."""
    doc = (ROOT / "docs" / "extension.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", doc, re.S) if "package_extension" in b]
    assert blocks, "docs/extension.md no longer shows how to build the packages"
    block = blocks[0]
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    out = {}
    for browser in ("chromium", "firefox"):
        path = ROOT / "dist" / f"postil-{browser}-{server_version()}.zip"
        assert str(path.relative_to(ROOT)) in done.stdout.split(), done.stdout
        out[browser] = zipfile.ZipFile(path)
    yield out
    for package in out.values():
        package.close()


def named_files(value) -> list[str]:
    """Every string in the manifest that names a file of the extension."""
    if isinstance(value, dict):
        return [name for item in value.values() for name in named_files(item)]
    if isinstance(value, list):
        return [name for item in value for name in named_files(item)]
    return [value] if isinstance(value, str) and re.search(r"\.(js|html|css|png)$", value) else []


def referenced(path: str, text: str) -> list[str]:
    """The packaged files an extension page or module loads by a relative path."""
    if path.endswith(".html"):
        found = re.findall(r"""\b(?:src|href)="([^"#?:]+)\"""", text)
    elif path.endswith(".js"):
        found = re.findall(r"""\bfrom\s*"(\.\.?/[^"]+)";""", text)
    else:
        return []
    return [posixpath.normpath(posixpath.join(posixpath.dirname(path), f)) for f in found]


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_a_package_holds_what_the_extension_loads_and_no_sources(packages, browser):
    package = packages[browser]
    names = set(package.namelist())
    manifest = json.loads(package.read("manifest.json"))
    missing = [name for name in named_files(manifest) if name not in names]
    for name in sorted(names):
        text = package.read(name).decode("utf-8", "replace")
        missing += [f"{f} (from {name})" for f in referenced(name, text) if f not in names]
    assert missing == []
    # The page script as built, not the content modules it joins; no tests, tools or sources.
    assert package.read("build/content.js") == (EXTENSION / "build" / "content.js").read_bytes()
    assert "src/content/main.js" not in names and "src/anchoring/index.js" not in names
    assert not [n for n in names if re.search(r"node_modules|test|\.py$|\.mjs$|^\.|/\.", n)]

    assert manifest["version"] == server_version()
    if browser == "chromium":
        assert set(manifest["background"]) == {"service_worker", "type"}
        assert "browser_specific_settings" not in manifest
    else:
        assert set(manifest["background"]) == {"scripts", "type"}
        assert manifest["browser_specific_settings"]["gecko"]["id"] == "postil@postil.invalid"


def test_the_firefox_package_passes_web_ext_lint(packages, tmp_path):
    packages["firefox"].extractall(tmp_path / "firefox")
    done = subprocess.run(
        [str(TOOLS / "node_modules" / ".bin" / "web-ext"), "lint", "--source-dir",
         str(tmp_path / "firefox"), "--output", "json"],
        cwd=TOOLS, capture_output=True, text=True, timeout=180)
    report = json.loads(done.stdout[done.stdout.find("{"):])
    assert report["summary"]["errors"] == 0, report["errors"]
    assert report["warnings"] == []
    assert report["metadata"]["version"] == server_version()


def test_server_extension_and_packages_have_one_version(server):
    from importlib.metadata import version

    manifest = json.loads((EXTENSION / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == server_version() == version("postil")
    status, about = server.api("GET", "/api")
    assert status == 200 and about["version"] == server_version()
    assert server.cli("--version").split() == ["postil", server_version()]


def make_highlight(server, tokens) -> None:
    status, made = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": {"site": server.blog_site, "post_id": 101},
        "selectors": [{"type": "TextQuoteSelector", "exact": PHRASE}], "color": "green"})
    assert status == 201, made


def test_the_chromium_package_loaded_unpacked_paints_a_highlight(packages, playwright_driver,
                                                                 server, blog, tokens, tmp_path):
    make_highlight(server, tokens)
    unpacked = tmp_path / "postil-chromium"
    packages["chromium"].extractall(unpacked)
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
        args=[f"--disable-extensions-except={unpacked}", f"--load-extension={unpacked}",
              "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])
    try:
        worker = context.service_workers[0] if context.service_workers else \
            context.wait_for_event("serviceworker", timeout=15000)
        extension_id = worker.url.split("/")[2]
        assert worker.url == f"chrome-extension://{extension_id}/src/background/index.js"
        worker.evaluate("""([server, token]) => chrome.storage.local.set({
                             settings: {server}, auth: {server, token, user: 'alice'}})""",
                        [server.url, tokens["alice"]])
        errors: list[str] = []
        # The extension's own pages load every module they import from the package.
        for page_path in ("popup/popup.html", "options/options.html", "notebook/notebook.html"):
            page = context.new_page()
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.goto(f"chrome-extension://{extension_id}/src/{page_path}")
            page.wait_for_load_state("load")
            page.close()
        page = context.new_page()
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(blog.url + POST_101)
        page.wait_for_selector("postil-ui", state="attached", timeout=15000)
        wait_painted(page, "green", PHRASE)
        assert errors == []
    finally:
        context.close()


def test_the_firefox_package_installed_from_its_zip_paints_a_highlight(packages, node_driver,
                                                                       server, blog, tokens):
    make_highlight(server, tokens)
    result = run_firefox_flow(node_driver, "package-flow.mjs", {
        "POSTIL_PACKAGE": packages["firefox"].filename, "POSTIL_SERVER": server.url,
        "POSTIL_PAGE": blog.url + POST_101, "POSTIL_USER": "alice",
        "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX})
    assert result["signedIn"].startswith("Signed in as alice")
    assert result["painted"].get("postil-green") == [PHRASE] or \
        result["painted"].get("marks") == [PHRASE]
    assert result["errors"] == []
