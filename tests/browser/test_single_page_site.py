"""Single-page sites (a headless WordPress front end) show another post without a page load:
highlights made after the switch belong to the post now shown, and each post's annotations come
and go with it. The site is tests/browser/spa/index.html, served by the `spa_site` fixture."""

from __future__ import annotations

import re
import signal

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
    """(quote, colour) of what the server holds, oldest first."""
    found = server.annotations(token, sort="created", order="asc", **query)["items"]
    return [(a["quote"], a["color"]) for a in found]


def open_spa(alice, spa_site, path):
    page = alice.context.new_page()
    page.on("pageerror", lambda err: alice.errors.append(str(err)))
    page.goto(spa_site.url + path)
    wait_ready(page)
    return page


RANGES_JS = """(color) => [...(CSS.highlights.get('postil-' + color) || [])].map((r) => ({
  text: r.toString(), start: r.startContainer.nodeName + ':' + r.startOffset,
  end: r.endContainer.nodeName + ':' + r.endOffset,
  inDocument: r.startContainer.isConnected}))"""


def unpainted(page, color):
    """Nothing painted in `color` (with what is, if something is, for the failure message)."""
    ranges = page.evaluate(RANGES_JS, color)
    return not ranges or (ranges, sidebar_quotes(page) if items(page).count() else None)


def note_begun_then_moved_on(alice, spa_site):
    """A note begun on the first article; while it is open the site's script shows the second.
    Returns the page and the editor."""
    page = open_spa(alice, spa_site, "/lighthouses/")
    select(page, LAMP)
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    page.evaluate("() => document.querySelector('a[data-route=fog-signals]').click()")
    page.get_by_text(HORN).wait_for()
    return page, editor


def announced(page) -> str:
    """What Postil last said to screen readers (its live region)."""
    return page.locator("postil-ui .sr-only[role=status]").inner_text()


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
    # highlights as soon as the text is there, often before Postil's look at the address comes
    # round (then the highlight's own look at the key decides; either way it must be post 12).
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
    page, editor = note_begun_then_moved_on(alice, spa_site)
    editor.get_by_label("Note").fill("logs as a source")
    editor.get_by_role("button", name="Save").click()
    kept = wait_until(lambda: server.annotations(token, site=site, post_id=11)["items"],
                      message="the note on the article it was written on")
    assert [(a["quote"], a["note"]) for a in kept] == [(LAMP, "logs as a source")]
    assert kept[0]["selectors"][0]["exact"] == LAMP
    assert server.annotations(token, site=site, post_id=12)["items"] == []
    # Not painted over the article now shown, nor listed with it (once the page has had its
    # word on the save).
    wait_until(lambda: announced(page) == "Saved.", message="the save announced")
    assert painted(page)["yellow"] == []
    open_sidebar(alice, page)
    wait_until(lambda: "No annotations" in page.locator("postil-ui .sidebar").inner_text()
               or sidebar_quotes(page) == [], message="an empty sidebar")
    assert sidebar_quotes(page) == []


TIDE = "pins the tide table to the office door"
AVOCETS = "Avocets sweep the shallows"
REDSHANKS = "Redshanks call an alarm"
MENDERS = "Menders work the nets on the quay"


def highlight_anywhere(page, phrase, color):
    select(page, phrase, whole_page=True)
    page.get_by_role("button", name=f"Highlight {color}").click()


