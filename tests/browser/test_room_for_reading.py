"""Postil's panels must leave the reader's text readable: the open sidebar makes room for the
article instead of covering the ends of its lines (and on a narrow screen, where it covers,
closes by keyboard and gives the focus back), and the note editor sits beside its passage,
never over it, wholly inside the viewport with its Save and Cancel on screen."""

from __future__ import annotations

import pytest
from browser_helpers import POST_101, items, note_editor, open_sidebar, select, wait_until

# The client rects of every line of the article's text, as the reader sees them.
ARTICLE_LINES_JS = """() => {
  const root = document.querySelector('.entry-content');
  const rects = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.data.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (!r.width || !r.height) continue;
      rects.push({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
    }
  }
  return rects;
}"""

# The client rects of a phrase of the article (the passage a note is about).
PHRASE_RECTS_JS = """(phrase) => {
  const root = document.querySelector('.entry-content');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + phrase.length);
    return [...range.getClientRects()].filter((r) => r.width && r.height)
      .map((r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}));
  }
  return null;
}"""

RECT_JS = """(selector) => {
  const el = document.querySelector('postil-ui').shadowRoot.querySelector(selector);
  const r = el.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
}"""


def overlaps(a: dict, b: dict) -> bool:
    across = a["left"] < b["right"] and b["left"] < a["right"]
    return across and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_open_sidebar_leaves_every_article_line_uncovered(alice, artifacts, width):
    page = alice.open(POST_101)
    page.set_viewport_size({"width": width, "height": 800})
    lines_before = page.evaluate(ARTICLE_LINES_JS)
    sidebar_width = 376
    # Today's sidebar covers the ends of the lines on both widths: the test is about that.
    assert max(r["right"] for r in lines_before) > width - sidebar_width

    open_sidebar(alice, page)
    page.screenshot(path=str(artifacts / f"sidebar-open-{width}.png"))
    sidebar = page.evaluate(RECT_JS, ".sidebar")
    assert sidebar["right"] == pytest.approx(width, abs=1)
    lines = page.evaluate(ARTICLE_LINES_JS)
    covered = [r for r in lines if overlaps(r, sidebar)]
    assert not covered, f"{len(covered)} of {len(lines)} line boxes under the sidebar"
    # The article reflowed into the room left: it is not pushed off the left edge either.
    assert min(r["left"] for r in lines) >= 0

    # Closing gives the page its whole width back, laid out as it was.
    page.get_by_role("button", name="Close Postil sidebar").click()
    assert page.locator("postil-ui .sidebar").is_hidden()
    assert page.evaluate(ARTICLE_LINES_JS) == lines_before


def test_a_page_margin_of_its_own_comes_back_when_the_sidebar_closes(alice):
    page = alice.open(POST_101)
    page.evaluate("() => document.documentElement.style.setProperty('margin-right', '10px')")
    open_sidebar(alice, page)
    assert page.evaluate("() => getComputedStyle(document.documentElement).marginRight") == "386px"
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.documentElement.style.marginRight") == "10px"


def test_on_a_narrow_screen_the_sidebar_covers_but_closes_by_keyboard(alice, artifacts):
    page = alice.open(POST_101)
    page.set_viewport_size({"width": 600, "height": 700})
    lines_before = page.evaluate(ARTICLE_LINES_JS)
    # The reader was on a link of the page when the sidebar opened (by its keyboard command).
    page.evaluate("""() => { const a = document.querySelector('.entry-content a')
                                 || document.querySelector('a[href]');
                             a.id = 'was-here'; a.focus(); }""")
    open_sidebar(alice, page)
    page.screenshot(path=str(artifacts / "sidebar-open-600.png"))
    # Too narrow to share: the page keeps its layout and the sidebar covers it...
    assert page.evaluate(ARTICLE_LINES_JS) == lines_before
    close = page.get_by_role("button", name="Close Postil sidebar")
    box = close.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 600 and box["y"] >= 0
    # ...and the keyboard is in it, not trapped: Escape closes it and the focus goes back.
    assert page.evaluate("() => document.activeElement.tagName") == "POSTIL-UI"
    page.keyboard.press("Escape")
    assert page.locator("postil-ui .sidebar").is_hidden()
    assert page.evaluate("() => document.activeElement.id") == "was-here"


CRABS = "Shore crabs kept in a laboratory tank, far from any tide"
# In the article's last paragraph: the page cannot scroll it up to make room below.
LAST = "which is already on its way back up the beach"


@pytest.mark.parametrize(("width", "height", "phrase", "name"), [
    (1280, 800, CRABS, "1280x800"), (800, 600, CRABS, "800x600"),
    (800, 600, LAST, "800x600-page-end")], ids=["1280x800", "800x600", "800x600-page-end"])
def test_the_note_editor_sits_beside_its_passage_inside_the_viewport(alice, artifacts, width,
                                                                     height, phrase, name):
    page = alice.open(POST_101)
    page.set_viewport_size({"width": width, "height": height})
    select(page, phrase)
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    wait_until(lambda: page.locator("postil-ui .editor iframe").bounding_box()["height"] != 420,
               timeout=5, message="the editor to take its form's height")
    page.wait_for_timeout(100)
    page.screenshot(path=str(artifacts / f"note-editor-{name}.png"))

    panel = page.evaluate(RECT_JS, ".editor")
    assert panel["left"] >= 0 and panel["top"] >= 0
    assert panel["right"] <= width and panel["bottom"] <= height
    passage = page.evaluate(PHRASE_RECTS_JS, phrase)
    assert passage, "the passage is on the page"
    assert not [r for r in passage if overlaps(r, panel)], f"editor {panel} over passage {passage}"
    # The passage is in view (the editor did not push it off screen to fit).
    assert all(0 <= r["top"] and r["bottom"] <= height for r in passage)
    # Save and Cancel are shown: inside the viewport and inside the part of the editor's frame
    # that is on screen (a frame shorter than its form scrolls).
    shown = page.locator("postil-ui .editor iframe").bounding_box()
    for button in ("Save", "Cancel"):
        box = editor.get_by_role("button", name=button).bounding_box()
        assert box["x"] >= max(0, shown["x"]) and box["y"] >= max(0, shown["y"]), button
        assert box["x"] + box["width"] <= min(width, shown["x"] + shown["width"]), button
        assert box["y"] + box["height"] <= min(height, shown["y"] + shown["height"]), button

    editor.get_by_label("Note").fill("Their clocks keep going.")
    editor.get_by_role("button", name="Save").click(trial=True)  # nothing over it
    editor.get_by_role("button", name="Save").click()
    assert page.locator("postil-ui .editor").is_hidden()
    open_sidebar(alice, page)
    wait_until(lambda: "Their clocks keep going." in items(page).first.inner_text(),
               message="note saved")
