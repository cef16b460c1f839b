"""The notebook page: the signed-in reader's annotations across posts, grouped by post, with search,
filters, pages loaded on scroll, edit and delete, links to the passage, and export downloads."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile

import pytest
from browser_helpers import (
    EXTENSION,
    FIREFOX,
    PASSWORD,
    POST_101,
    POST_102,
    ROOT,
    run_firefox_flow,
    screenshot_of,
    select,
    wait_until,
)

POSTS = {
    101: (POST_101, "How Tide Pools Keep Time"),
    102: (POST_102, "The Patient Chemistry of Sourdough"),
    103: ("/sample/a-short-walk-along-dry-stone-walls/", "A Short Walk Along Dry-Stone Walls"),
}


def seed(server, token, post_id, quote, *, prefix="", suffix="", created, **fields):
    """Store one annotation with a known creation time (import keeps times); return its id."""
    path, title = POSTS[post_id]
    item = {
        "id": str(uuid.uuid4()),
        "post": {"site": server.blog_site, "post_id": post_id, "url": server.blog_url + path,
                 "title": title},
        "quote": quote,
        "selectors": [{"type": "TextQuoteSelector", "exact": quote, "prefix": prefix,
                       "suffix": suffix}],
        "created": created, "updated": created,
        **fields,
    }
    status, data = server.api("POST", "/api/import", token, body=[item])
    assert status == 200 and data["created"] == 1, data
    return item["id"]


@pytest.fixture
def seeded(server, tokens):
    """Five of alice's annotations over three posts, and bob's private and public ones."""
    alice, bob = tokens["alice"], tokens["bob"]
    ids = {
        "calm": seed(server, alice, 101, "calmest place on a beach", created="2026-01-05T12:00:00Z",
                     prefix="A rock pool looks like the ", suffix=". The water is clear, the anemo",
                     note="**Calm** is a matter of timing", color="yellow", tags=["tides"]),
        "illusion": seed(server, alice, 101, "That calm is an illusion of timing",
                         created="2026-02-10T12:00:00Z",
                         prefix="picks its way along a ledge as if it had all afternoon. ",
                         suffix=": you are seeing the pool", color="green", tags=["tides", "time"],
                         visibility="public", note="Timing again"),
        "bacteria": seed(server, alice, 102, "wild yeasts and lactic acid bacteria",
                         created="2026-03-15T12:00:00Z",
                         prefix="settles into a steady community of ",
                         suffix=" that arrived on the grain", color="blue", tags=["bread"],
                         note="Two groups of *microbes*"),
        "ingredient": seed(server, alice, 102, "time becomes the most important ingredient",
                           created="2026-04-20T12:00:00Z", prefix="than commercial yeast, ",
                           suffix=". A loaf may take a full day", color="green",
                           tags=["bread", "time"], visibility="public"),
        "gravity": seed(server, alice, 103, "held together by nothing but gravity and friction",
                        created="2026-05-25T12:00:00Z", prefix="A dry-stone wall is ",
                        suffix=". There is no mortar", color="pink", tags=["walls"]),
    }
    seed(server, bob, 101, "Twice a day the tide covers the pool", created="2026-02-01T12:00:00Z",
         note="bob's secret", tags=["tides", "time"], color="green")
    seed(server, bob, 102, "The two groups do different jobs", created="2026-03-01T12:00:00Z",
         note="bob's public timing note", tags=["bread", "time"], color="green",
         visibility="public")
    return ids


def open_notebook(ext, query: str = "", size=(1100, 900)):
    page = ext.context.new_page()
    page.on("pageerror", lambda err: ext.errors.append(str(err)))
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"chrome-extension://{ext.extension_id}/src/notebook/notebook.html{query}")
    return page


def quotes(page) -> list[str]:
    return page.locator("li.annotation .quote").all_inner_texts()


def wait_quotes(page, expected: list[str]) -> None:
    wait_until(lambda: quotes(page) == expected, message=f"quotes {expected}")
    page.locator("#loading").wait_for(state="hidden")


def groups(page) -> list[tuple[str, list[str]]]:
    return page.evaluate("""() => [...document.querySelectorAll('section.post')].map((s) => [
        s.querySelector('h2').textContent,
        [...s.querySelectorAll('.quote')].map((q) => q.textContent)])""")


# As the notebook shows them: the posts most recently annotated first, each post's annotations in
# reading order (these have no position in the article, so oldest first).
ALL = ["held together by nothing but gravity and friction",
       "wild yeasts and lactic acid bacteria", "time becomes the most important ingredient",
       "calmest place on a beach", "That calm is an illusion of timing"]


def test_lists_own_annotations_grouped_by_post(alice, seeded, artifacts):
    page = open_notebook(alice)
    wait_quotes(page, ALL)
    assert groups(page) == [
        ["A Short Walk Along Dry-Stone Walls", [ALL[0]]],
        ["The Patient Chemistry of Sourdough", ALL[1:3]],
        ["How Tide Pools Keep Time", ALL[3:5]],
    ]
    assert page.locator("#summary").inner_text() == "5 annotations across 3 posts."
    assert "Signed in as alice" in page.locator("#account").inner_text()
    # Nothing of bob's, neither his private nor his public annotations.
    assert "bob" not in page.locator("#posts").inner_text()
    assert "Twice a day" not in page.locator("#posts").inner_text()

    calm = page.locator(f'li[data-id="{seeded["calm"]}"]')
    # The note is the server's sanitised HTML; everything else is text.
    assert calm.locator(".note strong").inner_text() == "Calm"
    assert calm.locator("button.tag").all_inner_texts() == ["#tides"]
    assert "Yellow" in calm.locator(".meta").inner_text()
    assert "Private" in calm.locator(".meta").inner_text()
    assert "Public" in page.locator(f'li[data-id="{seeded["illusion"]}"] .meta').inner_text()
    heading = page.locator("section.post h2 a").first
    assert heading.get_attribute("href") == alice.blog.url + POSTS[103][0]
    assert "post 103" in page.locator("section.post .site").first.inner_text()
    page.screenshot(path=str(artifacts / "notebook.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(artifacts / "notebook-dark.png"))
    page.set_viewport_size({"width": 420, "height": 900})
    page.screenshot(path=str(artifacts / "notebook-narrow.png"))


def test_search_and_each_filter(alice, seeded, artifacts):
    page = open_notebook(alice)
    wait_quotes(page, ALL)

    page.get_by_label("Search", exact=True).fill("timing")
    wait_quotes(page, [ALL[3], ALL[4]])  # one in the quote, one in the note
    assert page.locator("#summary").inner_text() == "2 matching annotations across 1 post."
    page.get_by_label("Search", exact=True).fill("")
    page.get_by_role("button", name="Search", exact=True).click()
    wait_quotes(page, ALL)

    page.get_by_label("Colour", exact=True).select_option("green")
    wait_quotes(page, [ALL[2], ALL[4]])
    page.get_by_label("Visibility", exact=True).select_option("private")
    wait_quotes(page, [])
    assert page.locator("#empty").inner_text() == "No annotations match these filters."
    page.screenshot(path=str(artifacts / "notebook-empty.png"))
    page.get_by_role("button", name="Clear filters").click()
    wait_quotes(page, ALL)

    page.get_by_label("Visibility", exact=True).select_option("public")
    wait_quotes(page, [ALL[2], ALL[4]])
    page.get_by_role("button", name="Clear filters").click()
    wait_quotes(page, ALL)

    # Tags: every tag given must match.
    page.get_by_role("textbox", name="Tags", exact=True).fill("time, bread")
    wait_quotes(page, [ALL[2]])
    page.get_by_role("textbox", name="Tags", exact=True).fill("")
    page.locator(f'li[data-id="{seeded["calm"]}"] button.tag').click()  # a tag chip filters too
    wait_quotes(page, [ALL[3], ALL[4]])
    assert page.get_by_role("textbox", name="Tags", exact=True).input_value() == "tides"
    page.get_by_role("button", name="Clear filters").click()
    wait_quotes(page, ALL)

    page.get_by_label("Site", exact=True).fill(alice.blog.site)
    wait_quotes(page, ALL)
    page.get_by_label("Site", exact=True).fill("elsewhere.example")
    wait_quotes(page, [])
    page.get_by_role("button", name="Clear filters").click()
    wait_quotes(page, ALL)

    # Dates: both ends inclusive, whole days of the browser's time zone (seeds are at noon UTC,
    # the same day in nearly every zone).
    page.get_by_label("From", exact=True).fill("2026-02-10")
    page.get_by_label("To", exact=True).fill("2026-04-20")
    wait_quotes(page, [ALL[1], ALL[2], ALL[4]])
    page.get_by_label("From", exact=True).fill("2026-05-01")
    page.get_by_label("To", exact=True).fill("")
    wait_quotes(page, [ALL[0]])
    page.get_by_label("To", exact=True).fill("2026-02-01")  # before "From": said, not sent
    page.locator("#error").wait_for(state="visible")
    assert page.locator("#error-text").inner_text() == "The “From” date is after the “To” date."
    page.get_by_role("button", name="Export", exact=True).click()
    assert page.locator("#export-message").inner_text() == (
        "Fix the dates first: “From” is after “To”.")
    page.get_by_role("button", name="Clear filters").click()
    wait_quotes(page, ALL)
    page.screenshot(path=str(artifacts / "notebook-filters.png"))


def test_scrolling_loads_the_next_pages(alice, server, tokens, artifacts):
    alice_token = tokens["alice"]
    made = []
    for n in range(9):
        made.append(f"passage number {n}")
        seed(server, alice_token, 101 + n % 2, f"passage number {n}",
             created=f"2026-06-{n + 1:02d}T12:00:00Z")
    page = open_notebook(alice, "?pageSize=2", size=(900, 500))
    wait_until(lambda: page.locator("li.annotation").count() >= 2, message="the first page")
    page.locator("#loading").wait_for(state="hidden")
    first = page.locator("li.annotation").count()
    assert first < 9
    assert "showing" in page.locator("#summary").inner_text()
    page.screenshot(path=str(artifacts / "notebook-first-page.png"))
    for _ in range(12):
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(150)
        if page.locator("li.annotation").count() == 9:
            break
    wait_until(lambda: page.locator("li.annotation").count() == 9, message="every page")
    assert sorted(quotes(page)) == sorted(made)
    page.locator("#end").wait_for(state="visible")
    assert page.locator("#summary").inner_text() == "9 annotations across 2 posts."
    # Items of a post seen on an earlier page join that post's group.
    assert [title for title, _ in groups(page)] == [POSTS[101 + 8 % 2][1], POSTS[101 + 7 % 2][1]]


def test_edit_and_delete_reach_the_server(alice, server, tokens, seeded, artifacts):
    page = open_notebook(alice)
    wait_quotes(page, ALL)
    item = page.locator(f'li[data-id="{seeded["bacteria"]}"]')
    item.get_by_role("button", name="Edit").click()
    item.get_by_label("Note (Markdown)").fill("Yeast *and* bacteria")
    item.get_by_label("Tags (comma-separated)").fill("bread, microbes")
    item.get_by_label("Colour").select_option("purple")
    item.get_by_label("Visibility").select_option("public")
    page.screenshot(path=str(artifacts / "notebook-edit.png"))
    item.get_by_role("button", name="Save").click()
    wait_until(lambda: item.locator(".note em").count() == 1, message="the saved note")
    assert item.locator(".item-status").inner_text() == "Saved."
    stored = server.api("GET", f"/api/annotations/{seeded['bacteria']}", tokens["alice"])[1]
    assert (stored["note"], stored["tags"], stored["color"], stored["visibility"]) == (
        "Yeast *and* bacteria", ["bread", "microbes"], "purple", "public")
    assert item.get_attribute("data-color") == "purple"
    assert "Public" in item.locator(".meta").inner_text()

    gone = page.locator(f'li[data-id="{seeded["gravity"]}"]')
    gone.get_by_role("button", name="Delete").click()
    gone.get_by_role("button", name="Keep").click()  # changing one's mind keeps it
    assert gone.count() == 1
    gone.get_by_role("button", name="Delete").click()
    page.screenshot(path=str(artifacts / "notebook-delete.png"))
    gone.get_by_role("button", name="Delete", exact=True).click()
    wait_until(lambda: gone.count() == 0, message="the deleted item to go")
    # Its post had only that one: the group goes too.
    assert [title for title, _ in groups(page)] == [POSTS[102][1], POSTS[101][1]]
    status, _ = server.api("GET", f"/api/annotations/{seeded['gravity']}", tokens["alice"])
    assert status == 410  # gone, a tombstone kept for syncing clients
    assert len(server.annotations(tokens["alice"], user="alice")["items"]) == 4


def test_changes_made_elsewhere_reach_an_open_notebook(alice, server, tokens, seeded, artifacts):
    """The notebook follows the server's changes as an open page does: an edit or a delete made
    on another device shows at once; a new annotation is announced, not slipped into the list,
    and shown on request; another reader's changes are none of its business."""
    page = open_notebook(alice)
    wait_quotes(page, ALL)
    calm = page.locator(f'li[data-id="{seeded["calm"]}"]')
    path = f"/api/annotations/{seeded['calm']}"
    status, _ = server.api("PATCH", path, tokens["alice"],
                           body={"note": "Edited on *the phone*", "color": "pink"})
    assert status == 200
    wait_until(lambda: calm.locator(".note em").all_inner_texts() == ["the phone"],
               message="the edit made elsewhere")
    assert calm.get_attribute("data-color") == "pink"

    status, _ = server.api("DELETE", f"/api/annotations/{seeded['gravity']}", tokens["alice"])
    assert status == 204
    wait_until(lambda: quotes(page) == ALL[1:], message="the delete made elsewhere")
    assert [title for title, _ in groups(page)] == [POSTS[102][1], POSTS[101][1]]

    status, _ = server.api("POST", "/api/annotations", tokens["bob"], body={
        "post": {"site": server.blog_site, "post_id": 101}, "visibility": "public",
        "quote": "Soft seaweeds and most anemones prefer the lower pools",
        "selectors": [{"type": "TextQuoteSelector",
                       "exact": "Soft seaweeds and most anemones prefer the lower pools"}]})
    assert status == 201
    phrase = "A pool you visit quietly for ten minutes"
    status, made = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": {"site": server.blog_site, "post_id": 101}, "color": "blue",
        "quote": phrase, "selectors": [{"type": "TextQuoteSelector", "exact": phrase}]})
    assert status == 201
    news = page.locator("#news")
    news.wait_for(state="visible", timeout=15000)
    # One: alice's; bob's public one is not hers to list here.
    assert news.inner_text().startswith("1 new annotation made elsewhere.")
    assert quotes(page) == ALL[1:]  # nothing moved under the reader's eyes
    page.screenshot(path=str(artifacts / "notebook-news.png"))
    news.get_by_role("button", name="Show them").click()
    wait_until(lambda: phrase in quotes(page), message="the new one listed")
    assert news.is_hidden()
    assert "Soft seaweeds" not in page.locator("#posts").inner_text()
    assert page.locator(f'li[data-id="{made["id"]}"]').get_attribute("data-color") == "blue"
    assert not alice.errors


