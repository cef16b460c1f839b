"""Running a reading group from the extension, in Chromium with several readers in their own
browser profiles: on the options page the owner sees the members and the invite links (made,
expiry, uses, state), revokes one (joining by it is then refused with the server's reason), makes
a member moderator, is told they are its only owner when they would leave, and deletes the
group, told first that its notes become private to their
authors; a moderator is offered what a moderator may do and nothing more, and removes a plain
member. In the page's sidebar a
moderator hides a member's group note: a third reader's page no longer shows it, its author sees
it marked hidden, and "Show again" brings it back; a reply in its thread is hidden and shown on
its own, or with the whole thread; plain members are never offered either.
Firefox makes, lists and revokes an invite link in test_reading_groups.py's flow; here, in two
Firefox instances (firefox/moderation-flow.mjs), a moderator hides a member's note from the
sidebar, it goes from a plain member's open page, and "Show again" brings it back."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

from browser_helpers import (
    EXTENSION,
    FIREFOX,
    FIREFOX_DIR,
    PASSWORD,
    POST_101,
    items,
    open_sidebar,
    painted,
    wait_painted,
    wait_until,
)

PHRASE = "Barnacles and limpets tolerate long spells in the air"
OTHER = "Soft seaweeds and most anemones prefer the lower pools"


def options_page(ext):
    page = ext.context.new_page()
    page.on("pageerror", lambda err: ext.errors.append(str(err)))
    page.goto(f"chrome-extension://{ext.extension_id}/src/options/options.html")
    page.get_by_role("region", name="Groups").wait_for(state="visible", timeout=10000)
    return page


def group_item(options, name):
    return options.locator("#group-list > li", has_text=name)


def reader(server, stem: str) -> tuple[str, str]:
    """A new user (name, token): the session's server has alice and bob only."""
    name = f"{stem}{uuid.uuid4().hex[:6]}"
    server.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    status, data = server.api("POST", "/api/tokens", body={"username": name, "password": PASSWORD})
    assert status == 201, data
    return name, data["token"]


def ok(answer, status: int = 200):
    assert answer[0] == status, answer
    return answer[1]


def join(server, token_of_invite: str, token: str) -> None:
    ok(server.api("POST", f"/api/invites/{token_of_invite}/accept", token))


def group_note(server, token: str, group: str, quote: str, note: str) -> dict:
    post = {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}"}
    return ok(server.api("POST", "/api/annotations", token, body={
        "post": post, "quote": quote, "note": note, "color": "green", "visibility": "group",
        "group": group,
        "selectors": [{"type": "TextQuoteSelector", "exact": quote, "prefix": "", "suffix": ""}]}),
        201)


def everything_painted(page) -> set[str]:
    return {text for texts in painted(page).values() for text in texts}


def sidebar_item(page, note: str):
    return items(page).filter(has_text=note)


