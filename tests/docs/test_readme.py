"""README.md is for a newcomer: short, its Quick start exactly two commands, and every link it
and the docs/ pages carry leads to a file (and heading) that exists.

The reference material it points to is run by test_api_doc.py, test_export_import_doc.py and
test_w3c_doc.py; the Quick start's `serve.sh` by test_serve_script.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from doc_examples import DOCS, ROOT, read_doc, sh_blocks

LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_the_readme_is_short_and_its_commands_are_the_quick_starts_two():
    readme = read_doc("README.md")
    assert len(readme.encode()) < 10_000, "reference material belongs in docs/"
    assert [b.strip() for b in sh_blocks(readme)] == ["bash scripts/serve.sh",
                                                      "bash scripts/test.sh"]
    for page in ("api.md", "export-import.md", "w3c.md", "configuration.md", "cli.md"):
        assert f"(docs/{page})" in readme, f"the README no longer points to docs/{page}"


def test_every_link_of_the_readme_and_docs_leads_somewhere():
    broken = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # http(s) and the like: not checked offline
            file, _, anchor = target.partition("#")
            dest = (path.parent / file).resolve() if file else path
            if not dest.exists():
                broken.append(f"{path.name}: {target}")
            elif anchor and anchor not in anchors(Path(dest).read_text(encoding="utf-8")):
                broken.append(f"{path.name}: {target} (no such heading)")
    assert broken == []


def test_try_it_says_how_to_pin_the_toolbar_button_in_both_browsers():
    readme = read_doc("README.md")
    try_it = readme[readme.index("\n## Try it\n"):readme.index("\n## More\n")]
    load = try_it[try_it.index("**Load the extension unpacked.**"):try_it.index("3. **Sign in.**")]
    pin = next((line for line in load.split("\n   - ") if "Pin" in line), "")
    assert "Chromium" in pin and "Firefox" in pin and "Pin to Toolbar" in pin, \
        "the Try it steps no longer say how to pin Postil's toolbar button"
    manifest = json.loads(read_doc("extension/manifest.json"))
    # The button the step names: the extension's action, titled as the step calls it.
    assert manifest["action"]["default_title"] == "Postil" and "default_popup" in manifest["action"]