def test_open_at_passage_links_to_a_text_fragment(alice, seeded, artifacts):
    page = open_notebook(alice)
    wait_quotes(page, ALL)
    def open_link(key):
        item = page.locator(f'li[data-id="{seeded[key]}"]')
        return item.get_by_role("link", name="Open at passage")

    link = open_link("calm")
    assert link.get_attribute("href") == (
        f"{alice.blog.url}{POST_101}"
        "#:~:text=pool%20looks%20like%20the-,calmest%20place%20on%20a%20beach")
    assert link.get_attribute("target") == "_blank"
    # Parts are percent-encoded, "-" included; the prefix starts and the suffix ends on a word.
    assert open_link("gravity").get_attribute("href").endswith(
        "#:~:text=dry%2Dstone%20wall%20is-,"
        "held%20together%20by%20nothing%20but%20gravity%20and%20friction")
    link = open_link("ingredient")
    with alice.context.expect_page() as opened:
        link.click()
    article = opened.value
    article.wait_for_load_state()
    assert article.url.startswith(alice.blog.url + POST_102)
    # Chromium follows the text fragment: the third paragraph is scrolled into view (and marked).
    article.wait_for_function("scrollY > 0", timeout=10000)
    article.screenshot(path=str(artifacts / "notebook-open-at-passage.png"))


