"""Highlighting, noting, restoring, editing and deleting in real Chromium with the real extension
and a live server; each test checks what a reader sees and what the server stored."""

from __future__ import annotations

import re

from browser_helpers import (
    POST_101,
    POST_101_SHORT,
    POST_102,
    RECORD_KEYS_JS,
    SELECT_JS,
    items,
    note_editor,
    open_sidebar,
    painted,
    select,
    wait_painted,
    wait_ready,
    wait_until,
)


def server_items(server, token, post_id):
    return server.annotations(token, site=server.blog_site, post_id=post_id)["items"]


def test_highlight_with_note_is_restored_after_reload(alice, server, tokens, artifacts):
    page = alice.open(POST_101)
    phrase = "Barnacles and limpets tolerate long spells in the air"
    select(page, phrase)
    page.screenshot(path=str(artifacts / "toolbar-light.png"))
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    editor.get_by_label("Note").fill("Zonation: **upper shore** survivors.")
    editor.get_by_label("Tags (comma separated)").fill("zonation, shore")
    editor.get_by_label("Blue").check()
    editor.get_by_role("button", name="Save").click()
    wait_painted(page, "blue", phrase)

    stored = wait_until(lambda: server_items(server, tokens["alice"], 101),
                        message="the annotation on the server")
    # The page's article:modified_time reached the server as the post's modified_gmt.
    status, post = server.api("GET", f"/api/posts/{stored[0]['post']['id']}", tokens["alice"])
    assert status == 200 and post["modified_gmt"] == "2026-03-04T17:40:12", post
    assert [(a["quote"], a["color"], a["note"], a["tags"]) for a in stored] == [
        (phrase, "blue", "Zonation: **upper shore** survivors.", ["zonation", "shore"])]

    page.reload()
    wait_painted(page, "blue", phrase)
    open_sidebar(alice, page)
    item = items(page).first
    assert item.locator(".note strong").inner_text() == "upper shore"
    assert item.locator(".tag").all_inner_texts() == ["zonation", "shore"]
    assert "alice" in item.locator(".author").inner_text()
    page.screenshot(path=str(artifacts / "sidebar-light.png"))


def test_edit_and_delete_from_the_sidebar(alice, server, tokens):
    page = alice.open(POST_101)
    select(page, "Soft seaweeds and most anemones prefer the lower pools")
    page.get_by_role("button", name="Highlight yellow").click()
    select(page, "Limpets return to the same scar on the rock")
    page.get_by_role("button", name="Highlight pink").click()
    wait_until(lambda: len(server_items(server, tokens["alice"], 101)) == 2,
               message="two annotations")
    open_sidebar(alice, page)
    # Document order, not creation order.
    wait_until(lambda: items(page).count() == 2, message="two sidebar items")
    quotes = items(page).locator(".goto .text").all_inner_texts()
    assert quotes == ["Soft seaweeds and most anemones prefer the lower pools",
                      "Limpets return to the same scar on the rock"]

    items(page).nth(0).get_by_role("button", name=re.compile("^Edit annotation")).click()
    editor = note_editor(page)
    editor.get_by_label("Note").fill("Edited *note*")
    editor.get_by_label("Green").check()
    editor.get_by_label("Visibility").select_option("public")
    editor.get_by_role("button", name="Save").click()
    wait_painted(page, "green", "Soft seaweeds and most anemones prefer the lower pools")

    def edited():
        found = [a for a in server_items(server, tokens["alice"], 101)
                 if a["quote"].startswith("Soft")]
        return found and found[0]["note"] == "Edited *note*" and found[0]
    stored = wait_until(edited, message="the edit on the server")
    assert stored["color"] == "green" and stored["visibility"] == "public"
    assert stored["note_html"].strip() == "<p>Edited <em>note</em></p>"
    # Once synced, the sidebar shows the server's rendering of the note.
    wait_until(lambda: items(page).nth(0).locator(".note em").count() == 1, message="rendered note")

    delete = items(page).nth(1).get_by_role("button", name=re.compile("^Delete annotation"))
    delete.click()
    delete.click()  # The second press confirms.
    wait_until(lambda: items(page).count() == 1, message="one item left")
    wait_until(lambda: len(server_items(server, tokens["alice"], 101)) == 1,
               message="deleted on the server")
    assert "Limpets return to the same scar on the rock" not in painted(page)["pink"]
    page.reload()
    wait_painted(page, "green", "Soft seaweeds and most anemones prefer the lower pools")
    assert painted(page)["pink"] == []