def test_a_story_loaded_below_the_first_keeps_its_own_post(alice, server, tokens, spa_site,
                                                           artifacts):
    """A theme that loads the next story in place: highlights in it go to its own post, that
    post's highlights are painted in it, and an excerpt card of a third post is left alone."""
    token, site = tokens["alice"], spa_site.site

    def made_elsewhere(post_id, phrase, color):
        body = {"post": {"site": site, "post_id": post_id}, "quote": phrase, "color": color,
                "selectors": [{"type": "TextQuoteSelector", "exact": phrase}]}
        assert server.api("POST", "/api/annotations", token, body)[0] == 201

    # Made on the stories' own pages earlier.
    made_elsewhere(22, AVOCETS, "blue")
    made_elsewhere(22, "a sentence the editor has since cut", "blue")  # lost: not on this page
    made_elsewhere(23, MENDERS, "pink")

    page = open_spa(alice, spa_site, "/endless/")
    open_sidebar(alice, page)  # found by its address, which the theme replaces below
    highlight_anywhere(page, TIDE, "yellow")
    wait_painted(page, "yellow", TIDE)
    page.get_by_role("button", name="Next story").click()
    wait_painted(page, "blue", AVOCETS)
    highlight_anywhere(page, REDSHANKS, "green")
    wait_painted(page, "green", REDSHANKS)

    wait_until(lambda: stored(server, token, site=site, post_id=22)
               == [(AVOCETS, "blue"), ("a sentence the editor has since cut", "blue"),
                   (REDSHANKS, "green")], message="the second story's highlight on its post")
    assert stored(server, token, site=site, post_id=21) == [(TIDE, "yellow")]
    assert stored(server, token, site=site, post_id=23) == [(MENDERS, "pink")]
    new = next(a for a in server.annotations(token, site=site, post_id=22)["items"]
               if a["quote"] == REDSHANKS)
    assert new["selectors"][0]["exact"] == REDSHANKS
    # An excerpt card is not the post: the third post's highlight is not painted there.
    assert painted(page)["pink"] == []
    # Document order; the second story's lost passage belongs on its own page, not here.
    wait_until(lambda: sidebar_quotes(page) == [TIDE, AVOCETS, REDSHANKS],
               message="both stories' highlights in the sidebar")
    # The second story's items say where they are; the page's own post's do not.
    stories = [items(page).nth(i).locator(".story").all_inner_texts() for i in range(3)]
    assert stories == [[], ["In “Salt marsh birds”"], ["In “Salt marsh birds”"]]
    page.screenshot(path=str(artifacts / "next-story-sidebar.png"))
    # Deleted from the sidebar: gone from the second story's post.
    delete = items(page).nth(1).get_by_role("button", name=re.compile("^Delete annotation"))
    delete.click()
    delete.click()  # the second press confirms
    wait_until(lambda: sidebar_quotes(page) == [TIDE, REDSHANKS], message="two items left")
    wait_until(lambda: stored(server, token, site=site, post_id=22)
               == [("a sentence the editor has since cut", "blue"), (REDSHANKS, "green")],
               message="deleted on the server")
    assert unpainted(page, "blue") is True

    # Loaded afresh, the second story is not there until the theme appends it again.
    page.goto(f"{spa_site.url}/endless/")
    wait_ready(page)
    wait_painted(page, "yellow", TIDE)
    assert painted(page)["green"] == [] and painted(page)["blue"] == []
    page.get_by_role("button", name="Next story").click()
    wait_painted(page, "green", REDSHANKS)
    assert unpainted(page, "blue") is True
    assert alice.errors == []


def test_a_note_saved_after_the_site_went_away_and_back_is_painted(alice, server, tokens,
                                                                   spa_site):
    """The article's text was rewritten while the note was open (another article, then this one
    again): the note is found again from its description and painted."""
    token, site = tokens["alice"], spa_site.site
    page, editor = note_begun_then_moved_on(alice, spa_site)
    page.evaluate("() => history.back()")
    page.get_by_text(LAMP).wait_for()
    editor.get_by_label("Note").fill("back again")
    # Offline, so what is painted is the page's own doing, not a reload from the server's copy.
    server.stop()
    editor.get_by_role("button", name="Save").click()
    wait_painted(page, "yellow", LAMP)
    server.start()
    wait_until(lambda: stored(server, token, site=site, post_id=11) == [(LAMP, "yellow")],
               message="the note on its post", timeout=60)
    open_sidebar(alice, page)
    wait_until(lambda: sidebar_quotes(page) == [LAMP], message="the note in the sidebar")
    assert unpainted(page, "green") is True


