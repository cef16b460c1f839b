"""One order per view, in real Chromium: the sidebar lists a page's annotations in document order
(then the passages it cannot find, then page notes), and the notebook lists them by post and
position exactly as the server's exports do."""

from __future__ import annotations

from browser_helpers import POST_101, items, open_sidebar, wait_until

WALLS = "/sample/a-short-walk-along-dry-stone-walls/"


def make(server, token, path: str, post_id: int, *, quote: str = "", start: int | None = None,
         note: str = "") -> str:
    """Create one annotation now (so later calls are newer); return its id."""
    selectors = []
    if quote:
        selectors.append({"type": "TextQuoteSelector", "exact": quote})
    if start is not None:
        selectors.append({"type": "TextPositionSelector", "start": start,
                          "end": start + len(quote)})
    status, data = server.api("POST", "/api/annotations", token, body={
        "post": {"site": server.blog_site, "post_id": post_id, "url": server.blog_url + path},
        "quote": quote, "selectors": selectors, "note": note or f"about {quote or 'the page'}"})
    assert status == 201, data
    return data["id"]


def seed_walls(server, token) -> dict[str, str]:
    """Passages, lost passages and page notes of the dry-stone walls post, made out of order."""
    ids = {}
    ids["coping"] = make(server, token, WALLS, 103, quote="a row of coping stones set on edge",
                         start=986)
    ids["note 1"] = make(server, token, WALLS, 103, note="first thought on the whole page")
    ids["lost late"] = make(server, token, WALLS, 103, start=900,
                            quote="a sentence the author has since removed")
    ids["gravity"] = make(server, token, WALLS, 103, start=20,
                          quote="held together by nothing but gravity and friction")
    ids["lost early"] = make(server, token, WALLS, 103, start=40,
                             quote="another line that is no longer there")
    ids["note 2"] = make(server, token, WALLS, 103, note="second thought on the whole page")
    ids["faces"] = make(server, token, WALLS, 103, quote="ties the faces together at intervals",
                        start=498)
    return ids


def test_the_sidebar_lists_passages_in_document_order_then_lost_ones_then_page_notes(
        alice, server, tokens, artifacts):
    ids = seed_walls(server, tokens["alice"])
    page = alice.open(WALLS)
    open_sidebar(alice, page)
    wait_until(lambda: items(page).count() == len(ids), message="every annotation listed")
    shown = items(page).evaluate_all("(els) => els.map((el) => el.dataset.id)")
    names = {v: k for k, v in ids.items()}
    assert [names[i] for i in shown] == ["gravity", "faces", "coping", "lost early", "lost late",
                                         "note 1", "note 2"]
    page.screenshot(path=str(artifacts / "sidebar-reading-order.png"))


def test_the_notebook_shows_posts_and_passages_in_the_exports_order(alice, server, tokens,
                                                                    artifacts):
    token = tokens["alice"]
    walls = seed_walls(server, token)
    tides = {
        "illusion": make(server, token, POST_101, 101, quote="That calm is an illusion of timing",
                         start=182),
        "tides note": make(server, token, POST_101, 101, note="a page note on the tides"),
        "calm": make(server, token, POST_101, 101, quote="calmest place on a beach", start=27),
    }
    names = {v: k for k, v in {**walls, **tides}.items()}
    # The stored position places a passage the page no longer shows as well as any other.
    expected = [["calm", "illusion", "tides note"],
                ["gravity", "lost early", "faces", "lost late", "coping", "note 1", "note 2"]]
    status, export = server.api("GET", "/api/export", token, query={"format": "json"})
    assert status == 200
    assert [names[a["id"]] for a in export["annotations"]] == [n for g in expected for n in g]

    # Pages of two, newest first: later pages bring passages that come earlier in the article.
    page = alice.context.new_page()
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(f"chrome-extension://{alice.extension_id}/src/notebook/notebook.html?pageSize=2")
    for _ in range(20):
        if page.locator("li.annotation").count() == len(names):
            break
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(150)
    wait_until(lambda: page.locator("li.annotation").count() == len(names), message="every page")
    page.locator("#end").wait_for(state="visible")
    shown = page.evaluate("""() => [...document.querySelectorAll('section.post')].map((s) =>
        [...s.querySelectorAll('li.annotation')].map((li) => li.dataset.id))""")
    assert [[names[i] for i in group] for group in shown] == expected
    page.screenshot(path=str(artifacts / "notebook-reading-order.png"), full_page=True)
