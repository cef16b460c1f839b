"""The extension's page script is its modules joined into one classic script
(scripts/build_extension.py): run in Node it behaves as the modules do, and module syntax the join
cannot reproduce exactly stops the build with the file and line."""

from __future__ import annotations

import json
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
build = runpy.run_path(str(ROOT / "scripts" / "build_extension.py"))
BuildError = build["BuildError"]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def run_in_node(script: str) -> str:
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed: the joined script is run in Node")
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_joined_modules_run_in_es_module_order_with_renamed_and_re_exported_names(tmp_path):
    write(tmp_path, {
        "src/a/entry.js": 'import { twice, NAME as label } from "../b/lib.js";\n'
                          'import { shout } from "./say.js";\n'
                          'console.log("entry", label, twice(21), shout("hi"));\n',
        "src/a/say.js": 'export { up as shout } from "../b/lib.js";\nconsole.log("say");\n',
        "src/b/lib.js": 'export const NAME = "lib";\nfunction up(s) { return s.toUpperCase(); }\n'
                        'export { up };\nexport async function later() {}\n'
                        'export function twice(n) { return 2 * n; }\nconsole.log("lib");\n',
    })
    script = build["build"](tmp_path, "src/a/entry.js")
    assert run_in_node(script).split("\n") == ["lib", "say", "entry lib 42 HI", ""]


@pytest.mark.parametrize("source, problem", [
    ("export default 1;\n", "module syntax"),
    ("export let n = 1;\n", "module syntax"),
    ('import * as all from "./other.js";\n', "module syntax"),
    ('const m = import("./other.js");\n', "module syntax"),
    ('import { x } from "lib";\n', "only relative imports"),
    ('import { x } from "./missing.js";\n', "does not exist"),
    ('import { x } from "./loop.js";\nexport const y = 1;\n', "import cycle"),
])
def test_module_syntax_the_join_cannot_reproduce_stops_the_build(tmp_path, source, problem):
    write(tmp_path, {"src/entry.js": source, "src/other.js": "export const x = 1;\n",
                     "src/loop.js": 'import { y } from "./entry.js";\nexport const x = y;\n'})
    with pytest.raises(BuildError, match=problem):
        build["build"](tmp_path, "src/entry.js")


def test_prose_about_imports_in_comments_and_strings_is_not_taken_for_code(tmp_path):
    write(tmp_path, {"src/entry.js": '// import("x") is not used here\n'
                                     'const s = "export default";\nconsole.log(s);\n'})
    assert run_in_node(build["build"](tmp_path, "src/entry.js")) == "export default\n"


def test_the_extension_builds_and_the_manifest_injects_the_built_script():
    script = build["build"]()
    assert "modules[\"src/content/main.js\"]" in script
    manifest = json.loads((ROOT / "extension" / "manifest.json").read_text())
    assert manifest["content_scripts"][0]["js"] == ["build/content.js"]
    # Only the note editor's frame is reachable from pages, and only at a per-session URL.
    assert manifest["web_accessible_resources"] == [{
        "resources": ["src/content/editor.html"], "matches": ["http://*/*", "https://*/*"],
        "use_dynamic_url": True}]


def test_a_host_substitute_takes_a_module_s_place_and_must_export_what_is_imported(tmp_path):
    write(tmp_path, {
        "src/page/main.js": 'import { send } from "../shared/browser.js";\n'
                            'console.log(send("x"));\n',
        "src/shared/browser.js": 'export function send(t) { return `extension ${t}`; }\n',
        "src/embed/browser.js": 'export function send(t) { return `page ${t}`; }\n',
        "src/embed/thin.js": 'export const other = 1;\n',
    })
    extension = build["build"](tmp_path, "src/page/main.js")
    embed = build["build"](tmp_path, "src/page/main.js",
                           {"src/shared/browser.js": "src/embed/browser.js"})
    assert run_in_node(extension) == "extension x\n"
    assert run_in_node(embed) == "page x\n"
    assert 'modules["src/shared/browser.js"]' not in embed
    with pytest.raises(BuildError, match="imports send from src/embed/thin.js"):
        build["build"](tmp_path, "src/page/main.js", {"src/shared/browser.js": "src/embed/thin.js"})


def test_the_embed_is_built_from_the_content_modules_with_the_page_hosted_browser_module():
    embed = build["build"](build["EXTENSION"], build["EMBED_ENTRY"], build["EMBED_SUBSTITUTES"])
    content = build["build"]()
    shared = {"src/content/main.js", "src/content/highlights.js", "src/content/ui.js",
              "src/content/sync.js", "src/anchoring/index.js", "src/post-key/index.js"}
    for module in shared:
        assert f'modules["{module}"]' in embed and f'modules["{module}"]' in content
    assert 'modules["src/embed/browser.js"]' in embed
    assert 'modules["src/shared/browser.js"]' not in embed
    assert 'modules["src/embed/' not in content