def test_the_owner_runs_the_group_from_the_options_page_and_a_moderator_sees_only_their_part(
        open_profile, server, tokens, tmp_path, artifacts):
    name = f"Harbour readers {uuid.uuid4().hex[:6]}"
    group = ok(server.api("POST", "/api/groups", tokens["alice"], body={"name": name}), 201)
    gid = group["id"]
    limited = ok(server.api("POST", f"/api/groups/{gid}/invites", tokens["alice"],
                            body={"max_uses": 3, "expires_in": 86400}), 201)
    join(server, limited["token"], tokens["bob"])
    open_ended = ok(server.api("POST", f"/api/groups/{gid}/invites", tokens["alice"], body={}), 201)
    carol, carol_token = reader(server, "carol")
    join(server, limited["token"], carol_token)
    bobs_note = group_note(server, tokens["bob"], gid, PHRASE, "Bob's note for the harbour readers")

    alice = open_profile(tmp_path / "alice")
    bob = open_profile(tmp_path / "bob")
    try:
        alice.sign_in("alice", tokens["alice"])
        bob.sign_in("bob", tokens["bob"])
        options = options_page(alice)
        mine = group_item(options, name)
        mine.wait_for(timeout=10000)
        assert "You: Owner" in mine.inner_text() and "3 members" in mine.inner_text()

        # The invite links, newest first: who made each and when, expiry, uses, state.
        mine.get_by_role("button", name=f"Invites of {name}").click()
        rows = mine.locator("table.invites tbody tr")
        wait_until(lambda: rows.count() == 2, message="both invite links listed")
        newest, oldest = rows.nth(0), rows.nth(1)
        assert newest.get_attribute("data-invite") == str(open_ended["id"])
        cells = lambda row: row.locator("td").all_inner_texts()  # noqa: E731
        made, expires, uses, state, _ = cells(oldest)
        assert "by alice" in made and expires != "Never"
        assert (uses, state) == ("2 of 3", "Active")
        made, expires, uses, state, _ = cells(newest)
        assert (expires, uses, state) == ("Never", "0 (no limit)", "Active")

        # alice revokes the open-ended one: marked revoked, nothing left to revoke on it.
        newest.get_by_role("button", name="Revoke").click()
        wait_until(lambda: "no longer lets anyone join" in mine.inner_text(),
                   message="the revoke confirmed")
        newest = mine.locator(f"table.invites tr[data-invite='{open_ended['id']}']")
        assert cells(newest)[3] == "Revoked"
        assert newest.get_by_role("button").count() == 0
        assert mine.locator("table.invites tr", has_text="Active").get_by_role(
            "button", name="Revoke").count() == 1
        invites = ok(server.api("GET", f"/api/groups/{gid}/invites", tokens["alice"]))["items"]
        assert {i["id"]: i["status"] for i in invites} == {open_ended["id"]: "revoked",
                                                          limited["id"]: "active"}
        options.screenshot(path=str(artifacts / "options-group-invites.png"), full_page=True)

        # Joining by the revoked link is refused, with the server's reason.
        dave, dave_token = reader(server, "dave")
        dave_profile = open_profile(tmp_path / "dave")
        try:
            dave_profile.sign_in(dave, dave_token)
            dave_options = options_page(dave_profile)
            dave_options.get_by_label("Invite link or token").fill(
                open_ended["links"]["preview"])
            dave_options.get_by_role("button", name="Show the group").click()
            said = dave_options.locator("#join-message")
            wait_until(lambda: "revoked" in said.inner_text(), message="the refusal")
            assert said.inner_text() == ("Could not use this invite: this invite is revoked; "
                                         "ask the group for a new one")
            assert dave_options.locator("#invite-preview").is_hidden()
            assert not dave_profile.errors, dave_profile.errors
        finally:
            dave_profile.context.close()
        assert ok(server.api("GET", "/api/groups", dave_token))["items"] == []

        # The members with their roles; alice makes bob a moderator.
        mine.get_by_role("button", name=f"Members of {name}").click()
        role = mine.get_by_label("Role of bob")
        role.wait_for(timeout=10000)
        table = mine.locator("table.members")
        assert "alice (you)" in table.inner_text() and carol in table.inner_text()
        # Not her own role, nor herself to remove: the group keeps its owner.
        assert mine.get_by_label("Role of alice").count() == 0
        assert mine.get_by_role("button", name=f"Remove alice from {name}").count() == 0
        role.select_option("moderator")
        wait_until(lambda: "bob is now moderator." in mine.inner_text(),
                   message="the role change")
        members = ok(server.api("GET", f"/api/groups/{gid}/members", tokens["alice"]))["items"]
        assert {m["user"]: m["role"] for m in members} == {
            "alice": "owner", "bob": "moderator", carol: "member"}

        # bob, a moderator: invites (to make, see and revoke), removing plain members only, no
        # roles to change and no group to delete.
        bob_options = options_page(bob)
        his = group_item(bob_options, name)
        his.wait_for(timeout=10000)
        assert "You: Moderator" in his.inner_text()
        assert his.get_by_role("button", name=f"Invite to {name}").count() == 1
        assert his.get_by_role("button", name=f"Delete {name}…").count() == 0
        his.get_by_role("button", name=f"Members of {name}").click()
        his.locator("table.members").wait_for(timeout=10000)
        assert his.locator("table.members select").count() == 0
        assert his.get_by_role("button", name=f"Remove alice from {name}").count() == 0
        assert his.get_by_role("button", name=f"Remove {carol} from {name}").count() == 1
        his.get_by_role("button", name=f"Invites of {name}").click()
        his.locator("table.invites").wait_for(timeout=10000)
        assert his.locator("table.invites").get_by_role("button", name="Revoke").count() == 1
        # He removes carol, a plain member.
        his.get_by_role("button", name=f"Members of {name}").click()
        his.get_by_role("button", name=f"Remove {carol} from {name}").click()
        wait_until(lambda: f"{carol} was removed from {name}." in bob_options.locator(
            "#groups-message").inner_text(), message="carol removed by the moderator")
        assert "2 members" in his.inner_text()
        assert server.api("GET", f"/api/groups/{gid}", carol_token)[0] == 404
        assert not bob.errors, bob.errors

        # alice, the only owner, is told so rather than offered a Leave the server refuses.
        options.reload()
        mine = group_item(options, name)
        mine.get_by_role("button", name=f"Leave {name}", exact=True).click()
        wait_until(lambda: "You are the only owner" in options.locator(
            "#groups-message").inner_text(), message="the only owner told")
        assert mine.get_by_role("button", name=f"Really leave {name}? Press again to leave"
                                ).count() == 0

        # alice deletes the group, told first what becomes of its notes.
        mine.get_by_role("button", name=f"Delete {name}…").click()
        ask = mine.get_by_role("group", name=f"Delete {name}?")
        ask.wait_for(timeout=5000)
        assert "Its other member loses it at once" in ask.inner_text()
        assert "becomes private to the reader who wrote it" in ask.inner_text()
        # Cancel changes nothing.
        ask.get_by_role("button", name="Cancel").click()
        assert ask.count() == 0
        assert ok(server.api("GET", f"/api/groups/{gid}", tokens["alice"]))["name"] == name
        mine.get_by_role("button", name=f"Delete {name}…").click()
        mine.get_by_role("button", name=f"Delete {name}", exact=True).click()
        wait_until(lambda: f"{name} was deleted." in options.locator(
            "#groups-message").inner_text(), message="the group deleted")
        assert group_item(options, name).count() == 0
        assert server.api("GET", f"/api/groups/{gid}", tokens["alice"])[0] == 404
        # bob's note is his alone now.
        now = ok(server.api("GET", f"/api/annotations/{bobs_note['id']}", tokens["bob"]))
        assert (now["visibility"], now["group"]) == ("private", None)
        status, seen = server.api("GET", "/api/annotations", tokens["alice"],
                                  query={"user": "bob"})
        assert status == 200 and seen["items"] == []
        assert not alice.errors, alice.errors
    finally:
        alice.context.close()
        bob.context.close()