def test_signed_out_notebook_says_how_to_sign_in(browser, tokens, seeded, artifacts):
    page = open_notebook(browser)
    page.locator("#signed-out").wait_for(state="visible")
    assert page.locator("#account").inner_text() == "Not signed in."
    assert page.get_by_role("link", name="Sign in on the options page").is_visible()
    assert page.locator("li.annotation").count() == 0
    assert page.get_by_role("search").is_hidden()
    page.screenshot(path=str(artifacts / "notebook-signed-out.png"))
    # Signing in elsewhere (the options page) fills the open notebook.
    browser.sign_in("alice", tokens["alice"])
    wait_quotes(page, ALL)
    assert page.locator("#signed-out").is_hidden()
    assert page.get_by_role("search").is_visible()


def export(page, choice: str):
    page.get_by_label("Export what is shown as").select_option(choice)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export", exact=True).click()
    download = info.value
    return download.suggested_filename, download.path().read_bytes()


def test_export_downloads_exactly_what_the_filters_show(alice, seeded, artifacts):
    page = open_notebook(alice)
    wait_quotes(page, ALL)
    page.get_by_role("textbox", name="Tags", exact=True).fill("time")
    wait_quotes(page, [ALL[2], ALL[4]])

    name, body = export(page, "json")
    assert name.startswith("postil-alice-") and name.endswith(".json")
    exported = json.loads(body)["annotations"]
    assert sorted(a["id"] for a in exported) == sorted([seeded["ingredient"], seeded["illusion"]])
    assert {a["user"] for a in exported} == {"alice"}  # bob's public "time" one is not shown
    assert page.locator("#export-message").inner_text() == f"Exported {name}."

    name, body = export(page, "markdown")
    assert name.endswith(".md")
    text = body.decode()
    assert ALL[2] in text and ALL[4] in text
    for other in (ALL[0], ALL[1], ALL[3], "The two groups do different jobs"):
        assert other not in text

    name, body = export(page, "csv:readwise")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert sorted(row["Highlight"] for row in rows) == sorted([ALL[2], ALL[4]])

    name, body = export(page, "zip")
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        text = "".join(archive.read(n).decode() for n in archive.namelist())
    assert ALL[2] in text and ALL[4] in text and ALL[1] not in text

    # Typed but not yet applied: export applies it first, so the file still matches the page.
    page.get_by_label("Search", exact=True).fill("ingredient")
    name, body = export(page, "json")
    assert [a["id"] for a in json.loads(body)["annotations"]] == [seeded["ingredient"]]
    wait_quotes(page, [ALL[2]])
    page.screenshot(path=str(artifacts / "notebook-export.png"))


