"""The on-page UI as readers get it: its shadow root is closed, so the page's own scripts get no
handle on it and cannot walk the sidebar's elements for the reader's notes, and the note editor
is a frame of the extension's own, so the page hears none of the keys typed there; the reader
still highlights by keyboard, writes notes and reads them as before. (What a closed root does
not stop: see docs/extension.md, "What the page can see".)

Every other browser test opens the root through the extension's storage (Playwright's locators
cannot enter a closed one); this one leaves it closed and reads what the reader sees through the
DevTools protocol, which can.
"""

from __future__ import annotations

from browser_helpers import POST_101, RECORD_KEYS_JS, SELECT_JS, wait_painted, wait_until

NOTED = "A rock pool looks like the calmest place on a beach"
SECRET = "heron came back at dusk"
TYPED = "anemones sit open like small flowers"
WRITTEN = "Shore crabs kept in a laboratory tank"
NOTE_TEXT = "my private thought"


# What a script of the page itself can find: the light DOM, the host's shadowRoot property, and
# every open shadow root on the page.
PAGE_CAN_READ_JS = """(word) => {
  const host = document.querySelector('postil-ui');
  const texts = [document.documentElement.textContent, document.body.innerText,
                 host.innerHTML, String(host.shadowRoot)];
  for (const el of document.querySelectorAll('*')) {
    if (el.shadowRoot) texts.push(el.shadowRoot.textContent);
  }
  return {hostShadowRoot: host.shadowRoot === null ? null : 'reachable',
          found: texts.some((t) => t.includes(word))};
}"""


def ui_root(page) -> dict:
    """The DevTools node of Postil's shadow root (closed or not), with everything under it."""
    cdp = page.context.new_cdp_session(page)
    try:
        doc = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    finally:
        cdp.detach()
    host = find(doc, lambda node: node.get("nodeName") == "POSTIL-UI")
    return host["shadowRoots"][0] if host and host.get("shadowRoots") else {}


def find(node: dict, wanted) -> dict | None:
    if wanted(node):
        return node
    for kid in node.get("shadowRoots", []) + node.get("children", []):
        found = find(kid, wanted)
        if found:
            return found
    return None


def attributes(node: dict) -> dict:
    flat = node.get("attributes", [])
    return dict(zip(flat[::2], flat[1::2], strict=True))


def reader_sees(page, hidden: bool = False) -> tuple[str, str]:
    """(shadow root mode, text) of Postil's UI as a person sees it: hidden parts left out
    unless `hidden`."""
    def text(node) -> str:
        if node.get("nodeName") == "STYLE" or (not hidden and "hidden" in attributes(node)):
            return ""
        own = node.get("nodeValue", "") if node.get("nodeType") == 3 else ""
        return own + " ".join(text(kid) for kid in node.get("children", []))

    root = ui_root(page)
    return root.get("shadowRootType", ""), " ".join(text(root).split())


def toolbar_shown(page) -> bool:
    bar = find(ui_root(page), lambda node: attributes(node).get("role") == "toolbar")
    return bar is not None and "hidden" not in attributes(bar)


def test_page_scripts_cannot_read_the_readers_notes(open_profile, tmp_path, server, tokens,
                                                     artifacts):
    status, made = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": {"site": server.blog_site, "post_id": 101},
        "selectors": [{"type": "TextQuoteSelector", "exact": NOTED}],
        "note": f"The {SECRET}.", "color": "blue"})
    assert status == 201, made
    ext = open_profile(tmp_path / "profile", open_shadow_root=False)
    try:
        ext.sign_in("alice", tokens["alice"])
        page = ext.context.new_page()
        page.goto(ext.blog.url + POST_101)
        wait_until(lambda: "Signed in as alice" in reader_sees(page, hidden=True)[1],
                   message="the UI to be ready")
        wait_painted(page, "blue", NOTED)

        # A keyboard reader highlights as before: select, Tab into the toolbar, Tab to green.
        assert page.evaluate(SELECT_JS, TYPED)
        wait_until(lambda: toolbar_shown(page), message="the toolbar")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        wait_painted(page, "green", TYPED)

        # The sidebar shows the note to the reader and to nothing the page runs.
        ext.control().evaluate(
            """async () => {
                 for (const tab of await chrome.tabs.query({})) {
                   chrome.tabs.sendMessage(tab.id, {type: 'ui/open-sidebar'}).catch(() => {});
                 }
               }""")
        mode, shown = wait_until(lambda: SECRET in reader_sees(page)[1] and reader_sees(page),
                                 message="the note in the sidebar")
        assert mode == "closed"
        assert NOTED in shown and TYPED in shown
        page.screenshot(path=str(artifacts / "closed-ui-sidebar.png"))
        assert page.evaluate(PAGE_CAN_READ_JS, "heron") == {"hostShadowRoot": None,
                                                            "found": False}

        # A note typed into the editor: the page hears none of the keys and cannot find the text.
        page.keyboard.press("Escape")  # the sidebar
        assert page.evaluate(SELECT_JS, WRITTEN)
        wait_until(lambda: toolbar_shown(page), message="the toolbar")
        for _ in range(6):  # five colours, then "Add note"
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")

        def editor_frame():
            page.wait_for_timeout(100)  # page.frames is kept up to date by Playwright's events
            return next((f for f in page.frames if f.url.split("#")[0].endswith("/editor.html")),
                        None)

        editor = wait_until(editor_frame, message="the editor's frame")
        note = editor.get_by_label("Note")
        note.wait_for()
        wait_until(lambda: note.evaluate("(el) => el === document.activeElement"),
                   message="the note to have the focus")
        page.evaluate(RECORD_KEYS_JS)
        page.keyboard.type(NOTE_TEXT)
        assert note.input_value() == NOTE_TEXT
        assert page.evaluate("() => window.heard") == []
        assert page.evaluate("(text) => window.find(text)", NOTE_TEXT) is False
        page.wait_for_timeout(300)  # the frame paints in its own process
        page.screenshot(path=str(artifacts / "closed-ui-editor.png"))
        editor.get_by_role("button", name="Save").click()

        stored = wait_until(lambda: server.annotations(
            tokens["alice"], site=server.blog_site, post_id=101, limit=5)["total"] == 3
            and server.annotations(tokens["alice"], site=server.blog_site, post_id=101),
            message="the new highlights on the server")
        assert sorted((a["quote"], a["color"], a["note"]) for a in stored["items"]) == sorted([
            (NOTED, "blue", f"The {SECRET}."), (TYPED, "green", ""),
            (WRITTEN, "yellow", NOTE_TEXT)])
        assert not ext.errors, ext.errors
    finally:
        ext.context.close()