def test_an_edit_saved_after_the_site_moved_on_changes_its_own_annotation(alice, server, tokens,
                                                                          spa_site):
    token, site = tokens["alice"], spa_site.site
    page = open_spa(alice, spa_site, "/lighthouses/")
    select(page, LAMP)
    page.get_by_role("button", name="Highlight yellow").click()
    wait_until(lambda: stored(server, token, site=site, post_id=11) == [(LAMP, "yellow")],
               message="the highlight on the server")
    open_sidebar(alice, page)
    wait_until(lambda: items(page).count() == 1, message="the sidebar item")
    items(page).nth(0).get_by_role("button", name=re.compile("^Edit annotation")).click()
    editor = note_editor(page)
    page.evaluate("() => document.querySelector('a[data-route=fog-signals]').click()")
    page.get_by_text(HORN).wait_for()
    editor.get_by_label("Green").check()
    editor.get_by_role("button", name="Save").click()
    wait_until(lambda: stored(server, token, site=site, post_id=11) == [(LAMP, "green")],
               message="the edit on the first post's annotation")
    assert stored(server, token, site=site, post_id=12) == []
    # Nothing of it painted or listed with the article now shown.
    wait_until(lambda: announced(page) == "Saved.", message="the save announced")
    assert unpainted(page, "green") is True and unpainted(page, "yellow") is True
    assert sidebar_quotes(page) == []


def made_on(server, token, site, post_id, phrase, color):
    """An annotation made earlier on the post's own page (only its quote describes it)."""
    body = {"post": {"site": site, "post_id": post_id}, "quote": phrase, "color": color,
            "selectors": [{"type": "TextQuoteSelector", "exact": phrase}]}
    assert server.api("POST", "/api/annotations", token, body)[0] == 201


def test_a_page_named_only_by_its_article_keeps_its_post_when_the_next_story_comes(
        alice, server, tokens, spa_site):
    """No head links, no body class: `article#post-21` alone names the post. With the next
    story appended there are two such articles, and the page is still post 21."""
    token, site = tokens["alice"], spa_site.site
    made_on(server, token, site, 22, AVOCETS, "blue")
    page = open_spa(alice, spa_site, "/endless/?only=article-id")
    open_sidebar(alice, page)
    highlight_anywhere(page, TIDE, "yellow")
    wait_until(lambda: stored(server, token, site=site, post_id=21) == [(TIDE, "yellow")],
               message="the first story's highlight on post 21")
    page.get_by_role("button", name="Next story").click()
    wait_painted(page, "blue", AVOCETS)
    highlight_anywhere(page, REDSHANKS, "green")
    wait_until(lambda: stored(server, token, site=site, post_id=22)
               == [(AVOCETS, "blue"), (REDSHANKS, "green")], message="post 22's highlights")
    assert painted(page)["yellow"] == [TIDE]
    assert sidebar_quotes(page) == [TIDE, AVOCETS, REDSHANKS]


def test_a_story_the_theme_draws_again_is_painted_again(alice, server, tokens, spa_site):
    token, site = tokens["alice"], spa_site.site
    made_on(server, token, site, 22, AVOCETS, "blue")
    page = open_spa(alice, spa_site, "/endless/")
    page.get_by_role("button", name="Next story").click()
    wait_painted(page, "blue", AVOCETS)
    page.evaluate("() => { const a = document.getElementById('post-22');"
                  " a.replaceWith(a.cloneNode(true)); }")
    # The old range collapsed with the old element; the new one is found and painted.
    wait_until(lambda: page.evaluate(RANGES_JS, "blue")
               == [{"text": AVOCETS, "start": "#text:0", "end": "#text:26", "inDocument": True}],
               message="the passage painted in the new element")