def test_a_large_export_arrives_whole(alice, server, tokens):
    """Several MB go from the background to the page in pieces; the file is the server's."""
    path, title = POSTS[101]
    words = "tide pool limpet barnacle anemone crab wrack kelp shore rock ".split()
    items = [{
        "id": str(uuid.uuid4()),
        "post": {"site": server.blog_site, "post_id": 101, "url": server.blog_url + path,
                 "title": title},
        "quote": f"passage number {i}",
        "selectors": [{"type": "TextQuoteSelector", "exact": f"passage number {i}"}],
        "note": " ".join(words[(i + k) % len(words)] for k in range(600)),
        "created": f"2026-06-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
    } for i in range(500)]
    status, data = server.api("POST", "/api/import", tokens["alice"], body=items)
    assert status == 200 and data["created"] == 500, data
    page = open_notebook(alice)
    wait_until(lambda: page.locator("#summary").inner_text().startswith("500 annotations"),
               message="the notebook")

    name, body = export(page, "json")
    assert len(body) > 3_000_000  # a dozen pieces and more
    status, direct = server.api("GET", "/api/export", tokens["alice"],
                                query={"format": "json", "user": "alice"})
    assert status == 200
    assert json.loads(body)["annotations"] == direct["annotations"]
    name, body = export(page, "markdown")
    text = body.decode()
    assert all(f"passage number {i}" in text for i in range(500))


