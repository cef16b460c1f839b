"""The WordPress plugin on a real WordPress (Debian's 6.1, the `wordpress` fixture): installed from
its zip by WordPress's own upgrader, activated, pointed at the test server. A visitor without the
extension sees a single post's public notes painted by the embed (never the private ones), their
count in the post's meta line, and a note made meanwhile appear without a reload; the home page,
archives and pages get nothing; with the extension too the post is painted once; the settings
page (Settings → Postil) checks the address it is given and shows what the server says of the
site."""

from __future__ import annotations

import json
import re

import pytest
from browser_helpers import (
    EMBED_PAINTED_JS,
    FIREFOX,
    PASSWORD,
    Accessible,
    painted,
    run_firefox_flow,
    wait_painted,
    wait_ready,
    wait_until,
)
from wordpress_site import ADMIN, fetch, install_postil_plugin

SEEN = "a cat can sleep sixteen hours a day and still look tired"
SECRET = "the neighbours feed him a second breakfast"
LATER = "he guards the radiator from October to April"
CAT = [
    f"Anyone who has lived with one knows that {SEEN}.",
    f"Ours has a routine: the first breakfast at home, and, we found out in spring, {SECRET}.",
    f"In winter {LATER}, and nobody else is allowed near it.",
]
TAG = re.compile(r'<script[^>]*\bsrc="([^"]*/embed\.js)"[^>]*>')
LIVE_WAIT = 15


SITE_POLICY = {"embed": "read-only", "moderation": "post", "public_per_hour": 0}


@pytest.fixture(scope="module")
def operator(server):
    """A token of an operator of the server, who registers sites over the API."""
    server.cli("user", "add", "siteop", "--password-stdin", stdin=PASSWORD + "\n")
    server.cli("user", "operator", "siteop")
    status, data = server.api("POST", "/api/tokens",
                              body={"username": "siteop", "password": PASSWORD})
    assert status == 201, data
    return data["token"]


def register(server, operator, wordpress) -> None:
    status, data = server.api("POST", "/api/sites", operator, body={
        "url": wordpress.url, "name": "Postil test blog", "policy": SITE_POLICY})
    assert status == 201, data


@pytest.fixture(scope="module")
def plugin(wordpress, server, operator, tmp_path_factory):
    """The WordPress registered on the server as a site (so the server admits its origin), and
    the plugin installed from the zip scripts/build_wp_plugin.py makes, activated and set to the
    server; all undone afterwards (the session's WordPress and server are shared)."""
    register(server, operator, wordpress)
    name = install_postil_plugin(wordpress, server.url, tmp_path_factory.mktemp("wp-plugin"))
    assert name == "postil/postil.php"
    yield name
    wordpress.set_option("postil_server", None)
    wordpress.activate_plugin(name, active=False)
    status, _ = server.api("DELETE", f"/api/sites/{wordpress.site}", operator)
    assert status == 204


def bob_writes(server, tokens, wordpress, post, quote, visibility, color="pink"):
    status, data = server.api("POST", "/api/annotations", tokens["bob"], body={
        "post": {"site": wordpress.site, "post_id": post["id"], "url": post["link"]},
        "quote": quote, "note": f"bob's {visibility} note on {quote.split()[2]}",
        "visibility": visibility, "color": color,
        "selectors": [{"type": "TextQuoteSelector", "exact": quote, "prefix": "", "suffix": ""}]})
    assert status == 201, data
    return data


def count_in_meta(html: str) -> str | None:
    found = re.search(r'<p class="postil-count">([^<]*)</p>', html)
    return found.group(1) if found else None