def test_click_on_a_highlight_opens_its_note(alice, server, tokens, artifacts):
    page = alice.open(POST_101)
    phrase = "turning a stone exposes the animals"
    select(page, "Turning a stone exposes the animals")
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    editor.get_by_label("Note").fill("Put stones back.")
    editor.get_by_role("button", name="Save").click()
    wait_painted(page, "yellow", "Turning a stone exposes the animals")
    box = page.evaluate("""(phrase) => {
        const text = [...document.querySelectorAll('.entry-content p')].map(p => p.firstChild)
            .find(t => t.data.includes(phrase));
        const r = document.createRange(); const at = text.data.indexOf(phrase);
        r.setStart(text, at + 3); r.setEnd(text, at + 8);
        const b = r.getBoundingClientRect(); return {x: b.x + b.width / 2, y: b.y + b.height / 2};
    }""", "Turning a stone exposes the animals")
    page.mouse.click(box["x"], box["y"])
    card = page.get_by_role("dialog", name="Postil note")
    card.wait_for(state="visible")
    assert card.locator(".note").inner_text() == "Put stones back."
    page.screenshot(path=str(artifacts / "note-card-light.png"))
    assert phrase  # The card is about the clicked passage:
    assert card.locator(".goto .text").inner_text() == "Turning a stone exposes the animals"


def test_two_posts_on_one_site_never_mix(alice, server, tokens):
    page = alice.open(POST_101)
    select(page, "The same few metres of rock can hold very different living conditions")
    page.get_by_role("button", name="Highlight purple").click()
    wait_until(lambda: len(server_items(server, tokens["alice"], 101)) == 1, message="saved on 101")
    other = alice.open(POST_102)
    select(other, "The yeasts produce most of the carbon dioxide")
    other.get_by_role("button", name="Highlight green").click()
    wait_until(lambda: len(server_items(server, tokens["alice"], 102)) == 1, message="saved on 102")

    assert [a["quote"] for a in server_items(server, tokens["alice"], 101)] == [
        "The same few metres of rock can hold very different living conditions"]
    page.reload()
    other.reload()
    wait_painted(page, "purple",
                 "The same few metres of rock can hold very different living conditions")
    wait_painted(other, "green", "The yeasts produce most of the carbon dioxide")
    assert painted(page)["green"] == [] and painted(other)["purple"] == []
    open_sidebar(alice, other)
    assert items(other).count() == 1


def test_the_same_post_at_two_urls_shows_the_same_annotations(alice, server, tokens):
    page = alice.open(POST_101)
    phrase = "a crab picks its way along a ledge"
    select(page, phrase)
    page.get_by_role("button", name="Highlight blue").click()
    wait_until(lambda: any(a["quote"] == phrase
                           for a in server_items(server, tokens["alice"], 101)),
               message="saved")
    short = alice.open(POST_101_SHORT)
    assert short.url.endswith("?p=101")
    wait_painted(short, "blue", phrase)