def test_edits_wait_for_an_unreachable_server(alice, server, tokens, seeded, artifacts):
    page = open_notebook(alice)
    wait_quotes(page, ALL)
    server.stop()
    item = page.locator(f'li[data-id="{seeded["calm"]}"]')
    item.get_by_role("button", name="Edit").click()
    item.get_by_label("Note (Markdown)").fill("Written *offline*")
    item.get_by_role("button", name="Save").click()
    wait_until(lambda: "waiting to sync" in item.locator(".meta").inner_text(),
               message="the pending mark")
    assert item.locator(".item-status").inner_text() == (
        "Saved here; it will reach the server when it is reachable.")
    assert item.locator(".note").inner_text() == "Written *offline*"  # as text until rendered

    page.reload()
    page.locator("#error").wait_for(state="visible")
    assert page.locator("#error-text").inner_text().startswith(
        "Could not load annotations: Cannot reach the server")
    page.screenshot(path=str(artifacts / "notebook-unreachable.png"))

    server.start()
    page.get_by_role("button", name="Try again").click()
    wait_quotes(page, ALL)
    stored = lambda: server.api("GET", f"/api/annotations/{seeded['calm']}",  # noqa: E731
                                tokens["alice"])[1]["note"]
    wait_until(lambda: stored() == "Written *offline*", message="the queued edit to land")


