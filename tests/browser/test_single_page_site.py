"""Single-page sites (a headless WordPress front end) show another post without a page load:
highlights made after the switch belong to the post now shown, and each post's annotations come
and go with it. The site is tests/browser/spa/index.html, served by the `spa_site` fixture."""

from __future__ import annotations

from browser_helpers import (
    items,
    note_editor,
    open_sidebar,
    painted,
    select,
    wait_painted,
    wait_ready,
    wait_until,
)

LAMP = "kept a log of the weather"
HORN = "sounded a horn every thirty seconds"
ABOUT = "stories of the coast and its keepers"


def stored(server, token, **query):
    return [(a["quote"], a["color"]) for a in server.annotations(token, **query)["items"]]


def open_spa(alice, spa_site, path):
    page = alice.context.new_page()
    page.on("pageerror", lambda err: alice.errors.append(str(err)))
    page.goto(spa_site.url + path)
    wait_ready(page)
    return page


def sidebar_quotes(page):
    return items(page).locator(".goto .text").all_inner_texts()


def test_each_article_of_a_single_page_site_keeps_its_own_highlights(alice, server, tokens,
                                                                     spa_site):
    token, site = tokens["alice"], spa_site.site
    page = open_spa(alice, spa_site, "/lighthouses/")
    select(page, LAMP)
    page.get_by_role("button", name="Highlight yellow").click()
    wait_painted(page, "yellow", LAMP)
    wait_until(lambda: stored(server, token, site=site, post_id=11) == [(LAMP, "yellow")],
               message="the first article's highlight on the server")

    # The site's own link: the address changes at once, the article 80 ms later. The reader
    # highlights as soon as the text is there, before Postil's look at the address comes round.
    page.get_by_role("link", name="Fog signals").click()
    page.get_by_text(HORN).wait_for()
    select(page, HORN)
    page.get_by_role("button", name="Highlight green").click()
    wait_painted(page, "green", HORN)
    wait_until(lambda: stored(server, token, site=site, post_id=12) == [(HORN, "green")],
               message="the second article's highlight, on the second post")
    assert stored(server, token, site=site, post_id=11) == [(LAMP, "yellow")]
    second = server.annotations(token, site=site, post_id=12)["items"][0]
    assert second["post"]["url"] == f"{spa_site.url}/fog-signals/"
    assert painted(page)["yellow"] == []
    open_sidebar(alice, page)
    wait_until(lambda: sidebar_quotes(page) == [HORN], message="only this post in the sidebar")

    # Back: the first article, its highlight painted and listed again, the second's gone.
    page.go_back()
    wait_painted(page, "yellow", LAMP)
    wait_until(lambda: sidebar_quotes(page) == [LAMP], message="the first post's sidebar")
    assert painted(page)["green"] == []

    # A page of the site that is no post is keyed by its address.
    page.get_by_role("link", name="About").click()
    page.get_by_text(ABOUT).wait_for()
    select(page, ABOUT)
    page.get_by_role("button", name="Highlight pink").click()
    wait_painted(page, "pink", ABOUT)
    about = wait_until(lambda: server.annotations(token, url=f"{spa_site.url}/about/")["items"],
                       message="the About page's highlight")
    assert [(a["quote"], a["post"]["post_id"]) for a in about] == [(ABOUT, None)]
    assert stored(server, token, site=site, post_id=11) == [(LAMP, "yellow")]
    assert stored(server, token, site=site, post_id=12) == [(HORN, "green")]

    # Loaded afresh at the second article's address, its highlight is restored.
    page.goto(f"{spa_site.url}/fog-signals/")
    wait_ready(page)
    wait_painted(page, "green", HORN)
    assert painted(page)["yellow"] == [] and painted(page)["pink"] == []
    assert alice.errors == []


def test_a_note_begun_before_the_site_moves_on_stays_with_its_article(alice, server, tokens,
                                                                     spa_site):
    token, site = tokens["alice"], spa_site.site
    page = open_spa(alice, spa_site, "/lighthouses/")
    select(page, LAMP)
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    # While the reader writes, the page's script shows the next article.
    page.evaluate("() => document.querySelector('a[data-route=fog-signals]').click()")
    page.get_by_text(HORN).wait_for()
    editor.get_by_label("Note").fill("logs as a source")
    editor.get_by_role("button", name="Save").click()
    kept = wait_until(lambda: server.annotations(token, site=site, post_id=11)["items"],
                      message="the note on the article it was written on")
    assert [(a["quote"], a["note"]) for a in kept] == [(LAMP, "logs as a source")]
    assert kept[0]["selectors"][0]["exact"] == LAMP
    assert server.annotations(token, site=site, post_id=12)["items"] == []
    # Not painted over the article now shown, nor listed with it.
    assert painted(page)["yellow"] == []
    open_sidebar(alice, page)
    wait_until(lambda: "No annotations" in page.locator("postil-ui .sidebar").inner_text()
               or sidebar_quotes(page) == [], message="an empty sidebar")
    assert sidebar_quotes(page) == []
