"""Small page helpers shared by the browser tests: select a phrase, read what is painted, reach
into Postil's (open) shadow root, and talk to the extension like its own pages do."""

from __future__ import annotations

import time

POST_101 = "/sample/how-tide-pools-keep-time/"
POST_101_SHORT = "/sample/?p=101"
POST_102 = "/sample/the-patient-chemistry-of-sourdough/"
COLORS = ("yellow", "green", "blue", "pink", "purple")

SELECT_JS = """(phrase) => {
  const walker = document.createTreeWalker(document.querySelector('.entry-content') || document.body,
                                           NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    node.parentElement.scrollIntoView({block: 'center', behavior: 'instant'});
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + phrase.length);
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    const rect = range.getBoundingClientRect();
    document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, clientX: rect.right, clientY: rect.bottom}));
    return true;
  }
  return false;
}"""

PAINTED_JS = """(colors) => {
  const out = {};
  for (const c of colors) {
    const h = CSS.highlights && CSS.highlights.get('postil-' + c);
    out[c] = h ? [...h].map((r) => r.toString()).sort() : [];
  }
  return out;
}"""


def select(page, phrase: str) -> None:
    """Select `phrase` in the article the way a reader's drag does, and wait for the toolbar."""
    assert page.evaluate(SELECT_JS, phrase), f"phrase not on the page: {phrase!r}"
    page.locator("postil-ui .toolbar").wait_for(state="visible", timeout=5000)


def painted(page) -> dict[str, list[str]]:
    """Highlighted passages by colour, read from the CSS Custom Highlight registry."""
    return page.evaluate(PAINTED_JS, list(COLORS))


def wait_painted(page, color: str, phrase: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if phrase in painted(page)[color]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{phrase!r} not painted {color}; painted: {painted(page)}")


def items(page):
    return page.locator("postil-ui .sidebar li.item")


def open_sidebar(ext, page) -> None:
    """Open the sidebar as the popup's button does: a message to the page's content script."""
    ext.current_worker().evaluate(
        """async (url) => {
             const tabs = await chrome.tabs.query({});
             const tab = tabs.find((t) => t.url === url) || tabs.find((t) => t.active);
             return chrome.tabs.sendMessage(tab.id, {type: 'ui/open-sidebar'});
           }""", page.url)
    page.locator("postil-ui .sidebar").wait_for(state="visible", timeout=5000)


def extension_page(ext):
    """An extension page to send runtime messages from, as the popup and options page do."""
    page = ext.context.new_page()
    page.goto(f"chrome-extension://{ext.extension_id}/src/popup/popup.html")
    return page


def wait_until(predicate, timeout: float = 15, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message} (last: {last!r})")
