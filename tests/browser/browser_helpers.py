"""Small page helpers shared by the browser tests: select a phrase, read what is painted, reach
into Postil's shadow root (opened for tests; see docs/extension.md), and talk to the extension
like its own pages do."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Shared constants live here, not in conftest.py: several test folders have a conftest.py (and a
# test_firefox.py), so `from conftest import …` can reach the wrong one in a whole-suite run.
ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
CHROMIUM = os.environ.get("POSTIL_CHROMIUM", "/usr/bin/chromium")
FIREFOX = os.environ.get("POSTIL_FIREFOX", "/usr/bin/firefox-esr")
FIREFOX_DIR = Path(__file__).parent / "firefox"
PASSWORD = "correct-horse-battery"

POST_101 = "/sample/how-tide-pools-keep-time/"
POST_101_SHORT = "/sample/?p=101"
POST_102 = "/sample/the-patient-chemistry-of-sourdough/"
COLORS = ("yellow", "green", "blue", "pink", "purple")

# Selects in the (first) article's text; {phrase, wholePage: true} anywhere on the page.
SELECT_JS = """(arg) => {
  const phrase = typeof arg === 'string' ? arg : arg.phrase;
  const root = (arg.wholePage ? null : document.querySelector('.entry-content')) || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
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
    const at_end = {bubbles: true, clientX: rect.right, clientY: rect.bottom};
    document.dispatchEvent(new MouseEvent('mouseup', at_end));
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


def select(page, phrase: str, *, whole_page: bool = False) -> None:
    """Select `phrase` in the article (or anywhere on the page) the way a reader's drag does,
    and wait for the toolbar."""
    found = page.evaluate(SELECT_JS, {"phrase": phrase, "wholePage": whole_page})
    assert found, f"phrase not on the page: {phrase!r}"
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


def highlight(page, phrase: str, color: str) -> None:
    """Select `phrase`, click the toolbar's colour, and wait until it is painted in it."""
    select(page, phrase)
    page.get_by_role("button", name=f"Highlight {color}").click()
    wait_painted(page, color, phrase)


def write_note(page, phrase: str, note: str) -> None:
    """Select `phrase`, write `note` in the editor, save, and wait for the yellow highlight."""
    select(page, phrase)
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    editor.get_by_label("Note").fill(note)
    editor.get_by_role("button", name="Save").click()
    wait_painted(page, "yellow", phrase)


def items(page):
    return page.locator("postil-ui .sidebar li.item")


TAB_ID_JS = """async (url) => {
  // Without the "tabs" permission tab URLs are hidden, so ask each content script for its page.
  for (const tab of await chrome.tabs.query({})) {
    try {
      const reply = await chrome.tabs.sendMessage(tab.id, {type: 'page/get-post'});
      if (reply && reply.ok && reply.value.post.url === url) return tab.id;
    } catch (err) { /* no content script in this tab */ }
  }
  return null;
}"""


def tab_id(ext, page) -> int:
    """The extension's id for the tab showing `page`."""
    found = ext.control().evaluate(TAB_ID_JS, page.url.split("#")[0])
    assert found is not None, f"no tab with Postil for {page.url}"
    return found


def open_sidebar(ext, page) -> None:
    """Open the sidebar as the popup's button does: a message to the page's content script."""
    ext.control().evaluate(
        "(id) => chrome.tabs.sendMessage(id, {type: 'ui/open-sidebar'})", tab_id(ext, page))
    page.locator("postil-ui .sidebar").wait_for(state="visible", timeout=5000)


def extension_page(ext):
    """An extension page to send runtime messages from, as the popup and options page do."""
    page = ext.context.new_page()
    page.goto(f"chrome-extension://{ext.extension_id}/src/popup/popup.html")
    return page


def screenshot_of(locator, path: str, tries: int = 3) -> None:
    """Take `locator`'s screenshot, again if its element was replaced meanwhile: a list the page
    draws again (the notebook does when its live stream opens afresh) detaches the element
    Playwright was waiting on, which a locator then finds anew."""
    for attempt in range(1, tries + 1):
        try:
            locator.screenshot(path=path)
            return
        except Exception as err:  # playwright's Error; its module is not imported here
            if "not attached" not in str(err) or attempt == tries:
                raise


def wait_until(predicate, timeout: float = 15, interval: float = 0.2, message: str = "condition",
               show=None):
    """Poll `predicate` until it is truthy and return that value; on timeout fail, saying what
    was awaited and what `show()` (or the predicate's last value) gave."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    seen = show() if show else last
    raise AssertionError(f"timed out waiting for {message} (last: {seen!r})")


def wait_still(locator, samples: int = 3, interval: float = 0.06, timeout: float = 5) -> None:
    """Wait until `locator`'s box on the page stays put for `samples` looks in a row. A click
    inside a frame is aimed from the frame's own layout: were the frame itself to move between
    the aim and the click (the editor placing itself once its form reports its height), the
    click would land beside the button."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        seen = (seen + [locator.bounding_box()])[-samples:]
        if len(seen) == samples and seen[0] is not None and all(b == seen[0] for b in seen):
            return
        time.sleep(interval)
    raise AssertionError(f"{locator} kept moving: {seen!r}")


def wait_ready(page) -> None:
    """Wait until the content script mounted its UI and rendered the sidebar's first status."""
    page.wait_for_selector("postil-ui", state="attached", timeout=15000)
    page.wait_for_function(
        """() => { const ui = document.querySelector('postil-ui');
                   const s = ui && ui.shadowRoot && ui.shadowRoot.querySelector('.sidebar .status');
                   return s && s.textContent && s.textContent !== 'Loading…'; }""", timeout=15000)


EDITOR_FRAME = "postil-ui .editor iframe.editor-frame"


def note_editor(page):
    """The note editor, a frame of the extension's own inside Postil's UI, once it is drawn and
    its note has the keyboard focus (as it has for a reader)."""
    page.locator(EDITOR_FRAME).wait_for(state="visible", timeout=5000)
    editor = page.frame_locator(EDITOR_FRAME)
    note = editor.get_by_label("Note")
    note.wait_for(timeout=5000)
    focused = "(el) => el === document.activeElement"
    wait_until(lambda: note.evaluate(focused), timeout=5, message="the note to have the focus")
    # Drawn (no longer waiting for its form's height, see ui.js) and settled where it is drawn.
    page.locator("postil-ui .editor.framed:not(.sizing)").wait_for(timeout=5000)
    wait_still(page.locator(EDITOR_FRAME))
    # Chromium routes a pointer event to a frame of another origin by its own record of where
    # that frame is, which can lag a move of the frame (seen in 1 run in 10 here, under load:
    # the page got the click, the editor never did). Once the pointer over Save is heard by the
    # editor, clicks there reach it.
    save = editor.get_by_role("button", name="Save")
    nudge = iter(range(1000))

    def heard() -> bool:
        save.hover(position={"x": 8 + next(nudge) % 2 * 4, "y": 8})  # a move each time
        return save.evaluate("(b) => b.matches(':hover')")
    wait_until(heard, timeout=5, interval=0.05, message="the editor to hear the pointer")
    return editor


# The open reply box's frame (not one closing: ui.js retireReplyFrame keeps it, hidden, a moment).
REPLY_FRAME = ".reply-box:not(.retiring) iframe.reply-frame"


def reply_box(item, name: str):
    """The sidebar's reply box below `item` (a frame of the extension's own, ui.js replyBox) and
    its text box, named for whom it answers, once a reader could use it: the text box has the
    keyboard (its frame is the page's focused element, so keys go there and not to the page), the
    frame is sized to the box it shows and keeps still. Returns (frame, text box)."""
    element = item.locator(REPLY_FRAME)
    element.wait_for(state="visible", timeout=5000)
    frame = item.frame_locator(REPLY_FRAME)
    box = frame.get_by_role("textbox", name=name)
    box.wait_for(timeout=5000)
    focused = "(el) => el === el.getRootNode().activeElement"
    wait_until(lambda: element.evaluate(focused, timeout=1000)
               and box.evaluate(focused, timeout=1000), timeout=5, interval=0.05,
               message="the reply box to have the keyboard")
    # Sized by the frame's "size" message (its box opened), then no longer moving.
    wait_until(lambda: element.evaluate("(f) => Boolean(f.style.height)", timeout=1000),
               timeout=5, interval=0.05, message="the reply frame sized")
    wait_still(element)
    return frame, box


def in_reply_box(item, frame, button: str):
    """Button `button` of the reply box below `item`, once the pointer over it reaches the
    box's frame. Chromium routes a click to a frame of another origin by where that frame was
    last rendered: one just scrolled, moved or resized may be sent a click that the page gets
    (see note_editor). So: the frame inside the sidebar's view, still, and the pointer over the
    button heard by the frame's document. Call just before the click; nothing may move it in
    between."""
    element = item.locator(REPLY_FRAME)
    element.scroll_into_view_if_needed(timeout=5000)
    wait_until(lambda: element.evaluate(IN_VIEW_JS, timeout=1000), timeout=5, interval=0.05,
               message="the reply frame inside the sidebar's view")
    target = frame.get_by_role("button", name=button)
    wait_still(element)
    nudge = iter(range(1000))

    def heard() -> bool:
        # Forced: Playwright's own wait for the button to keep still counts the frame's animation
        # frames, about one a second on this loaded machine; the frame's stillness is waited
        # for above, from the page. A move the frame's starved renderer is slow to take in is
        # tried again.
        try:
            target.hover(position={"x": 6 + next(nudge) % 2 * 4, "y": 6}, timeout=2000,
                         force=True)
            return target.evaluate("(b) => b.matches(':hover')", timeout=2000)
        except PlaywrightTimeoutError:
            return False
    wait_until(heard, timeout=15, interval=0.05,
               message=f"the reply box to hear the pointer on {button}")
    return target


# Whether an element's box lies wholly inside the viewport and every scrolled box around it
# (through shadow roots): where a reader can see it.
IN_VIEW_JS = """(el) => {
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height || r.top < 0 || r.left < 0) return false;
  if (r.bottom > innerHeight || r.right > innerWidth) return false;
  for (let n = el.parentNode; n; n = n.parentNode || n.host) {
    if (n.nodeType !== 1) continue;
    const o = getComputedStyle(n).overflowY;
    if (o === "visible") continue;
    const c = n.getBoundingClientRect();
    if (r.top < c.top - 1 || r.bottom > c.bottom + 1) return false;
  }
  return true;
}"""


def serve_extension_sources(page, prefix: str = "/__postil_src/") -> None:
    """Answer `prefix`/path on the page's own origin with extension/path, as JavaScript, so a
    test page can import one of the extension's modules (pages cannot reach the extension's)."""
    def fulfil(route):
        path = (EXTENSION / route.request.url.split(prefix, 1)[1]).resolve()
        assert path.is_relative_to(EXTENSION), path
        route.fulfill(path=str(path), content_type="text/javascript")
    page.route(f"**{prefix}**", fulfil)


# A page script that records every key and input event it can hear, as a session-replay script
# would: capture listeners on the window run before any listener below them.
RECORD_KEYS_JS = """() => {
  window.heard = [];
  for (const type of ['keydown', 'keypress', 'keyup', 'input', 'beforeinput']) {
    window.addEventListener(type, (e) => window.heard.push(type + ':' + (e.key ?? e.data ?? '')),
                            true);
  }
}"""


def run_firefox_flow(node_driver: str, script: str, env: dict) -> dict:
    """Run one of the Firefox scripts in firefox/ and return the JSON it printed, once it says
    it went through (`ok`); the script's output is in the failure message otherwise."""
    done = subprocess.run([node_driver, script], cwd=FIREFOX_DIR, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=150)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from the Firefox script:\n{done.stdout}\n{done.stderr[-2000:]}"
    result = json.loads(lines[-1])
    assert result["ok"], result.get("error")
    return result


# What the embed has painted: its highlights' names (`postil-embed-COLOUR`) and their texts.
EMBED_PAINTED_JS = """() => Object.fromEntries([...CSS.highlights.keys()]
  .filter((name) => name.startsWith('postil-embed-'))
  .map((name) => [name, [...CSS.highlights.get(name)].map((r) => r.toString())]))"""


class Accessible:
    """The page as the accessibility tree shows it, closed shadow roots included."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Accessibility.enable")

    def nodes(self) -> list[dict]:
        return [n for n in self.cdp.send("Accessibility.getFullAXTree")["nodes"]
                if not n.get("ignored")]

    def text(self) -> str:
        return "\n".join(str(n.get("name", {}).get("value", "")) for n in self.nodes())

    def find(self, role: str, name: re.Pattern) -> dict | None:
        for node in self.nodes():
            if node.get("role", {}).get("value") == role \
                    and name.search(str(node.get("name", {}).get("value", ""))):
                return node
        return None

    def click(self, role: str, name: re.Pattern) -> None:
        node = None
        wait_until(lambda: (node := self.find(role, name)) is not None, timeout=10,
                   message=f"{role} {name.pattern}")
        node = self.find(role, name)
        box = self.cdp.send("DOM.getBoxModel", {"backendNodeId": node["backendDOMNodeId"]})
        xs, ys = box["model"]["content"][0::2], box["model"]["content"][1::2]
        self.page.mouse.click(sum(xs) / 4, sum(ys) / 4)
