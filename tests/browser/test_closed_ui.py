"""The on-page UI as readers get it: its shadow root is closed, so the page's own scripts get no
handle on it and cannot walk the sidebar's elements for the reader's notes, while the reader
still highlights by keyboard and reads their notes as before. (Not a wall: see README, "What the
page can see".)

Every other browser test opens the root through the extension's storage (Playwright's locators
cannot enter a closed one); this one leaves it closed and reads what the reader sees through the
DevTools protocol, which can.
"""

from __future__ import annotations

from browser_helpers import POST_101, SELECT_JS, wait_painted, wait_until

NOTED = "A rock pool looks like the calmest place on a beach"
SECRET = "heron came back at dusk"
TYPED = "anemones sit open like small flowers"

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

        stored = wait_until(lambda: server.annotations(
            tokens["alice"], site=server.blog_site, post_id=101, limit=5)["total"] == 2
            and server.annotations(tokens["alice"], site=server.blog_site, post_id=101),
            message="the new highlight on the server")
        assert sorted((a["quote"], a["color"]) for a in stored["items"]) == [
            (NOTED, "blue"), (TYPED, "green")]
        assert not ext.errors, ext.errors
    finally:
        ext.context.close()