def test_a_moderator_hides_a_members_note_from_the_sidebar_and_shows_it_again(
        open_profile, server, tokens, tmp_path, artifacts):
    # dave owns the group (through the API alone); alice moderates it; bob and carol are members.
    dave, dave_token = reader(server, "dave")
    name = f"Pool watchers {uuid.uuid4().hex[:6]}"
    gid = ok(server.api("POST", "/api/groups", dave_token, body={"name": name}), 201)["id"]
    invite = ok(server.api("POST", f"/api/groups/{gid}/invites", dave_token, body={}), 201)
    carol, carol_token = reader(server, "carol")
    for token in (tokens["alice"], tokens["bob"], carol_token):
        join(server, invite["token"], token)
    ok(server.api("PATCH", f"/api/groups/{gid}/members/alice", dave_token,
                  body={"role": "moderator"}))
    bobs = group_note(server, tokens["bob"], gid, PHRASE, "Bob thinks the tide is late")
    group_note(server, tokens["alice"], gid, OTHER, "Alice on the lower pools")
    carols = ok(server.api("POST", "/api/annotations", carol_token, body={
        "reply_to": bobs["id"], "note": "Carol says it is early"}), 201)

    alice = open_profile(tmp_path / "alice")
    bob = open_profile(tmp_path / "bob")
    third = open_profile(tmp_path / "carol")
    try:
        alice.sign_in("alice", tokens["alice"])
        bob.sign_in("bob", tokens["bob"])
        third.sign_in(carol, carol_token)
        pages = {}
        for who, ext in (("alice", alice), ("bob", bob), ("carol", third)):
            pages[who] = ext.open(POST_101)
            wait_painted(pages[who], "green", PHRASE)
            open_sidebar(ext, pages[who])
            wait_until(lambda p=pages[who]: items(p).count() == 2,
                       message=f"both notes in {who}'s sidebar")
        page, bob_page, carol_page = pages["alice"], pages["bob"], pages["carol"]

        # Plain members are offered no hiding: not on another's note, not on their own.
        for member_page in (bob_page, carol_page):
            sidebar = member_page.locator("postil-ui .sidebar")
            assert "Hide from group" not in sidebar.inner_text()
            assert sidebar.locator(".moderation").count() == 0

        # alice, a moderator, hides carol's reply in the thread below bob's note: marked for
        # her, gone for bob (a member who did not write it).
        his = sidebar_item(page, "Bob thinks the tide is late")
        row = his.locator("li.reply", has_text="Carol says it is early")
        row.wait_for(timeout=10000)
        for member_page in (bob_page, carol_page):
            wait_until(lambda p=member_page: sidebar_item(p, "Bob thinks").locator(
                "li.reply").count() == 1, message="the reply in the members' threads")
            assert sidebar_item(member_page, "Bob thinks").locator(".moderation").count() == 0
        row.get_by_role("button", name=f"Hide from {name} the reply of {carol}").click()
        wait_until(lambda: "Hidden from the group by a moderator" in row.inner_text(),
                   message="the reply marked hidden for the moderator")
        assert row.get_by_role("button", name=f"Show again to {name}").count() == 1
        assert "Hidden from the group" not in his.locator(".meta").first.inner_text()
        thread = ok(server.api("GET", f"/api/annotations/{bobs['id']}/replies", tokens["bob"]))
        assert thread["items"] == []
        # Out of bob's open thread too, without a reload.
        wait_until(lambda: sidebar_item(bob_page, "Bob thinks").locator("li.reply").count() == 0,
                   message="the hidden reply gone from bob's thread")
        assert ok(server.api("GET", f"/api/annotations/{carols['id']}", carol_token))["hidden"]
        row.get_by_role("button", name=f"Show again to {name}").click()
        wait_until(lambda: "Hidden from the group" not in row.inner_text(),
                   message="the reply shown again")
        thread = ok(server.api("GET", f"/api/annotations/{bobs['id']}/replies", tokens["bob"]))
        assert [r["id"] for r in thread["items"]] == [carols["id"]]

        # alice, a moderator, is offered it on bob's note, not on her own; she hides it.
        assert sidebar_item(page, "Alice on the lower pools").locator(".moderation").count() == 0
        his.get_by_role("button", name=f"Hide from {name}: {PHRASE[:39]}…", exact=True).click()
        wait_until(lambda: "Hidden from the group by a moderator" in his.inner_text(),
                   message="the note marked hidden for the moderator")
        assert his.locator("div.moderation").get_by_role("button", name="Show again").count() == 1
        assert PHRASE in everything_painted(page)
        # The reply below is hidden with it, as part of the thread: not marked on its own, and
        # not to be shown on its own (the server would refuse: show the note instead).
        wait_until(lambda: row.locator(".moderation").count() == 0,
                   message="the reply's own buttons gone while its thread is hidden")
        assert "Hidden from the group" not in row.inner_text()
        page.screenshot(path=str(artifacts / "sidebar-hidden-by-moderator.png"))
        assert ok(server.api("GET", f"/api/annotations/{bobs['id']}", tokens["bob"]))["hidden"]

        # carol, a member who did not write it: gone from her page and sidebar (live).
        wait_until(lambda: PHRASE not in everything_painted(carol_page),
                   message="the hidden note unpainted for carol")
        wait_until(lambda: sidebar_item(carol_page, "Bob thinks the tide is late").count() == 0,
                   message="the hidden note out of carol's sidebar")
        assert sidebar_item(carol_page, "Alice on the lower pools").count() == 1
        assert server.api("GET", f"/api/annotations/{bobs['id']}", carol_token)[0] == 404

        # bob, its author, sees it marked hidden (live, no reload), with nothing to undo it.
        bobs_item = sidebar_item(bob_page, "Bob thinks the tide is late")
        wait_until(lambda: "Hidden from the group by a moderator" in bobs_item.inner_text(),
                   message="the author's note marked hidden")
        assert bobs_item.get_by_role("button", name="Show again").count() == 0
        assert PHRASE in everything_painted(bob_page)

        # Shown again: back on carol's page, unmarked for bob.
        his.locator("div.moderation").get_by_role("button", name="Show again").click()
        hide = his.locator("div.moderation").get_by_role("button", name=f"Hide from {name}")
        wait_until(lambda: hide.count() == 1, message="the note shown again")
        assert "Hidden from the group" not in his.inner_text()
        wait_painted(carol_page, "green", PHRASE)
        wait_until(lambda: "Hidden from the group" not in bobs_item.inner_text(),
                   message="bob's note no longer marked")

        # A refusal is shown in words on the note: here the server cannot be reached.
        server.stop()
        hide.click()
        problem = his.locator(".item-problem")
        problem.wait_for(timeout=10000)
        assert problem.inner_text().startswith(
            "Could not hide this note from the group: Cannot reach the server")
        server.start()

        # dave makes alice a plain member: her page stops offering it, without a reload.
        ok(server.api("PATCH", f"/api/groups/{gid}/members/alice", dave_token,
                      body={"role": "member"}))
        wait_until(lambda: page.locator("postil-ui .sidebar .moderation").count() == 0,
                   timeout=30, message="the moderator's buttons gone with her role")
        assert sidebar_item(page, "Bob thinks the tide is late").count() == 1
        errors = alice.errors + bob.errors + third.errors
        assert not errors, errors
    finally:
        # carol's reply outlives the session's cleanup (of alice's and bob's annotations): left,
        # bob's note would stay on the post as its thread's tombstone in the tests after this.
        server.api("DELETE", f"/api/annotations/{carols['id']}", carol_token)
        alice.context.close()
        bob.context.close()
        third.context.close()