def test_a_visitor_sees_a_posts_public_notes_painted_counted_and_kept_up_to_date(
        plugin, visitor, server, tokens, wordpress, artifacts):
    post = wordpress.publish("The cat's day", CAT)
    bob_writes(server, tokens, wordpress, post, SEEN, "public")
    bob_writes(server, tokens, wordpress, post, SECRET, "private", color="green")

    # The page WordPress serves: the one tag, and the count after the post's date.
    status, html = fetch(post["link"])
    assert status == 200
    assert TAG.findall(html) == [f"{server.url}/embed.js"]
    [tag] = re.findall(r'<script[^>]*embed\.js[^>]*>', html)
    assert re.search(r'\basync\b', tag) and 'id="postil-embed"' in tag, tag
    assert count_in_meta(html) == "(1 public note)"
    meta = html[html.index("<div class=\"wp-block-post-date"):]
    assert meta.index("postil-count") < 400, "the count sits right after the date"

    page = visitor.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(post["link"])
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [SEEN],
               timeout=15, message="the public note painted by the embed",
               show=lambda: (page.evaluate(EMBED_PAINTED_JS), errors))
    assert all(SECRET not in ranges for ranges in page.evaluate(EMBED_PAINTED_JS).values())
    ax = Accessible(page)
    ax.click("button", re.compile(r"^Postil: 1 note on this page$"))
    wait_until(lambda: "bob's public note on can" in ax.text(), timeout=10, message="listed")
    assert "bob's private note" not in ax.text()
    page.screenshot(path=str(artifacts / "wordpress-plugin-visitor.png"), full_page=True)

    # Made elsewhere while the page is open: painted without a reload.
    page.evaluate("() => { window.sameDocument = true; }")
    bob_writes(server, tokens, wordpress, post, LATER, "public", color="blue")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-blue") == [LATER],
               timeout=LIVE_WAIT, message="the new public note painted")
    assert page.evaluate("() => window.sameDocument") is True
    assert not errors, errors


def test_the_plugin_adds_nothing_to_the_home_page_archives_or_pages(
        plugin, server, tokens, wordpress):
    post = wordpress.publish("The cat's night", CAT)
    bob_writes(server, tokens, wordpress, post, SEEN, "public")
    page = wordpress.publish("About this blog", ["Cats, mostly."], kind="page")
    for url in (f"{wordpress.url}/", post["category_link"], page["link"]):
        status, html = fetch(url)
        assert status == 200, url
        assert "The cat" in html or "About this blog" in html, url
        assert "embed.js" not in html, url
        assert "postil-count" not in html, url
    # The post itself has both (the same WordPress, the same plugin).
    status, html = fetch(post["link"])
    assert len(TAG.findall(html)) == 1 and count_in_meta(html) == "(1 public note)"
    # The count is kept a few minutes (a transient), not asked of the server on every view.
    bob_writes(server, tokens, wordpress, post, LATER, "public", color="blue")
    assert count_in_meta(fetch(post["link"])[1]) == "(1 public note)"
    wordpress.set_option(f"_transient_postil_count_{post['id']}", None)
    assert count_in_meta(fetch(post["link"])[1]) == "(2 public notes)"


def test_a_classic_themes_one_line_shows_the_count_in_its_meta_line(
        plugin, server, tokens, wordpress):
    """Classic themes have no block to follow: the line the plugin's readme gives them, run in
    the loop of a single post's page, prints the count inside the theme's meta `span` (phrasing
    content, so a `span`); in a list of posts it prints nothing."""
    post = wordpress.publish("The cat's lunch", CAT)
    bob_writes(server, tokens, wordpress, post, SEEN, "public")
    bob_writes(server, tokens, wordpress, post, LATER, "public", color="blue")
    bob_writes(server, tokens, wordpress, post, SECRET, "private", color="green")
    [single] = wordpress.run([{"do": "classic_count", "id": post["id"]}])
    assert re.fullmatch(r'<span class="posted-on">[^<]+ <span class="postil-count">'
                        r'\(2 public notes\)</span></span>', single["html"]), single
    [home] = wordpress.run([{"do": "classic_count_home"}])
    assert "postil-count" not in home["html"], home
    assert home["html"].count('<span class="posted-on">') >= 2, home


def test_the_count_is_left_out_quietly_when_the_server_does_not_answer(
        plugin, server, wordpress):
    post = wordpress.publish("The cat's afternoon", CAT)
    wordpress.set_option("postil_server", "http://127.0.0.1:9")  # nothing listens there
    try:
        status, html = fetch(post["link"])
    finally:
        wordpress.set_option("postil_server", server.url)
    assert status == 200
    assert "Anyone who has lived with one" in html
    assert count_in_meta(html) is None


def test_with_the_extension_too_the_post_is_painted_once(
        plugin, alice, server, tokens, wordpress):
    post = wordpress.publish("The cat's evening", CAT)
    bob_writes(server, tokens, wordpress, post, SEEN, "public")
    page = alice.context.new_page()
    page.on("pageerror", lambda err: alice.errors.append(str(err)))
    page.goto(post["link"])
    wait_ready(page)
    wait_painted(page, "pink", SEEN)
    wait_until(lambda: page.evaluate("() => globalThis.__postilEmbed === true"), timeout=10,
               message="the embed loaded")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert page.evaluate(EMBED_PAINTED_JS) == {}
    assert page.locator("postil-ui").count() == 1
    assert painted(page)["pink"] == [SEEN]