def test_another_users_private_annotations_never_appear(alice, server, tokens):
    post = {"site": server.blog_site, "post_id": 102, "url": f"{server.blog_url}{POST_102}",
            "title": "Sourdough"}

    def bob_says(quote, visibility, note):
        status, data = server.api("POST", "/api/annotations", tokens["bob"], body={
            "post": post, "quote": quote, "note": note, "visibility": visibility, "color": "pink",
            "selectors": [{"type": "TextQuoteSelector", "exact": quote,
                           "prefix": "", "suffix": ""}]})
        assert status == 201, data

    bob_says("A warm, wet starter favours the milder lactic flavour", "private", "bob's secret")
    bob_says("Bakers learn to read the dough rather than the clock", "public", "bob's public note")
    page = alice.open(POST_102)
    wait_painted(page, "pink", "Bakers learn to read the dough rather than the clock")
    assert painted(page)["pink"] == ["Bakers learn to read the dough rather than the clock"]
    open_sidebar(alice, page)
    text = page.locator("postil-ui .sidebar").inner_text()
    assert "bob's public note" in text and "bob's secret" not in text
    # Someone else's annotation is shown, not editable.
    public = items(page).filter(has_text="bob's public note")
    assert public.get_by_role("button", name=re.compile("^(Edit|Delete) annotation")).count() == 0


def test_late_content_reanchors_orphans(alice, server, tokens):
    page = alice.open(POST_102)
    phrase = "A jar, a bowl, a heavy pot with a lid"
    select(page, phrase)
    page.get_by_role("button", name="Highlight purple").click()
    wait_until(lambda: any(a["quote"] == phrase
                           for a in server_items(server, tokens["alice"], 102)),
               message="saved")
    late = alice.open(POST_102 + "?late=1")
    # The article text arrives 1.5 s after load; the annotation is an orphan until then.
    wait_painted(late, "purple", phrase, timeout=10)
    open_sidebar(alice, late)
    assert late.locator("postil-ui #postil-orphans").count() == 0


def test_dark_page_toolbar_and_sidebar(alice, server, tokens, artifacts):
    page = alice.open(POST_102 + "?theme=dark")
    select(page, "Feeding it fresh flour every day keeps that community lively")
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    editor.get_by_label("Note").fill("Daily feeding keeps the **culture** active.")
    editor.get_by_label("Tags (comma separated)").fill("starter")
    page.screenshot(path=str(artifacts / "editor-dark.png"))
    editor.get_by_role("button", name="Save").click()
    wait_painted(page, "yellow", "Feeding it fresh flour every day keeps that community lively")
    select(page, "the bacteria produce lactic and acetic acids")
    page.screenshot(path=str(artifacts / "toolbar-dark.png"))
    page.get_by_role("button", name="Highlight green").click()
    open_sidebar(alice, page)
    wait_until(lambda: items(page).count() >= 2, message="items")
    assert page.locator("postil-ui .root").get_attribute("class") == "root dark"
    wait_until(lambda: page.locator("postil-ui .badge").count() == 0, message="synced")
    page.screenshot(path=str(artifacts / "sidebar-dark.png"))


def test_options_page_signs_in_and_out(browser, server):
    options = browser.context.new_page()
    options.goto(f"chrome-extension://{browser.extension_id}/src/options/options.html")
    options.get_by_label("Server URL").fill(server.url)
    options.get_by_label("Username").fill("alice")
    options.get_by_label("Password", exact=True).fill("wrong password")
    options.get_by_role("button", name="Sign in").click()
    wait_until(lambda: "Could not sign in" in options.locator("#account-message").inner_text(),
               message="refusal")
    options.get_by_label("Password", exact=True).fill("correct-horse-battery")
    options.get_by_role("button", name="Sign in").click()
    wait_until(lambda: "Signed in as alice" in options.locator("#signed-in").inner_text(),
               message="signed in")
    stored = browser.storage()
    assert stored["auth"]["user"] == "alice" and stored["settings"]["server"] == server.url
    token = stored["auth"]["token"]
    assert server.api("GET", "/api/me", token)[0] == 200
    options.get_by_role("button", name="Sign out", exact=True).click()
    wait_until(lambda: "Not signed in" in options.locator("#signed-in").inner_text(), message="out")
    assert server.api("GET", "/api/me", token)[0] == 401