def test_firefox_a_moderator_hides_a_members_note_from_the_sidebar_and_shows_it_again(
        node_driver, server, blog, tokens, artifacts):
    # dave owns the group (the API alone); alice moderates it; bob wrote the note; erin is a
    # plain member. alice and erin each have a Firefox of their own.
    dave, dave_token = reader(server, "dave")
    name = f"Rock pool club {uuid.uuid4().hex[:6]}"
    gid = ok(server.api("POST", "/api/groups", dave_token, body={"name": name}), 201)["id"]
    invite = ok(server.api("POST", f"/api/groups/{gid}/invites", dave_token, body={}), 201)
    erin, erin_token = reader(server, "erin")
    for token in (tokens["alice"], tokens["bob"], erin_token):
        join(server, invite["token"], token)
    ok(server.api("PATCH", f"/api/groups/{gid}/members/alice", dave_token,
                  body={"role": "moderator"}))
    bobs = group_note(server, tokens["bob"], gid, PHRASE, "Bob counts the limpets")
    env = {**os.environ, "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
           "POSTIL_BLOG": blog.url, "POSTIL_POST": POST_101, "POSTIL_MODERATOR": "alice",
           "POSTIL_MEMBER": erin, "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX,
           "POSTIL_QUOTE": PHRASE, "POSTIL_NOTE": "Bob counts the limpets",
           "POSTIL_SCREENSHOT": str(artifacts / "firefox-sidebar-hidden-by-moderator.png")}
    done = subprocess.run([node_driver, "moderation-flow.mjs"], cwd=FIREFOX_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from the Firefox script:\n{done.stdout}\n{done.stderr[-2000:]}"
    result = json.loads(lines[-1])
    assert result["ok"], result.get("error")
    assert result["signedIn"][0].startswith("Signed in as alice")
    assert result["signedIn"][1].startswith(f"Signed in as {erin}")
    # The plain member is offered nothing; the moderator hides and shows.
    assert result["memberOffered"] == []
    assert result["moderatorOffered"] == [f"Hide from {name}: {PHRASE[:39]}…"]
    assert "Hidden from the group by a moderator" in result["markedHidden"]["text"]
    assert result["markedHidden"]["moderation"][0].startswith(f"Show again to {name}")
    assert result["stillPaintedForModerator"] is True
    # Gone from the plain member's open page, and back, without a reload.
    assert result["goneForMember"] is True and result["backForMember"] is True
    assert result["sameDocuments"] is True
    assert result["errors"] == []
    shown = ok(server.api("GET", f"/api/annotations/{bobs['id']}", erin_token))
    assert shown["hidden"] is False
