"""The HTML export opened in real Chromium: an evil note, quote, title, tag or URL stays text.

Every request the page makes is intercepted; only the page itself may load, and no script may
run (an evil payload would set `window.pwned`, open a dialog or fetch evil.example).
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE = "https://export.postil.test/export.html"

EVIL_NOTE = ("<script>window.pwned = 'note script'</script>\n\n"
             "<img src=x onerror=\"window.pwned = 'note img'\">\n\n"
             "[click me](javascript:window.pwned='note link') "
             "![pixel](https://evil.example/pixel.png) <https://evil.example/auto>\n\n"
             "<iframe src=\"https://evil.example/frame\"></iframe>"
             "<style>@import url(https://evil.example/css);</style>")
EVIL_QUOTE = "</blockquote><script>window.pwned = 'quote'</script><img src=https://evil.example/q>"
EVIL_TITLE = "</title><script>window.pwned = 'title'</script>"
EVIL_TAG = "<img src=https://evil.example/t onerror=alert(1)>"
EVIL_URL = "https://blog.example.org/\"><script>window.pwned='url'</script><img src=x>"


@pytest.fixture(scope="module")
def browser(request):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    playwright = request.getfixturevalue("playwright_session")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield browser
    browser.close()


def test_an_evil_annotation_is_inert_in_the_html_export(client, alice, create, browser):
    create(alice, note=EVIL_NOTE, quote=EVIL_QUOTE, tags=[EVIL_TAG],
           selectors=[{"type": "TextQuoteSelector", "exact": EVIL_QUOTE,
                       "prefix": "<script>x</script> before ", "suffix": " after"}],
           post={"site": "blog.example.org", "post_id": 9, "url": EVIL_URL, "title": EVIL_TITLE})
    res = client.get("/api/export?format=html", headers=alice.headers)
    assert res.status_code == 200
    html = res.get_data(as_text=True)

    requests, dialogs = [], []
    page = browser.new_page()
    try:
        def route(r):
            if r.request.url == PAGE:
                r.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
            else:
                r.abort()

        page.route("**/*", route)
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(PAGE, wait_until="load")
        page.wait_for_timeout(300)

        assert requests == [PAGE], f"requests left the page: {requests[1:]}"
        assert dialogs == []
        assert page.evaluate("window.pwned") is None
        assert page.evaluate("document.scripts.length") == 0
        active = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(el =>
            [...el.attributes].filter(a => a.name.startsWith('on') ||
              /^\\s*javascript:/i.test(a.value) || a.name === 'src').map(a => a.name))""")
        assert active == []
        assert page.evaluate("document.querySelectorAll('iframe, img, object, embed').length") == 0
        # The evil text is shown to the reader, as text.
        assert page.title() == "Postil export: alice"
        assert page.locator("blockquote").inner_text() == EVIL_QUOTE
        assert page.locator("h2").inner_text() == EVIL_TITLE
        assert page.locator(".tag").inner_text() == EVIL_TAG
        links = page.evaluate("[...document.links].map(a => a.href)")
        assert all(href.startswith("https://") for href in links), links
    finally:
        page.close()
