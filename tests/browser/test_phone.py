"""On a phone: a reader selects by touch (a long-press, then the handles), which gives no mouseup,
and the toolbar comes once the selection is still, below it, where the phone's own selection
menu (shown above a selection) does not cover it, with buttons a finger can hit; a tap on a
colour highlights. The sidebar is a sheet over the lower part of the page, which stays readable
above it and is not squeezed; its grip makes it tall and short again.

The phone is Chromium's emulation of one held upright (conftest.PHONE: 390 × 844 CSS pixels,
touch, a mobile viewport). Headless Chromium draws no selection handles or menu and a synthetic
long-press selects nothing, so the test makes the selection a long-press and a handle drag leave
(a word, then the phrase, with no mouse event) after a real tap on the text.
"""

from __future__ import annotations

from browser_helpers import (
    EXTENSION,
    FIREFOX,
    PASSWORD,
    POST_101,
    painted,
    run_firefox_flow,
    wait_painted,
    wait_until,
)

PHRASE = "the anemones sit open like small flowers"

# A long-press selects a word; dragging a handle then widens it to the phrase. Neither step
# dispatches a mouse event: the page hears only `selectionchange`.
TOUCH_SELECT_JS = """async (phrase) => {
  const root = document.querySelector('.entry-content');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    const selection = getSelection();
    const word = document.createRange();
    word.setStart(node, at);
    word.setEnd(node, at + phrase.indexOf(' '));
    selection.removeAllRanges();
    selection.addRange(word);
    await new Promise((resolve) => setTimeout(resolve, 120));
    selection.extend(node, at + phrase.length);
    const r = selection.getRangeAt(0).getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  }
  return null;
}"""

SHADOW_RECT_JS = """(selector) => {
  const el = document.querySelector('postil-ui').shadowRoot.querySelector(selector);
  if (!el || el.hidden) return null;
  const r = el.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
          height: r.height};
}"""

SELECTION_RECT_JS = """() => {
  const r = getSelection().getRangeAt(0).getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
}"""

VIEWPORT_JS = "() => ({width: innerWidth, height: innerHeight})"


def tap(page, rect: dict) -> None:
    page.touchscreen.tap(rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2)


def article_start(page) -> dict:
    return page.evaluate("""() => {
      const r = document.querySelector('.entry-content p').getBoundingClientRect();
      return {left: r.left, top: r.top, width: r.width, height: Math.min(r.height, 40)};
    }""")


def shadow_rect(page, selector: str):
    return page.evaluate(SHADOW_RECT_JS, selector)


def touch_select(page, phrase: str) -> dict:
    """Tap the text (the reader's finger: the last pointer is touch), select `phrase` as a
    long-press and a handle do, and return the toolbar's box once it is shown below the
    selection, clear of its handles, where the phone's own menu is not."""
    tap(page, article_start(page))
    assert page.evaluate(TOUCH_SELECT_JS, phrase), "phrase not on the page"

    def placed():
        toolbar, chosen = shadow_rect(page, ".toolbar"), page.evaluate(SELECTION_RECT_JS)
        return toolbar and toolbar["top"] >= chosen["bottom"] + 20 and toolbar

    return wait_until(placed, timeout=5, message="the toolbar shown below the touch selection",
                      show=lambda: (shadow_rect(page, ".toolbar"),
                                    page.evaluate(SELECTION_RECT_JS)))


def test_a_touch_selection_brings_the_toolbar_below_it_and_a_tap_highlights(
        phone, tokens, server, artifacts):
    phone.sign_in("alice", tokens["alice"])
    page = phone.open(POST_101)
    view = page.evaluate(VIEWPORT_JS)
    assert view["width"] == 390, view  # the page's meta viewport is honoured: a phone's width
    page.locator(".entry-content").scroll_into_view_if_needed()
    toolbar = touch_select(page, PHRASE)
    assert 0 <= toolbar["left"] and toolbar["right"] <= view["width"], toolbar
    assert toolbar["bottom"] <= view["height"], toolbar
    green = shadow_rect(page, '.toolbar button[data-color="green"]')
    assert green["width"] >= 40 and green["height"] >= 40, green  # a finger's target
    page.screenshot(path=str(artifacts / "phone-toolbar.png"))
    tap(page, green)
    wait_painted(page, "green", PHRASE)
    # Saved: the server has it.
    items = wait_until(lambda: [a for a in server.annotations(
        tokens["alice"], site=server.blog_site, post_id=101)["items"] if a["quote"] == PHRASE],
        timeout=10, message="saved")
    assert items[0]["color"] == "green"
    assert shadow_rect(page, ".toolbar") is None, "the toolbar goes once used"


def test_while_a_handle_moves_the_toolbar_waits_for_the_selection_to_be_still(phone, tokens):
    phone.sign_in("alice", tokens["alice"])
    page = phone.open(POST_101)
    tap(page, article_start(page))
    # A handle dragged across the text: the selection changes every 60 ms for about a second.
    page.evaluate("""async (phrase) => {
      const root = document.querySelector('.entry-content');
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(phrase);
        if (at < 0) continue;
        const selection = getSelection();
        selection.setBaseAndExtent(node, at, node, at + 1);
        window.__shownWhileMoving = false;
        for (let end = at + 2; end <= at + phrase.length; end += 2) {
          selection.extend(node, end);
          await new Promise((resolve) => setTimeout(resolve, 60));
          const bar = document.querySelector('postil-ui').shadowRoot.querySelector('.toolbar');
          if (!bar.hidden) window.__shownWhileMoving = true;
        }
        return;
      }
    }""", PHRASE)
    assert page.evaluate("() => window.__shownWhileMoving") is False
    wait_until(lambda: shadow_rect(page, ".toolbar"), timeout=5, message="toolbar once still")