def test_annotations_that_no_longer_anchor_are_listed_as_orphans(alice, server, tokens, artifacts):
    post = {"site": server.blog_site, "post_id": 103,
            "url": f"{server.blog_url}/sample/a-short-walk-along-dry-stone-walls/"}
    quote = "a sentence that the author has since rewritten completely"
    status, _ = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": post, "quote": quote, "note": "kept anyway", "color": "blue",
        "selectors": [{"type": "TextQuoteSelector", "exact": quote, "prefix": "", "suffix": ""},
                      {"type": "TextPositionSelector", "start": 10, "end": 10 + len(quote)}]})
    assert status == 201
    page = alice.open("/sample/a-short-walk-along-dry-stone-walls/")
    open_sidebar(alice, page)
    heading = page.locator("postil-ui #postil-orphans")
    heading.wait_for()
    assert heading.text_content() == "Orphans (1)"
    orphan = page.locator("postil-ui li.item.orphan")
    assert orphan.locator(".goto .text").inner_text() == quote
    assert orphan.locator(".note").inner_text() == "kept anyway"
    assert painted(page)["blue"] == []
    page.screenshot(path=str(artifacts / "sidebar-orphans.png"))


def test_a_passage_that_changed_slightly_is_found_and_marked_approximate(alice, server, tokens,
                                                                         artifacts):
    post = {"site": server.blog_site, "post_id": 103,
            "url": f"{server.blog_url}/sample/a-short-walk-along-dry-stone-walls/"}
    # As highlighted before the author's edit; the page now says "small packing stones".
    quote = "fills the space between them with little packing stones called hearting"
    status, _ = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": post, "quote": quote, "color": "pink",
        "selectors": [{"type": "TextQuoteSelector", "exact": quote,
                       "prefix": "The builder lays two faces of larger stones, ",
                       "suffix": ", and ties the faces together"}]})
    assert status == 201
    page = alice.open("/sample/a-short-walk-along-dry-stone-walls/")
    wait_painted(page, "pink",
                 "fills the space between them with small packing stones called hearting")
    open_sidebar(alice, page)
    assert items(page).first.locator(".badge").text_content() == "Approximate match"
    page.screenshot(path=str(artifacts / "sidebar-approximate.png"))


def test_a_page_that_is_not_a_wordpress_post_is_keyed_by_its_url(alice, server, tokens):
    # Arrive by a newsletter link: tracking parameters must not split the page's annotations.
    page = alice.open("/sample/elsewhere/?utm_source=newsletter&utm_medium=email")
    phrase = "Condensation on the inside of the glass told another story"
    select(page, phrase)
    page.get_by_role("button", name="Highlight green").click()
    wait_painted(page, "green", phrase)

    plain_url = alice.blog.url + "/sample/elsewhere/"
    stored = wait_until(lambda: server.annotations(tokens["alice"], url=plain_url)["items"],
                        message="the annotation stored under the page's URL")
    assert [(a["quote"], a["color"], a["post"]["post_id"]) for a in stored] == [
        (phrase, "green", None)]

    again = alice.open("/sample/elsewhere/#reading")
    wait_painted(again, "green", phrase)


