"""Highlights on a real WordPress (Debian's 6.1 on MariaDB, the `wordpress` fixture), not on the
hand-written sample blog: the extension keys them to the WordPress post id the page announces,
paints them again after a reload, at the post's new address after its slug is renamed, and after an
editor rewrote other paragraphs of the post — in Chromium, and the reload in Firefox too."""

from __future__ import annotations

from browser_helpers import EXTENSION, FIREFOX, PASSWORD, run_firefox_flow, wait_ready, wait_until

# Written for these tests. "the hive goes quiet, and the foragers wait on the landing board" is
# in the second and the fourth paragraph on purpose: only the words around it tell them apart.
QUIET = "the hive goes quiet, and the foragers wait on the landing board"
ROOF = [
    "Keeping bees on a city roof starts with asking the owner of the building, and then asking "
    "again in writing.",
    f"In the first weeks the colony is small and nervous. When a cloud covers the sun {QUIET} "
    "until the light returns.",
    "A city has more flowers than people expect: lime trees along the avenues, clover in the "
    "verges, window boxes on every floor.",
    f"Late in the summer the colony is large and calm. When the honey is taken off {QUIET} "
    "as if nothing had happened.",
    "Neighbours who complained about the bees in May ask for a jar of honey in September.",
]
OTHER = [
    "A bicycle left outside all winter needs more than air in its tyres.",
    "Start with the chain: rust on the chain tells you how much rust hides everywhere else.",
]

# Selects the n-th (0-based) occurrence of a phrase in the post's text, as a reader's drag does.
SELECT_NTH_JS = """([phrase, nth]) => {
  const walker = document.createTreeWalker(document.querySelector('.entry-content'),
                                           NodeFilter.SHOW_TEXT);
  let seen = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let at = node.data.indexOf(phrase); at >= 0; at = node.data.indexOf(phrase, at + 1)) {
      if (seen++ < nth) continue;
      node.parentElement.scrollIntoView({block: 'center', behavior: 'instant'});
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + phrase.length);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      const rect = range.getBoundingClientRect();
      document.dispatchEvent(new MouseEvent('mouseup',
        {bubbles: true, clientX: rect.right, clientY: rect.bottom}));
      return true;
    }
  }
  return false;
}"""

# What is painted in a colour, with the text of the paragraph each highlight starts in.
PAINTED_WHERE_JS = """(color) => {
  const h = CSS.highlights && CSS.highlights.get('postil-' + color);
  return h ? [...h].map((r) => [r.toString(),
    (r.startContainer.parentElement.closest('p') || {}).textContent || null]) : [];
}"""


def open_url(ext, url: str):
    page = ext.context.new_page()
    page.on("pageerror", lambda err: ext.errors.append(str(err)))
    page.goto(url)
    wait_ready(page)
    return page


def highlight_nth(page, phrase: str, nth: int, color: str) -> None:
    assert page.evaluate(SELECT_NTH_JS, [phrase, nth]), f"occurrence {nth} of {phrase!r} missing"
    page.locator("postil-ui .toolbar").wait_for(state="visible", timeout=5000)
    page.get_by_role("button", name=f"Highlight {color}").click()


def wait_painted_in(page, color: str, phrase: str, paragraph: str) -> None:
    """Wait until exactly one highlight of `color` is painted: `phrase`, in `paragraph`."""
    wait_until(lambda: page.evaluate(PAINTED_WHERE_JS, color) == [[phrase, paragraph]],
               timeout=10, message=f"{phrase!r} painted {color} in {paragraph[:40]!r}…",
               show=lambda: page.evaluate(PAINTED_WHERE_JS, color))


def stored_on(server, token, wordpress, post_id):
    return server.annotations(token, site=wordpress.site, post_id=post_id)["items"]