def test_highlights_made_offline_are_in_the_notebook_before_they_sync(alice, server, tokens,
                                                                     seeded, artifacts):
    server.stop()
    article = alice.open(POST_101)
    fresh = "Shore crabs kept in a laboratory tank"
    select(article, fresh)
    article.get_by_role("button", name="Highlight pink").click()
    wait_until(lambda: len(alice.storage().get("queue", [])) == 1, message="one queued create")

    page = open_notebook(alice)
    wait_quotes(page, [fresh])
    item = page.locator("li.annotation")
    assert "waiting to sync" in item.locator(".meta").inner_text()
    assert page.locator("#error-text").inner_text().startswith(
        "Only annotations waiting to sync are shown: Cannot reach the server")
    assert groups(page) == [["How Tide Pools Keep Time", [fresh]]]
    page.screenshot(path=str(artifacts / "notebook-offline-queued.png"))
    # The filters apply to it as the server would apply them.
    page.get_by_label("Colour", exact=True).select_option("green")
    wait_until(lambda: page.locator("#error-text").inner_text().startswith(
        "Could not load annotations"), message="nothing matching")
    assert quotes(page) == []
    page.get_by_label("Colour", exact=True).select_option("pink")
    wait_quotes(page, [fresh])
    page.get_by_label("Search", exact=True).fill("laboratory")
    wait_quotes(page, [fresh])
    page.get_by_label("Search", exact=True).fill("labor")  # whole words only, as on the server
    wait_until(lambda: quotes(page) == [], message="no partial-word match")
    page.get_by_label("Search", exact=True).fill("labor*")
    wait_quotes(page, [fresh])
    page.get_by_role("button", name="Clear filters").click()
    wait_quotes(page, [fresh])

    # Back online: the same annotation once, under the same post as the others, then synced.
    server.start()
    page.get_by_role("button", name="Try again").click()
    wait_until(lambda: fresh in quotes(page) and len(quotes(page)) == len(ALL) + 1,
               message="all six")
    assert quotes(page).count(fresh) == 1
    wait_until(lambda: not alice.storage().get("queue"), message="an empty queue")
    page.reload()
    wait_until(lambda: sorted(quotes(page)) == sorted([fresh, *ALL]), message="all six, synced")
    assert "waiting to sync" not in page.locator("li.annotation").first.inner_text()
    assert [g for g in groups(page) if g[0] == "How Tide Pools Keep Time"] == [
        ["How Tide Pools Keep Time", [fresh, ALL[3], ALL[4]]]]


def test_a_queued_highlight_on_a_page_that_is_not_a_post_joins_its_heading(alice, server,
                                                                           tokens):
    page_url = server.blog_url + "/sample/elsewhere/"
    earlier = "Before forecasts arrived on every phone"
    status, made = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": {"url": page_url, "post_id": None, "title": "Weather at home"},
        "quote": earlier, "selectors": [{"type": "TextQuoteSelector", "exact": earlier}]})
    assert status == 201, made
    server.stop()
    article = alice.open("/sample/elsewhere/?utm_source=newsletter")
    fresh = "Condensation on the inside of the glass told another story"
    select(article, fresh)
    article.get_by_role("button", name="Highlight blue").click()
    wait_until(lambda: len(alice.storage().get("queue", [])) == 1, message="one queued create")
    server.start()
    # The notebook's first answer is read before the queue is sent: the server's one and the
    # queued one, which must share the page's heading.
    page = open_notebook(alice)
    wait_until(lambda: sorted(quotes(page)) == sorted([earlier, fresh]), message="both")
    assert len(groups(page)) == 1, groups(page)
    wait_until(lambda: not alice.storage().get("queue"), message="an empty queue")


def test_keyboard_reaches_edit_and_delete(alice, server, tokens, seeded):
    page = open_notebook(alice)
    wait_quotes(page, ALL)
    item = page.locator(f'li[data-id="{seeded["gravity"]}"]')
    item.get_by_role("link", name="Open at passage").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Edit"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id").startswith("edit-note-")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.textContent") == "Edit"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent") == "Keep"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    wait_until(lambda: item.count() == 0, message="the deleted item to go")
    wait_until(lambda: len(server.annotations(tokens["alice"], user="alice")["items"]) == 4,
               message="the delete on the server")


