"""The popup's export of the current post (Markdown to the clipboard, a download in any format)
and its link to the notebook."""

from __future__ import annotations

import csv
import io
import json

from browser_helpers import POST_101, POST_102, tab_id, wait_until
from test_notebook import POSTS, seed

HERE = ["calmest place on a beach", "That calm is an illusion of timing"]


def seed_posts(server, tokens):
    alice, bob = tokens["alice"], tokens["bob"]
    seed(server, alice, 101, HERE[0], created="2026-01-05T10:00:00Z", note="**Calm** is timing",
         tags=["tides"], prefix="A rock pool looks like the ",
         suffix=". The water is clear, the anemo")
    seed(server, alice, 101, HERE[1], created="2026-01-06T10:00:00Z", color="green",
         visibility="public")
    seed(server, alice, 102, "wild yeasts and lactic acid bacteria", created="2026-01-07T10:00:00Z")
    seed(server, bob, 101, "Twice a day the tide covers the pool", created="2026-01-08T10:00:00Z",
         visibility="public", note="bob's")


def open_popup(ext, article):
    popup = ext.context.new_page()
    popup.on("pageerror", lambda err: ext.errors.append(str(err)))
    popup.set_viewport_size({"width": 320, "height": 420})
    url = f"chrome-extension://{ext.extension_id}/src/popup/popup.html"
    popup.goto(f"{url}?tab={tab_id(ext, article)}")
    wait_until(lambda: popup.locator("#copy-markdown").is_enabled(), message="export controls")
    return popup


def pasted(page) -> str:
    """What a reader's Ctrl+V gives (reading the clipboard from script needs a permission the
    extension does not ask for, and extension origins cannot be granted it)."""
    page.evaluate("""() => { const box = document.createElement('textarea');
                             box.id = 'paste-here'; document.body.append(box); box.focus(); }""")
    page.keyboard.press("Control+V")
    value = page.locator("#paste-here").input_value()
    page.evaluate("document.getElementById('paste-here').remove()")
    return value


def test_copy_markdown_puts_this_posts_annotations_on_the_clipboard(alice, server, tokens,
                                                                    artifacts):
    seed_posts(server, tokens)
    article = alice.open(POST_101)
    popup = open_popup(alice, article)
    popup.get_by_role("button", name="Copy Markdown").click()
    wait_until(lambda: popup.locator("#export-status").inner_text().startswith("Copied"),
               message="the copy to finish")
    text = pasted(popup)
    assert POSTS[101][1] in text
    for quote in HERE:
        assert quote in text
    assert "**Calm** is timing" in text  # the note's Markdown source
    assert "wild yeasts" not in text  # another post
    assert "Twice a day" not in text  # another reader's, even if public
    popup.screenshot(path=str(artifacts / "popup-export.png"))


def download(popup, choice: str):
    popup.get_by_label("Download as").select_option(choice)
    with popup.expect_download() as info:
        popup.get_by_role("button", name="Download", exact=True).click()
    return info.value.suggested_filename, info.value.path().read_bytes()


def test_download_exports_this_post_in_each_format(alice, server, tokens):
    seed_posts(server, tokens)
    article = alice.open(POST_102)
    popup = open_popup(alice, article)
    name, body = download(popup, "json")
    assert name.endswith(".json")
    exported = json.loads(body)["annotations"]
    assert [a["quote"] for a in exported] == ["wild yeasts and lactic acid bacteria"]

    article = alice.open(POST_101)
    popup = open_popup(alice, article)
    name, body = download(popup, "csv:readwise")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["Highlight"] for row in rows] == HERE
    for choice, ending in (("markdown", ".md"), ("zip", ".zip"), ("jsonld", ".jsonld"),
                           ("csv", ".csv"), ("html", ".html")):
        name, body = download(popup, choice)
        assert name.endswith(ending), (choice, name)
        if choice == "zip":
            assert body[:2] == b"PK"
        else:
            assert HERE[0].encode() in body and b"wild yeasts" not in body, choice
    assert popup.locator("#export-status").inner_text() == f"Downloaded {name}."


def test_open_notebook_from_the_popup(alice, server, tokens):
    seed_posts(server, tokens)
    article = alice.open(POST_101)
    popup = open_popup(alice, article)
    with alice.context.expect_page() as opened:
        popup.get_by_role("link", name="Open notebook").click()
    notebook = opened.value
    notebook.wait_for_load_state()
    assert notebook.url == f"chrome-extension://{alice.extension_id}/src/notebook/notebook.html"
    wait_until(lambda: notebook.locator("li.annotation").count() == 3,
               message="the notebook's items")


def test_export_needs_a_post_and_a_sign_in(browser, server, tokens):
    # No post: the popup opened over a page without Postil cannot export anything.
    popup = browser.context.new_page()
    popup.goto(f"chrome-extension://{browser.extension_id}/src/popup/popup.html")
    wait_until(lambda: "Open an article" in popup.locator("#export-status").inner_text(),
               message="the no-post message")
    assert popup.get_by_role("button", name="Copy Markdown").is_disabled()
    # A post, but nobody signed in: the export says how to fix it.
    article = browser.open(POST_101)
    popup = open_popup(browser, article)
    popup.get_by_role("button", name="Copy Markdown").click()
    status = popup.locator("#export-status")
    wait_until(lambda: status.inner_text() == "Sign in on the options page first.",
               message="the sign-in message")


def test_options_page_links_to_the_notebook(browser):
    options = browser.context.new_page()
    options.goto(f"chrome-extension://{browser.extension_id}/src/options/options.html")
    link = options.get_by_role("link", name="Open your notebook")
    wait_until(lambda: link.get_attribute("href").startswith("chrome-extension://"),
               message="the notebook link")
    assert link.get_attribute("href") == (
        f"chrome-extension://{browser.extension_id}/src/notebook/notebook.html")