def test_highlight_is_keyed_to_the_wordpress_post_and_painted_after_reload(
        alice, server, tokens, wordpress):
    other = wordpress.publish("Waking a bicycle after winter", OTHER)
    roof = wordpress.publish("Bees on a city roof", ROOF)
    assert other["id"] != roof["id"]
    page = open_url(alice, roof["link"])
    highlight_nth(page, QUIET, 1, "green")
    wait_painted_in(page, "green", QUIET, ROOF[3])

    [stored] = wait_until(lambda: stored_on(server, tokens["alice"], wordpress, roof["id"]),
                          message="the annotation on the server")
    assert stored["post"]["site"] == wordpress.site
    assert stored["post"]["post_id"] == roof["id"]
    assert stored["post"]["url"] == roof["link"]
    # Without og:title (no SEO plugin) the title is the page's <title>: "post – site name".
    assert stored["post"]["title"].startswith("Bees on a city roof")
    assert (stored["quote"], stored["color"]) == (QUIET, "green")
    assert stored_on(server, tokens["alice"], wordpress, other["id"]) == []

    page.reload()
    wait_ready(page)
    wait_painted_in(page, "green", QUIET, ROOF[3])


def test_highlight_follows_the_post_to_its_renamed_slug(alice, server, tokens, wordpress):
    roof = wordpress.publish("Bees on a city roof", ROOF)
    page = open_url(alice, roof["link"])
    phrase = "lime trees along the avenues"
    highlight_nth(page, phrase, 0, "pink")
    wait_until(lambda: stored_on(server, tokens["alice"], wordpress, roof["id"]),
               message="the annotation on the server")
    page.close()

    renamed = wordpress.update(roof["id"], post_name="honey-from-the-rooftops")
    assert renamed["link"] != roof["link"] and renamed["link"].endswith("/honey-from-the-rooftops/")
    page = open_url(alice, renamed["link"])
    assert page.url == renamed["link"]
    wait_painted_in(page, "pink", phrase, ROOF[2])
    # Still one annotation of the one post: the new address did not split it off.
    [stored] = stored_on(server, tokens["alice"], wordpress, roof["id"])
    assert stored["quote"] == phrase
    assert server.annotations(tokens["alice"], site=wordpress.site)["total"] == 1
    page.close()

    # A reader following an old link, or the shortlink, lands (through WordPress's redirects)
    # on the post and finds the highlight there too.
    for url in (roof["link"], f"{wordpress.url}/?p={roof['id']}"):
        page = open_url(alice, url)
        assert page.url == renamed["link"]
        wait_painted_in(page, "pink", phrase, ROOF[2])
        page.close()


def test_highlight_re_anchors_after_an_editor_rewrites_other_paragraphs(
        alice, server, tokens, wordpress):
    roof = wordpress.publish("Bees on a city roof", ROOF)
    page = open_url(alice, roof["link"])
    highlight_nth(page, QUIET, 1, "blue")
    wait_painted_in(page, "blue", QUIET, ROOF[3])
    wait_until(lambda: stored_on(server, tokens["alice"], wordpress, roof["id"]),
               message="the annotation on the server")
    page.close()

    # The editor rewrites the first paragraph and adds one before the second, with the same
    # words once more: the highlight's offsets are stale and its quote is now on the page three
    # times; it must still land in the paragraph it was made in.
    edited = [
        "Keeping bees on a city roof starts long before the first hive arrives: with the owner "
        "of the building, the insurer, the caretaker who holds the key to the roof door.",
        f"On a windy morning {QUIET} before the first flight.",
        *ROOF[1:],
    ]
    content = "\n\n".join(f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->"
                          for p in edited)
    changed = wordpress.update(roof["id"], post_content=content)
    assert changed["link"] == roof["link"]

    page = open_url(alice, roof["link"])
    assert page.evaluate("() => document.querySelector('.entry-content').textContent"
                         ).count(QUIET) == 3
    wait_painted_in(page, "blue", QUIET, ROOF[3])


def test_firefox_highlight_on_a_wordpress_post_is_painted_after_reload(
        node_driver, server, tokens, wordpress):
    roof = wordpress.publish("Bees on a city roof", ROOF)
    phrase = "clover in the verges"
    result = run_firefox_flow(node_driver, "wordpress-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
        "POSTIL_POST_URL": roof["link"], "POSTIL_PHRASE": phrase,
        "POSTIL_USER": "alice", "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX})
    assert result["painted"] == [phrase]
    assert result["restored"] == [phrase]
    assert result["errors"] == []
    [stored] = stored_on(server, tokens["alice"], wordpress, roof["id"])
    assert (stored["quote"], stored["post"]["url"]) == (phrase, roof["link"])