def test_the_settings_page_checks_the_address_and_shows_what_the_server_says(
        plugin, operator, visitor, server, wordpress, artifacts):
    page = visitor.new_page()
    page.goto(f"{wordpress.url}/wp-login.php")
    page.fill("#user_login", ADMIN)
    page.fill("#user_pass", wordpress.admin_password)
    page.click("#wp-submit")
    page.wait_for_url(re.compile(r"/wp-admin/"))
    page.goto(f"{wordpress.url}/wp-admin/options-general.php?page=postil")
    assert page.get_by_role("heading", name="Postil", exact=True).is_visible()
    field = page.get_by_label("Postil server")
    assert field.input_value() == server.url
    # The site's policy, as the server holds it.
    policy = page.locator("#postil-policy")
    rows = dict(line.split("\t") for line in policy.inner_text().splitlines() if "\t" in line)
    assert rows == {
        "Registered as": "Postil test blog",
        "Embed": "read-only: public notes shown; readers write with the extension",
        "Moderation": "post: public notes are shown at once, moderators act afterwards",
        "Public notes per reader per hour": "no limit"}, rows
    page.screenshot(path=str(artifacts / "wordpress-plugin-settings.png"), full_page=True)

    # An address that is not one: refused, the stored one kept.
    field.fill("javascript:alert(1)")
    page.evaluate("() => document.getElementById('postil-server').type = 'text'")
    page.get_by_role("button", name="Save Changes").click()
    page.wait_for_load_state("load")
    # Said once (WordPress's Settings pages show their errors themselves).
    assert page.content().count("must be an address starting with https:// or http://") == 1
    assert page.get_by_label("Postil server").input_value() == server.url

    # A good one, with a trailing slash: stored without it.
    page.get_by_label("Postil server").fill(server.url + "/")
    page.get_by_role("button", name="Save Changes").click()
    page.wait_for_load_state("load")
    assert page.content().count("Settings saved.") == 1
    assert page.get_by_label("Postil server").input_value() == server.url

    # The form is the Settings API's: without its nonce options.php refuses the change.
    status = page.evaluate("""async (url) => {
        const body = new URLSearchParams({option_page: 'postil', action: 'update',
                                          postil_server: 'http://127.0.0.1:1'});
        return (await fetch(url, {method: 'POST', body})).status;
    }""", f"{wordpress.url}/wp-admin/options.php")
    assert status in (403, 400), status
    page.reload()
    assert page.get_by_label("Postil server").input_value() == server.url

    # Not registered (any more): the page says so.
    status, _ = server.api("DELETE", f"/api/sites/{wordpress.site}", operator)
    assert status == 204
    try:
        page.reload()
        assert "This site is not registered on this server" in \
            page.locator("#postil-policy").inner_text()
    finally:
        register(server, operator, wordpress)

    # A server that does not answer: the page says it could not ask.
    wordpress.set_option("postil_server", "http://127.0.0.1:9")
    try:
        page.reload()
        assert "could not tell this site's policy" in page.locator("#postil-policy").inner_text()
    finally:
        wordpress.set_option("postil_server", server.url)


def test_firefox_a_visitor_sees_the_public_notes_and_a_new_one_without_reload(
        plugin, node_driver, server, tokens, wordpress):
    post = wordpress.publish("The cat's morning", CAT)
    bob_writes(server, tokens, wordpress, post, SEEN, "public")
    bob_writes(server, tokens, wordpress, post, SECRET, "private", color="green")
    live = {"post": {"site": wordpress.site, "post_id": post["id"], "url": post["link"]},
            "quote": LATER, "note": "radiator", "visibility": "public", "color": "blue",
            "selectors": [{"type": "TextQuoteSelector", "exact": LATER, "prefix": "",
                           "suffix": ""}]}
    result = run_firefox_flow(node_driver, "embed-flow.mjs", {
        "POSTIL_PAGE": post["link"], "POSTIL_PUBLIC_QUOTE": SEEN, "POSTIL_FIREFOX": FIREFOX,
        "POSTIL_LIVE_NOTE": json.dumps({"api": server.url, "token": tokens["bob"],
                                        "body": live})})
    assert result["painted"]["postil-embed-pink"] == [SEEN]
    assert all(SECRET not in ranges for ranges in result["painted"].values())
    assert result["live"]["postil-embed-blue"] == [LATER]
    assert result["sameDocument"] is True
    assert result["errors"] == []