def test_a_page_whose_policy_refuses_frames_still_gets_a_working_editor(alice, server, tokens):
    """The editor is a frame of the extension's own; a page's Content Security Policy does not
    stop notes being written (Chromium loads the frame anyway; where a browser would not, the
    editor is drawn in Postil's own UI instead). Served over plain http, which is not a secure
    context: crypto.randomUUID does not exist there, and the editor failed to open."""
    phrase = "tide tables and the phases of the moon"
    html = ("<!doctype html><html><head><title>Strict page</title></head><body>"
            f"<article class='entry-content'><p>A page about {phrase}, with a strict policy."
            "</p></article></body></html>")
    page = alice.context.new_page()
    page.route("http://strict.test/**", lambda route: route.fulfill(
        status=200, body=html, headers={
            "Content-Type": "text/html",
            "Content-Security-Policy": "default-src 'none'; frame-src 'none'; child-src 'none'"}))
    page.goto("http://strict.test/page")
    wait_ready(page)
    select(page, phrase)
    page.get_by_role("button", name="Add note").click()
    frame_note = page.frame_locator("postil-ui .editor iframe.editor-frame").get_by_label("Note")
    inline_note = page.locator("postil-ui .editor .editor-inline").get_by_label("Note")
    wait_until(lambda: frame_note.is_visible() or inline_note.is_visible(), message="an editor")
    note = frame_note if frame_note.is_visible() else inline_note
    note.fill("Written on a strict page")
    note.press("Tab")
    (page.frame_locator("postil-ui .editor iframe.editor-frame") if note is frame_note
     else page.locator("postil-ui .editor")).get_by_role("button", name="Save").click()
    stored = wait_until(lambda: server.annotations(tokens["alice"], url="http://strict.test/page")
                        ["items"], message="the note on the server")
    assert [(a["quote"], a["note"]) for a in stored] == [(phrase, "Written on a strict page")]


def test_the_editor_opens_focused_and_whole_every_time(alice, server, tokens):
    """The editor's frame is kept between notes; shown again, it must take the keyboard and its
    full height each time (it came back 120 px high and unfocused in Chromium)."""
    page = alice.open(POST_101)
    for phrase in ("Barnacles and limpets tolerate long spells in the air",
                   "Soft seaweeds and most anemones prefer the lower pools",
                   "Shore crabs kept in a laboratory tank"):
        select(page, phrase)
        page.get_by_role("button", name="Add note").click()
        editor = note_editor(page)  # waits for the note to have the focus
        page.keyboard.type(f"typed at once: {phrase[:10]}")
        assert editor.get_by_label("Note").input_value() == f"typed at once: {phrase[:10]}"
        height = page.locator("postil-ui iframe.editor-frame").evaluate(
            "(el) => el.getBoundingClientRect().height")
        assert height > 400, height
        editor.get_by_role("button", name="Save").click()
        wait_painted(page, "yellow", phrase)
    stored = wait_until(lambda: len(server_items(server, tokens["alice"], 101)) == 3
                        and server_items(server, tokens["alice"], 101), message="three notes")
    assert sorted(a["note"] for a in stored) == sorted(
        f"typed at once: {p[:10]}" for p in ("Barnacles ", "Soft seawe", "Shore crab"))


def test_a_page_that_holds_up_its_thread_gets_a_notice_not_the_readers_keys(alice, artifacts):
    """A page that blocks its own thread while the editor's frame loads makes the frame look
    slow. It must not get the editor drawn in its own document, where it hears the keys, without
    the reader's say: at worst the reader is told and asked."""
    page = alice.open(POST_101)
    page.evaluate(RECORD_KEYS_JS)
    page.evaluate("""() => {
      const hold = (ms) => { const until = Date.now() + ms; while (Date.now() < until) {} };
      // Busy once the toolbar is up (its frame loading), and again after "Add note".
      document.addEventListener('mouseup', () => setTimeout(() => hold(3000), 0));
      window.addEventListener('click', (e) => {
        if (e.target.tagName === 'POSTIL-UI') hold(5000);
      });
    }""")
    assert page.evaluate(SELECT_JS, "Barnacles and limpets tolerate long spells in the air")
    page.get_by_role("button", name="Add note").click()
    notice = page.locator("postil-ui .editor .frame-notice")
    editor_frame = page.locator("postil-ui .editor.framed iframe.editor-frame")
    wait_until(lambda: notice.is_visible() or editor_frame.is_visible(), message="an editor")
    assert page.locator("postil-ui .editor .editor-inline textarea").count() == 0
    if notice.is_visible():
        assert "could then see what you type" in notice.inner_text()
        page.screenshot(path=str(artifacts / "editor-frame-notice.png"))
    page.keyboard.type("unheard")
    assert page.evaluate("() => window.heard") == []