def test_the_sidebar_is_a_sheet_over_the_lower_page_and_its_grip_makes_it_tall(
        phone, tokens, artifacts):
    phone.sign_in("alice", tokens["alice"])
    page = phone.open(POST_101)
    touch_select(page, PHRASE)
    tap(page, shadow_rect(page, '.toolbar button[data-color="blue"]'))
    wait_painted(page, "blue", PHRASE)
    view = page.evaluate(VIEWPORT_JS)
    margin_before = page.evaluate("() => getComputedStyle(document.documentElement).marginRight")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    # The extension's button opens the sidebar (a message to the page, as in open_sidebar).
    phone.control().evaluate(
        """async (url) => {
          for (const tab of await chrome.tabs.query({})) {
            try {
              const reply = await chrome.tabs.sendMessage(tab.id, {type: 'page/get-post'});
              if (reply && reply.ok && reply.value.post.url === url) {
                await chrome.tabs.sendMessage(tab.id, {type: 'ui/open-sidebar'});
              }
            } catch (err) { /* no content script in this tab */ }
          }
        }""", page.url.split("#")[0])
    sheet = wait_until(lambda: shadow_rect(page, ".sidebar"), timeout=5, message="sidebar open")
    # A sheet: the whole width, down to the bottom edge, its top near the middle of the screen.
    assert sheet["left"] == 0 and abs(sheet["right"] - view["width"]) < 1, sheet
    assert abs(sheet["bottom"] - view["height"]) < 1, sheet
    assert 0.35 * view["height"] <= sheet["top"] <= 0.55 * view["height"], sheet
    # The page keeps its width (nothing pushed aside on a phone) and is readable above the sheet.
    assert page.evaluate("() => getComputedStyle(document.documentElement).marginRight") \
        == margin_before
    assert page.evaluate("() => innerWidth") == view["width"]
    page.screenshot(path=str(artifacts / "phone-sheet.png"))
    # Its item, tapped, brings the passage into the part of the page above the sheet.
    tap(page, wait_until(lambda: shadow_rect(page, ".sidebar li.item button.goto"), timeout=10,
                         message="the highlight listed"))
    passage = wait_until(lambda: (r := page.evaluate(
        """(phrase) => {
          const h = CSS.highlights.get('postil-blue');
          const range = h && [...h].find((r) => r.toString() === phrase);
          if (!range) return null;
          const b = range.getBoundingClientRect();
          return {top: b.top, bottom: b.bottom};
        }""", PHRASE)) and 0 <= r["top"] and r["bottom"] <= sheet["top"] and r, timeout=5,
        message="the passage shown above the sheet")
    assert passage
    # The grip makes the sheet tall, and short again.
    grip = shadow_rect(page, ".sidebar .grip")
    assert grip and grip["height"] >= 24, grip
    tap(page, grip)
    tall = wait_until(lambda: (r := shadow_rect(page, ".sidebar"))
                      and r["top"] < 0.15 * view["height"] and r,
                      timeout=5, message="the sheet made tall")
    assert abs(tall["bottom"] - view["height"]) < 1
    assert page.evaluate("""() => document.querySelector('postil-ui').shadowRoot
        .querySelector('.sidebar .grip').getAttribute('aria-expanded')""") == "true"
    tap(page, shadow_rect(page, ".sidebar .grip"))
    wait_until(lambda: (r := shadow_rect(page, ".sidebar")) and r["top"] >= 0.35 * view["height"],
               timeout=5, message="the sheet short again")
    assert painted(page)["blue"] == [PHRASE]


def test_on_a_wide_screen_the_sidebar_has_no_grip(browser, tokens):
    browser.sign_in("alice", tokens["alice"])
    page = browser.open(POST_101)
    page.evaluate("() => document.querySelector('postil-ui')")
    assert page.evaluate("""() => getComputedStyle(document.querySelector('postil-ui').shadowRoot
        .querySelector('.sidebar .grip')).display""") == "none"


def test_firefox_on_a_phone_sized_screen_touch_selection_toolbar_and_sheet(
        node_driver, server, blog, artifacts):
    result = run_firefox_flow(node_driver, "phone-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
        "POSTIL_PAGE": blog.url + POST_101, "POSTIL_PHRASE": PHRASE, "POSTIL_USER": "alice",
        "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX,
        "POSTIL_SCREENSHOT": str(artifacts / "firefox-phone-sheet.png")})
    view = result["viewport"]
    assert view["width"] == 390, view
    toolbar, chosen = result["toolbar"]["bar"], result["toolbar"]["chosen"]
    assert toolbar["top"] >= chosen["bottom"] + 20 and toolbar["right"] <= view["width"]
    assert result["button"]["width"] >= 40 and result["button"]["height"] >= 40
    assert result["painted"] == [PHRASE]
    sheet = result["sheet"]
    assert sheet["left"] == 0 and abs(sheet["right"] - view["width"]) < 1, sheet
    assert abs(sheet["bottom"] - view["height"]) < 1, sheet
    assert 0.35 * view["height"] <= sheet["top"] <= 0.55 * view["height"], sheet
    assert result["marginKept"] is True
    assert result["tall"]["top"] < 0.15 * view["height"]
    assert result["errors"] == []