def test_the_pages_own_post_is_not_found_in_the_story_below_it(alice, server, tokens, spa_site):
    """A passage of post 21 since edited out of it, which post 22's text happens to contain:
    listed with post 21's lost passages, not painted in post 22's article."""
    token, site = tokens["alice"], spa_site.site
    made_on(server, token, site, 21, REDSHANKS, "pink")
    made_on(server, token, site, 22, AVOCETS, "blue")
    page = open_spa(alice, spa_site, "/endless/")
    open_sidebar(alice, page)
    wait_until(lambda: page.locator("postil-ui .sidebar li.item.orphan").count() == 1,
               message="the passage among the orphans before the next story")
    page.get_by_role("button", name="Next story").click()
    # Post 22's own highlight painted: the refresh that placed the page's orphans again has run.
    wait_painted(page, "blue", AVOCETS)
    assert page.locator("postil-ui .sidebar li.item.orphan").count() == 1
    assert unpainted(page, "pink") is True


def test_a_selection_running_across_two_stories_is_not_saved(alice, server, tokens, spa_site):
    token = tokens["alice"]
    page = open_spa(alice, spa_site, "/endless/")
    page.get_by_role("button", name="Next story").click()
    page.get_by_text(REDSHANKS).wait_for()
    page.evaluate("""() => {
      const find = (text) => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const at = n.data.indexOf(text);
          if (at >= 0) return [n, at + text.length];
        }
      };
      const [from] = find('two highest tides');
      const [to, end] = find('Avocets sweep');
      const range = document.createRange();
      range.setStart(from, 0);
      range.setEnd(to, end);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""")
    page.locator("postil-ui .toolbar").wait_for(state="visible", timeout=5000)
    page.get_by_role("button", name="Highlight yellow").click()
    wait_until(lambda: "within one story" in announced(page),
               message="the reader told why")
    page.wait_for_timeout(500)
    assert server.annotations(token)["items"] == []
    assert unpainted(page, "yellow") is True


def test_switching_posts_while_the_server_is_slow_ends_on_the_last_one(alice, server, tokens,
                                                                       spa_site):
    """Switching back and forth while the server answers nothing (lists pile up waiting): once
    it answers, the page shows the post it ended on, painted and listed."""
    token, site = tokens["alice"], spa_site.site
    made_on(server, token, site, 11, LAMP, "yellow")
    made_on(server, token, site, 12, HORN, "green")
    page = open_spa(alice, spa_site, "/lighthouses/")
    open_sidebar(alice, page)
    wait_painted(page, "yellow", LAMP)
    server.proc.send_signal(signal.SIGSTOP)  # answers nothing until it is let go
    try:
        for route in ("fog-signals", "lighthouses", "fog-signals"):
            page.evaluate(f"() => document.querySelector('a[data-route={route}]').click()")
            page.wait_for_timeout(1000)
    finally:
        server.proc.send_signal(signal.SIGCONT)
    wait_painted(page, "green", HORN, timeout=30)
    wait_until(lambda: sidebar_quotes(page) == [HORN], message="the last post's sidebar")
    assert unpainted(page, "yellow") is True


def test_stories_past_the_twentieth_are_not_highlighted_for_the_wrong_post(alice, server, tokens,
                                                                          spa_site):
    token, site = tokens["alice"], spa_site.site
    page = open_spa(alice, spa_site, "/endless/?extra=21")
    highlight_anywhere(page, "Story number 119 of the harbour", "green")  # the 20th followed
    wait_until(lambda: stored(server, token, site=site, post_id=119)
               == [("Story number 119 of the harbour", "green")], message="the 20th story's")
    highlight_anywhere(page, "Story number 120 of the harbour", "blue")  # the 21st
    wait_until(lambda: "first 20 stories" in announced(page), message="the reader told why")
    page.wait_for_timeout(500)
    assert [a["quote"] for a in server.annotations(token)["items"]] == [
        "Story number 119 of the harbour"]
    assert unpainted(page, "blue") is True