def test_a_slow_editor_frame_is_announced_then_takes_over(alice, server, tokens):
    """While the editor's frame has not answered, the reader gets a notice (and the choice to
    write in the page, which it can then read); once the frame answers, the editor is there.
    The wait is shortened to nothing through the extension's storage, so the notice is certain:
    editing from the sidebar opens the frame for the first time."""
    status, made = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": {"site": server.blog_site, "post_id": 101},
        "quote": "Barnacles and limpets tolerate long spells in the air",
        "selectors": [{"type": "TextQuoteSelector",
                       "exact": "Barnacles and limpets tolerate long spells in the air"}]})
    assert status == 201, made
    alice.worker.evaluate("() => chrome.storage.local.set({debugEditorWaitMs: 0})")
    page = alice.open(POST_101)
    page.evaluate(RECORD_KEYS_JS)
    page.evaluate("""() => {
      window.notices = [];
      new MutationObserver(() => {
        const n = document.querySelector('postil-ui').shadowRoot.querySelector('.frame-notice');
        if (n && !window.notices.includes(n.textContent)) window.notices.push(n.textContent);
      }).observe(document.querySelector('postil-ui').shadowRoot, {subtree: true, childList: true});
    }""")
    open_sidebar(alice, page)
    items(page).first.get_by_role("button", name=re.compile("^Edit annotation")).click()
    editor = note_editor(page)
    notices = page.evaluate("() => window.notices")
    assert len(notices) == 1 and "could then see what you type" in notices[0], notices
    assert not page.locator("postil-ui .editor .frame-notice").is_visible()
    page.keyboard.type("after the notice")
    editor.get_by_role("button", name="Save").click()
    wait_until(lambda: server_items(server, tokens["alice"], 101)[0]["note"] == "after the notice",
               message="the note")
    assert page.evaluate("() => window.heard") == []


def test_a_reader_may_write_in_the_page_when_the_editor_frame_never_answers(alice, server,
                                                                           tokens):
    """The frame's answer goes unheard (as when it cannot load; set through the extension's
    storage): the reader is told what writing in the page means, and choosing it gives a working
    editor there, whose keys the page does hear, as the notice said."""
    alice.worker.evaluate(
        "() => chrome.storage.local.set({debugEditorWaitMs: 0, debugEditorFrameSilent: true})")
    page = alice.open(POST_101)
    phrase = "Barnacles and limpets tolerate long spells in the air"
    select(page, phrase)
    page.get_by_role("button", name="Add note").click()
    notice = page.locator("postil-ui .editor .frame-notice")
    notice.wait_for(state="visible", timeout=5000)
    assert "this page's own scripts could then see what you type" in notice.inner_text()
    assert not page.locator("postil-ui .editor iframe.editor-frame").is_visible()
    page.evaluate(RECORD_KEYS_JS)
    notice.get_by_role("button", name="Write here anyway").click()
    form = page.locator("postil-ui .editor form.editor-form")
    form.wait_for(state="visible", timeout=5000)
    assert phrase in form.locator("blockquote").inner_text()
    # The note has the focus, as in the frame.
    page.keyboard.type("written in the page")
    form.get_by_label("Pink").check()
    form.get_by_role("button", name="Save").click()
    wait_painted(page, "pink", phrase)
    stored = wait_until(lambda: server_items(server, tokens["alice"], 101), message="the note")
    assert [(a["quote"], a["note"], a["color"]) for a in stored] == [
        (phrase, "written in the page", "pink")]
    assert "keydown:w" in page.evaluate("() => window.heard")
    assert not form.is_visible()