def test_firefox_notebook_flow(node_driver, server, seeded, artifacts, tmp_path):
    """Scrolling, search, a filter, export and edit in Firefox ESR with the same extension."""
    result = run_firefox_flow(node_driver, "notebook-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url, "POSTIL_USER": "alice",
        "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX, "POSTIL_DOWNLOADS": str(tmp_path),
        "POSTIL_EDIT_ID": seeded["illusion"],
        "POSTIL_SCREENSHOT": str(artifacts / "firefox-notebook.png")})
    assert result["firstPage"] < len(ALL)
    assert result["all"] == ALL
    assert result["groups"] == [POSTS[103][1], POSTS[102][1], POSTS[101][1]]
    assert result["search"] == [ALL[3], ALL[4]]
    assert result["green"] == [ALL[2], ALL[4]]
    assert result["exported"] == sorted([ALL[2], ALL[4]])
    assert result["exportMessage"].startswith("Exported postil-alice-")
    assert result["editedHtml"] == "Firefox"
    assert result["errors"] == []


FRAGMENT_CASES = json.loads((ROOT / "tests" / "fixtures" / "text-fragment-cases.json")
                            .read_text(encoding="utf-8"))


def test_passage_links_for_each_kind_of_quote(alice):
    """The notebook page gives the shared table's passage links (the server's exports do too)."""
    page = open_notebook(alice)
    page.locator("#filters").wait_for()
    got = page.evaluate("""async (annotations) => {
        const { passageUrl } = await import('./passage.js');
        return annotations.map(passageUrl);
    }""", [case["annotation"] for case in FRAGMENT_CASES])
    assert got == [case["expected"] for case in FRAGMENT_CASES]


def test_an_image_in_a_note_shows_as_a_link_to_it(alice, server, tokens, artifacts):
    """A note loads nothing: `![alt](src)` is a link to the image, not an empty paragraph."""
    uid = seed(server, tokens["alice"], 101, "calmest place on a beach",
               created="2026-06-01T12:00:00Z",
               note="The tide table: ![tide chart](https://example.org/tides.png) worth a look")
    page = open_notebook(alice)
    item = page.locator(f'li[data-id="{uid}"]')
    item.wait_for()
    link = item.locator(".note a")
    assert link.inner_text() == "tide chart"
    assert link.get_attribute("href") == "https://example.org/tides.png"
    assert item.locator(".note img").count() == 0
    assert item.locator(".note").inner_text().startswith("The tide table: tide chart worth")
    screenshot_of(item, str(artifacts / "notebook-note-image-link.png"))


def test_a_post_someone_else_read_first_through_a_private_link_shows_her_own_address(
        alice, server, tokens, artifacts):
    """Bob read a post through a preview link first; Alice's notebook shows the address and
    title her own page gave, nothing of his."""
    post_id = 900_000 + uuid.uuid4().int % 100_000  # a post no other test of the session named

    def private(token, url, title, quote):
        item = {"id": str(uuid.uuid4()), "quote": quote,
                "post": {"site": server.blog_site, "post_id": post_id, "url": url,
                         "title": title},
                "selectors": [{"type": "TextQuoteSelector", "exact": quote}]}
        status, data = server.api("POST", "/api/import", token, body=[item])
        assert status == 200 and data["created"] == 1, data
        return item["id"]

    private(tokens["bob"], server.blog_url + POSTS[103][0] + "?preview=true&key=B0B-KEY",
            "Draft: walls (unpublished)", "There is no mortar")
    uid = private(tokens["alice"], server.blog_url + POSTS[103][0], POSTS[103][1],
                  "held together by nothing but gravity and friction")
    page = open_notebook(alice)
    page.locator(f'li[data-id="{uid}"]').wait_for()
    heading = page.locator("section.post h2 a").first
    assert heading.get_attribute("href") == server.blog_url + POSTS[103][0].rstrip("/")
    assert heading.inner_text() == POSTS[103][1]
    text = page.locator("#posts").inner_text()
    assert "B0B-KEY" not in text and "unpublished" not in text
    screenshot_of(page.locator("section.post").first, str(artifacts / "notebook-own-address.png"))
