"""A page cannot tell that its reader runs Postil by fetching the extension's files: no page code of
the extension is web-accessible, and the one file pages must load (the note editor's frame) is
reachable only at a per-session URL. The extension itself still works on the page."""

from __future__ import annotations

from browser_helpers import POST_101, highlight, wait_painted, write_note

# Files whose fixed URLs a page could probe for.
KNOWN_FILES = ("src/content/main.js", "src/content/loader.js", "src/content/ui.js",
               "src/anchoring/index.js", "src/post-key/index.js", "src/shared/messages.js",
               "src/content/editor.html", "build/content.js", "manifest.json")

PROBE_JS = """async ([base, files]) => {
  const out = {};
  for (const file of files) {
    try {
      const response = await fetch(`${base}/${file}`);
      out[file] = response.ok ? `read ${response.status}` : `status ${response.status}`;
    } catch (err) {
      out[file] = 'failed';
    }
  }
  return out;
}"""


def test_a_page_cannot_fetch_the_extensions_files_and_postil_still_works(alice):
    page = alice.open(POST_101)
    phrase = "Barnacles and limpets tolerate long spells in the air"
    highlight(page, phrase, "green")

    probed = page.evaluate(PROBE_JS, [f"chrome-extension://{alice.extension_id}", KNOWN_FILES])
    assert probed == {file: "failed" for file in KNOWN_FILES}

    # The note editor, the one file a page must load, still opens (at its per-session URL).
    page.reload()
    wait_painted(page, "green", phrase)
    write_note(page, "Soft seaweeds and most anemones prefer the lower pools", "Seen at low tide.")
