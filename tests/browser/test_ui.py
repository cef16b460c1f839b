"""The popup, keyboard reach, isolation from page CSS, and the painter used where the CSS Custom
Highlight API is missing."""

from __future__ import annotations

from browser_helpers import (
    POST_101,
    items,
    note_editor,
    open_sidebar,
    select,
    serve_extension_sources,
    tab_id,
    wait_painted,
    wait_until,
)

ACTIVE = "document.querySelector('postil-ui').shadowRoot.activeElement"


def test_popup_shows_status_counts_and_opens_the_sidebar(alice, server, tokens, artifacts):
    page = alice.open(POST_101)
    for phrase, color in (("the anemones sit open like small flowers", "Highlight green"),
                          ("guided by the mucus trail they laid", "Highlight blue")):
        select(page, phrase)
        page.get_by_role("button", name=color).click()
    wait_until(lambda: not alice.storage().get("queue"), message="synced")
    popup = alice.context.new_page()
    popup.set_viewport_size({"width": 320, "height": 260})
    popup_url = f"chrome-extension://{alice.extension_id}/src/popup/popup.html"
    popup.goto(f"{popup_url}?tab={tab_id(alice, page)}")
    wait_until(lambda: "on the server" in popup.locator("#count").inner_text(), message="the count")
    assert popup.locator("#count").inner_text() == "2 on the server (2 shown here)"
    assert popup.locator("#user").inner_text() == "alice"
    assert popup.locator("#queued").inner_text() == "0"
    assert "connected" in popup.locator("#server").inner_text()
    popup.screenshot(path=str(artifacts / "popup.png"))

    server.stop()
    select(page, "Shore crabs kept in a laboratory tank")
    page.get_by_role("button", name="Highlight pink").click()
    wait_until(lambda: len(alice.storage().get("queue", [])) == 1, message="one queued")
    popup.reload()
    wait_until(lambda: popup.locator("#queued").inner_text() == "1", message="queued count")
    assert "unreachable" in popup.locator("#server").inner_text()
    popup.get_by_role("button", name="Open sidebar").click()
    page.locator("postil-ui .sidebar").wait_for(state="visible")
    assert items(page).count() == 3


def test_the_sidebar_is_reachable_by_keyboard(alice):
    page = alice.open(POST_101)
    phrase = "put it back the way it was"
    select(page, phrase)
    page.get_by_role("button", name="Highlight purple").click()
    wait_painted(page, "purple", phrase)
    page.evaluate("() => window.scrollTo(0, 0)")
    open_sidebar(alice, page)
    wait_until(lambda: page.locator("postil-ui .badge").count() == 0, message="synced")
    # Opening the sidebar puts the focus on the first passage; Enter scrolls to it and flashes it.
    focused = page.evaluate(f"() => {ACTIVE}.getAttribute('aria-label')")
    assert focused == f"Go to passage: {phrase}"
    page.keyboard.press("Enter")
    assert page.evaluate("() => CSS.highlights.get('postil-flash').size") == 1
    assert page.evaluate("() => window.scrollY") > 0
    page.keyboard.press("Tab")
    assert page.evaluate(f"() => {ACTIVE}.textContent") == "Edit"
    page.keyboard.press("Enter")  # "Edit" opens the editor, focused on the note.
    dialog = page.get_by_role("dialog", name="Postil note editor")
    note_editor(page)
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert items(page).first.locator(".note").count() == 0


def test_the_selection_toolbar_is_reachable_by_keyboard(alice, artifacts):
    page = alice.open(POST_101)
    phrase = "Limpets return to the same scar on the rock"
    select(page, phrase)
    # Tab from the selected text lands on the toolbar's first button; Tab walks the colours.
    page.keyboard.press("Tab")
    assert page.evaluate(f"() => {ACTIVE}.getAttribute('aria-label')") == "Highlight yellow"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate(f"() => {ACTIVE}.getAttribute('aria-label')") == "Highlight blue"
    page.screenshot(path=str(artifacts / "toolbar-keyboard-focus.png"))
    page.keyboard.press("Enter")
    wait_painted(page, "blue", phrase)

    # Escape dismisses the toolbar and leaves the selection alone.
    select(page, "That calm is an illusion of timing")
    page.keyboard.press("Escape")
    assert page.locator("postil-ui .toolbar").is_hidden()


def test_page_css_does_not_reach_the_ui(alice):
    page = alice.open(POST_101)
    select(page, "That calm is an illusion of timing")
    style = page.evaluate("""() => {
        const ui = document.querySelector('postil-ui').shadowRoot;
        const b = ui.querySelector('.toolbar button:last-child');
        const s = getComputedStyle(b);
        return {font: s.fontFamily, transform: s.textTransform, bg: s.backgroundColor};
    }""")
    # The sample theme styles every <button> in Comic Sans, uppercase, hot pink.
    assert "Comic Sans" not in style["font"]
    assert style["transform"] == "none"
    assert style["bg"] != "rgb(255, 105, 180)"
    # And nothing of Postil's leaks onto the page's own buttons or text.
    assert page.evaluate("() => getComputedStyle(document.body).fontFamily").startswith("Georgia")


FALLBACK_JS = """async (base) => {
  Object.defineProperty(CSS, 'highlights', {value: undefined, configurable: true});
  const {createPainter} = await import(base + '/src/content/paint.js');
  document.body.innerHTML = '<p id="a">One two three four five.</p><p id="b">Six seven eight.</p>';
  const painter = createPainter(document);
  const text = document.querySelector('#a').firstChild;
  const first = document.createRange(); first.setStart(text, 4); first.setEnd(text, 13);
  painter.paint('one', first, 'green');
  const marks = [...document.querySelectorAll('postil-mark')]
    .map((m) => [m.textContent, m.dataset.postilId]);
  const hit = painter.hitTest(0, 0, document.querySelector('postil-mark'));
  const focusable = document.querySelector('postil-mark').tabIndex;
  const range = painter.rangeOf('one').toString();
  const textAfterPaint = document.body.textContent;
  painter.unpaint('one');
  return {kind: painter.kind, marks, hit, range, textAfterPaint, focusable,
          textAfterUnpaint: document.body.textContent,
          nodes: document.querySelector('#a').childNodes.length,
          left: document.querySelectorAll('postil-mark').length};
}"""


def test_marks_paint_where_the_highlight_api_is_missing(browser):
    # A plain page without the Highlight API runs the painter module, served from the source tree.
    page = browser.context.new_page()
    serve_extension_sources(page)
    page.goto(browser.blog.url + "/sample/")
    result = page.evaluate(FALLBACK_JS, browser.blog.url + "/__postil_src")
    assert result["kind"] == "marks"
    assert result["marks"] == [["two three", "one"]]
    assert result["hit"] == "one" and result["range"] == "two three"
    assert result["focusable"] == 0  # A tab stop, so the keyboard can open its note.
    text = "One two three four five.Six seven eight."
    assert result["textAfterPaint"] == result["textAfterUnpaint"] == text
    assert result["nodes"] == 1 and result["left"] == 0
