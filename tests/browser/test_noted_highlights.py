"""A highlight with a note looks different from one without: it is underlined as well as
coloured, with the CSS Custom Highlight API and with the <postil-mark> painter where that API is
missing; writing a note on a plain highlight adds the underline at once."""

from __future__ import annotations

from browser_helpers import (
    POST_101,
    note_editor,
    open_sidebar,
    serve_extension_sources,
    wait_painted,
    wait_until,
)

WITH_NOTE = "Barnacles and limpets tolerate long spells in the air"
WITHOUT_NOTE = "Soft seaweeds and most anemones prefer the lower pools"


def noted(page) -> list[str]:
    return page.evaluate(
        "() => [...(CSS.highlights.get('postil-noted') || [])].map((r) => r.toString()).sort()")


def create(server, token, quote, note=""):
    post = {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}"}
    status, _ = server.api("POST", "/api/annotations", token, body={
        "post": post, "quote": quote, "note": note, "color": "yellow",
        "selectors": [{"type": "TextQuoteSelector", "exact": quote, "prefix": "", "suffix": ""}]})
    assert status == 201


def test_a_highlight_with_a_note_is_underlined(alice, server, tokens, artifacts):
    create(server, tokens["alice"], WITH_NOTE, note="Upper shore: the hardy ones.")
    create(server, tokens["alice"], WITHOUT_NOTE)
    page = alice.open(POST_101)
    wait_painted(page, "yellow", WITH_NOTE)
    wait_painted(page, "yellow", WITHOUT_NOTE)
    assert noted(page) == [WITH_NOTE]
    page.evaluate("(q) => [...document.querySelectorAll('p')].find((p) => p.textContent"
                  ".includes(q)).scrollIntoView({block: 'center'})", WITH_NOTE)
    page.screenshot(path=str(artifacts / "noted-highlight.png"))

    # Writing a note on the plain one underlines it too.
    open_sidebar(alice, page)
    page.get_by_role("button", name=f"Edit annotation: {WITHOUT_NOTE[:39]}…").click()
    editor = note_editor(page)
    editor.get_by_label("Note").fill("Lower pools: the soft ones.")
    editor.get_by_role("button", name="Save").click()
    wait_until(lambda: noted(page) == sorted([WITH_NOTE, WITHOUT_NOTE]), message="both underlined")


MARKS_JS = """async (base) => {
  Object.defineProperty(CSS, 'highlights', {value: undefined, configurable: true});
  const {createPainter} = await import(base + '/src/content/paint.js');
  document.body.innerHTML = '<p>One two three four five.</p><p>Six seven eight.</p>';
  const painter = createPainter(document);
  const [text, other] = [...document.querySelectorAll('p')].map((p) => p.firstChild);
  const range = (start, end, node = text) => {
    const r = document.createRange(); r.setStart(node, start); r.setEnd(node, end); return r;
  };
  painter.paintMany([{id: 'plain', range: range(0, 3), color: 'green', noted: false},
                     {id: 'noted', range: range(4, 7), color: 'green', noted: true}]);
  painter.paint('later', range(4, 9, other), 'blue', true);
  const mark = (id) => document.querySelector(`postil-mark[data-postil-id="${id}"]`);
  const line = (id) => getComputedStyle(mark(id)).textDecorationLine;
  return {kind: painter.kind, plain: line('plain'), noted: line('noted'), later: line('later')};
}"""


def test_marks_underline_a_highlight_with_a_note(browser):
    page = browser.context.new_page()
    serve_extension_sources(page)
    page.goto(browser.blog.url + "/sample/")
    result = page.evaluate(MARKS_JS, browser.blog.url + "/__postil_src")
    assert result == {"kind": "marks", "plain": "none", "noted": "underline", "later": "underline"}
