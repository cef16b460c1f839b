"""Reading groups in Chromium, two readers in two browser profiles: alice makes a group on the
options page and an invite link, writes a note for the group; bob, not in it, does not see it;
he joins by the link (seeing the group's name first) and sees it after a reload, labelled with the
group; alice makes him a moderator; he leaves and it is gone; he joins again and alice removes
him. And the visibility a reader picks for a new note on a site is that site's next default,
listed on the options page to change or forget. Firefox runs the same steps through
firefox/groups-flow.mjs (puppeteer-core over WebDriver BiDi), and lists and revokes an invite
link."""

from __future__ import annotations

import re
import uuid

from browser_helpers import (
    EXTENSION,
    FIREFOX,
    PASSWORD,
    POST_101,
    highlight,
    items,
    note_editor,
    open_sidebar,
    painted,
    run_firefox_flow,
    select,
    wait_painted,
    wait_until,
)

PHRASE = "Barnacles and limpets tolerate long spells in the air"


def options_page(ext):
    page = ext.context.new_page()
    page.on("pageerror", lambda err: ext.errors.append(str(err)))
    page.goto(f"chrome-extension://{ext.extension_id}/src/options/options.html")
    page.get_by_role("region", name="Groups").wait_for(state="visible", timeout=10000)
    return page


def group_item(options, name):
    return options.locator("#group-list > li", has_text=name)


def loaded(page) -> None:
    """Wait until a reloaded page has its annotations (the sidebar's status is no longer
    "Loading…")."""
    page.wait_for_function("""() => !document.querySelector('postil-ui').shadowRoot
        .querySelector('.sidebar .status').textContent.startsWith('Loading')""")


def everything_painted(page) -> set[str]:
    return {text for texts in painted(page).values() for text in texts}


def test_a_group_note_is_seen_by_members_alone_joined_by_invite_link_and_gone_on_leaving(
        open_profile, server, tokens, tmp_path, artifacts):
    alice = open_profile(tmp_path / "alice")
    bob = open_profile(tmp_path / "bob")
    try:
        alice.sign_in("alice", tokens["alice"])
        bob.sign_in("bob", tokens["bob"])
        name = f"Tide readers {uuid.uuid4().hex[:6]}"

        # alice makes the group: she owns it, alone.
        options = options_page(alice)
        options.get_by_label("Group name").fill(name)
        options.get_by_label("Description (optional)").fill("Rock pools, weekly")
        options.get_by_role("button", name="Make group").click()
        mine = group_item(options, name)
        mine.wait_for(timeout=10000)
        assert "You: Owner" in mine.inner_text() and "1 member" in mine.inner_text()
        assert f"Group “{name}” made" in options.locator("#create-group-message").inner_text()

        # An invite link with an expiry and a use limit, copied.
        alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
        options.get_by_role("button", name=f"Invite to {name}").click()
        options.get_by_label("Expires").select_option(label="In a day")
        options.get_by_label("How many may join with it (optional)").fill("5")
        options.get_by_role("button", name="Make invite link").click()
        link_box = mine.get_by_label("Invite link")
        link_box.wait_for(state="visible", timeout=10000)
        link = link_box.input_value()
        assert link.startswith(f"{server.url}/api/invites/")
        assert "5 may join with it" in mine.inner_text() and "expires" in mine.inner_text()
        mine.get_by_role("button", name="Copy link").click()
        wait_until(lambda: "Copied" in mine.inner_text(), message="the copy to be confirmed")
        assert options.evaluate("() => navigator.clipboard.readText()") == link
        options.screenshot(path=str(artifacts / "options-groups-invite.png"), full_page=True)
        group_id = mine.get_attribute("data-group")

        # alice writes a note for the group, picked in the editor by the group's name.
        page = alice.open(POST_101)
        select(page, PHRASE)
        page.get_by_role("button", name="Add note").click()
        editor = note_editor(page)
        picker = editor.get_by_label("Visibility")
        labels = picker.locator("option").all_inner_texts()
        assert labels[0] == "Private (only me)" and labels[-1] == "Public (anyone)"
        assert f"Group: {name}" in labels
        picker.select_option(label=f"Group: {name}")
        editor.get_by_label("Note").fill("Only the tide readers see this.")
        editor.get_by_role("button", name="Save").click()
        wait_painted(page, "yellow", PHRASE)
        open_sidebar(alice, page)
        wait_until(lambda: f"Group: {name}" in items(page).first.inner_text(),
                   message="alice's sidebar to name the group")
        wait_until(lambda: server.annotations(tokens["alice"], user="alice")["items"],
                   message="the note to reach the server")
        stored = server.annotations(tokens["alice"], user="alice")["items"]
        assert [(a["visibility"], a["group"], a["group_name"]) for a in stored] == [
            ("group", group_id, name)]

        # bob is not in the group: nothing of it on his page.
        bob_page = bob.open(POST_101)
        assert PHRASE not in everything_painted(bob_page)

        # bob joins by the link: the group's name first, then in his list as a member.
        bob_options = options_page(bob)
        bob_options.get_by_label("Invite link or token").fill(link)
        bob_options.get_by_role("button", name="Show the group").click()
        preview = bob_options.locator("#invite-preview-text")
        preview.wait_for(state="visible", timeout=10000)
        assert f"You are invited to “{name}” (1 member): Rock pools, weekly" == preview.inner_text()
        bob_options.get_by_role("button", name=f"Join {name}").click()
        joined = group_item(bob_options, name)
        joined.wait_for(timeout=10000)
        assert "You: Member" in joined.inner_text() and "2 members" in joined.inner_text()
        assert f"You joined “{name}”" in bob_options.locator("#join-message").inner_text()
        # A member cannot invite.
        assert joined.get_by_role("button", name=f"Invite to {name}").count() == 0

        bob_page.reload()
        wait_painted(bob_page, "yellow", PHRASE)
        open_sidebar(bob, bob_page)
        card = items(bob_page).filter(has_text="Only the tide readers see this.")
        wait_until(lambda: card.count() == 1, message="the group note in bob's sidebar")
        assert f"Group: {name}" in card.inner_text() and "alice" in card.inner_text()

        # alice, the owner, sees bob among the members and makes him a moderator.
        options.reload()
        mine = group_item(options, name)
        mine.wait_for(timeout=10000)
        mine.get_by_role("button", name=f"Members of {name}").click()
        role = mine.get_by_label("Role of bob")
        role.wait_for(timeout=10000)
        assert "alice (you)" in mine.locator("table.members").inner_text()
        role.select_option("moderator")
        wait_until(lambda: "bob is now moderator" in mine.inner_text(), message="the role change")
        status, members = server.api("GET", f"/api/groups/{group_id}/members", tokens["alice"])
        assert status == 200
        assert {m["user"]: m["role"] for m in members["items"]} == {"alice": "owner",
                                                                    "bob": "moderator"}

        # bob leaves (asked twice): gone from his list, and the note from his page.
        bob_options.reload()
        joined = group_item(bob_options, name)
        joined.wait_for(timeout=10000)
        joined.get_by_role("button", name=f"Leave {name}", exact=True).click()
        assert "Press again to leave" in bob_options.locator("#groups-message").inner_text()
        joined.get_by_role("button", name=f"Really leave {name}? Press again to leave").click()
        said = bob_options.locator("#groups-message")
        wait_until(lambda: f"You left {name}." in said.inner_text(), message="bob to have left")
        assert group_item(bob_options, name).count() == 0
        bob_page.reload()
        loaded(bob_page)
        assert PHRASE not in everything_painted(bob_page)
        assert server.api("GET", f"/api/annotations/{stored[0]['id']}", tokens["bob"])[0] == 404

        # bob joins again with the same link; alice removes him.
        bob_options.get_by_label("Invite link or token").fill(link)
        bob_options.get_by_role("button", name="Show the group").click()
        bob_options.get_by_role("button", name=f"Join {name}").click()
        group_item(bob_options, name).wait_for(timeout=10000)
        options.reload()
        mine = group_item(options, name)
        mine.wait_for(timeout=10000)
        mine.get_by_role("button", name=f"Members of {name}").click()
        mine.get_by_role("button", name=f"Remove bob from {name}").click()
        wait_until(lambda: f"bob was removed from {name}." in options.locator(
            "#groups-message").inner_text(), message="bob to be removed")
        assert "bob" not in mine.locator("table.members").inner_text()
        assert "1 member" in mine.inner_text()
        assert server.api("GET", f"/api/annotations/{stored[0]['id']}", tokens["bob"])[0] == 404
        assert not alice.errors and not bob.errors, alice.errors + bob.errors
    finally:
        alice.context.close()
        bob.context.close()


def test_a_bad_invite_is_refused_in_words(alice, server):
    options = options_page(alice)
    options.get_by_label("Invite link or token").fill("not an invite at all")
    options.get_by_role("button", name="Show the group").click()
    wait_until(lambda: "not an invite link" in options.locator("#join-message").inner_text(),
               message="the refusal")
    options.get_by_label("Invite link or token").fill(f"{server.url}/api/invites/pgi_{'x' * 32}")
    options.get_by_role("button", name="Show the group").click()
    wait_until(lambda: "Could not use this invite" in options.locator("#join-message").inner_text()
               and "not an invite link" not in options.locator("#join-message").inner_text(),
               message="the server's refusal")
    assert options.locator("#invite-preview").is_hidden()


def test_the_visibility_picked_on_a_site_is_its_next_default_until_forgotten(alice, server, tokens):
    name = f"Site club {uuid.uuid4().hex[:6]}"
    status, group = server.api("POST", "/api/groups", tokens["alice"], body={"name": name})
    assert status == 201, group

    page = alice.open(POST_101)
    select(page, PHRASE)
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    # The reader's default (Private) at first.
    assert editor.get_by_label("Visibility").input_value() == "private"
    editor.get_by_label("Visibility").select_option(label=f"Group: {name}")
    editor.get_by_label("Note").fill("for the club")
    editor.get_by_role("button", name="Save").click()
    wait_painted(page, "yellow", PHRASE)

    # A plain highlight on the same site now goes to the group too.
    other = "Soft seaweeds and most anemones prefer the lower pools"
    highlight(page, other, "green")
    wait_until(lambda: len(server.annotations(tokens["alice"], user="alice")["items"]) == 2,
               message="both on the server")
    made = {a["quote"]: a for a in server.annotations(tokens["alice"], user="alice")["items"]}
    assert (made[other]["visibility"], made[other]["group"]) == ("group", group["id"])

    # The options page lists the site with the group; forgetting it brings Private back.
    options = options_page(alice)
    row = options.locator("#site-defaults tbody tr", has_text=server.blog_site)
    row.wait_for(timeout=10000)
    picked = row.get_by_label(f"New notes on {server.blog_site} are").input_value()
    assert picked == f"group:{group['id']}"
    row.get_by_role("button", name=f"Forget the visibility for {server.blog_site}").click()
    wait_until(lambda: "start with your default again" in options.locator(
        "#site-defaults-message").inner_text(), message="the site forgotten")
    assert options.locator("#site-defaults tbody tr").count() == 0

    page.reload()
    loaded(page)
    select(page, "Shore crabs kept in a laboratory tank")
    page.get_by_role("button", name="Add note").click()
    assert note_editor(page).get_by_label("Visibility").input_value() == "private"


def test_firefox_makes_a_group_and_invite_joins_by_link_sees_the_group_note_and_leaves(
        node_driver, server, tokens, artifacts):
    reader = f"fox{uuid.uuid4().hex[:8]}"
    server.cli("user", "add", reader, "--password-stdin", stdin=PASSWORD + "\n")
    theirs = f"Alice's pool club {uuid.uuid4().hex[:6]}"
    status, group = server.api("POST", "/api/groups", tokens["alice"], body={"name": theirs})
    assert status == 201, group
    status, invite = server.api("POST", f"/api/groups/{group['id']}/invites", tokens["alice"],
                                body={"max_uses": 1})
    assert status == 201, invite
    note = "For the pool club only."
    post = {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}"}
    status, made = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": post, "quote": PHRASE, "note": note, "color": "blue", "visibility": "group",
        "group": group["id"],
        "selectors": [{"type": "TextQuoteSelector", "exact": PHRASE, "prefix": "", "suffix": ""}]})
    assert status == 201, made
    own = f"Fox readers {uuid.uuid4().hex[:6]}"

    result = run_firefox_flow(node_driver, "groups-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
        "POSTIL_BLOG": server.blog_url, "POSTIL_POST": POST_101, "POSTIL_USER": reader,
        "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX,
        "POSTIL_INVITE": invite["links"]["preview"], "POSTIL_THEIR_GROUP": theirs,
        "POSTIL_OWN_GROUP": own, "POSTIL_QUOTE": PHRASE, "POSTIL_NOTE": note,
        "POSTIL_SCREENSHOT": str(artifacts / "firefox-group-note.png")})
    assert result["signedIn"].startswith(f"Signed in as {reader}")
    assert "You: Owner" in result["created"] and "1 member" in result["created"]
    assert result["link"].startswith(f"{server.url}/api/invites/")
    assert "2 may join with it" in result["inviteMessage"]
    assert PHRASE not in result["paintedBefore"]
    assert result["preview"] == f"You are invited to “{theirs}” (1 member)."
    assert result["joined"].startswith(f"You joined “{theirs}”")
    assert any(theirs in t and "You: Member" in t and "2 members" in t
               for t in result["groupsAfterJoin"])
    assert PHRASE in result["paintedAfterJoin"]
    assert f"Group: {theirs}" in result["card"] and "alice" in result["card"]
    assert result["left"] == f"You left {theirs}."
    assert not any(theirs in t for t in result["groupsAfterLeave"])
    assert PHRASE not in result["paintedAfterLeave"]
    assert result["errors"] == []

    # Its Invites list: both links, newest first, then the newest revoked.
    assert result["invitesBefore"] == [["Never", "0 of 2", "Active"], ["Never", "0 of 2", "Active"]]
    assert result["revoked"].startswith("Revoked: that link no longer lets anyone join")
    assert result["invitesAfter"] == [["Never", "0 of 2", "Revoked"], ["Never", "0 of 2", "Active"]]
    revoked = result["secondLink"].rsplit("/", 1)[1]
    status, refused = server.api("POST", f"/api/invites/{revoked}/accept", tokens["bob"])
    assert status == 410 and "revoked" in refused["error"]["message"], refused

    # The link Firefox made lets another reader in, and the invite's use limit was sent.
    token = result["link"].rsplit("/", 1)[1]
    status, joined = server.api("POST", f"/api/invites/{token}/accept", tokens["bob"])
    assert status == 200, joined
    assert joined["name"] == own and joined["member_count"] == 2
    # Gone from the group: its note is not there for the reader who left.
    status, data = server.api("POST", "/api/tokens", body={"username": reader,
                                                           "password": PASSWORD})
    assert status == 201, data
    assert server.api("GET", f"/api/annotations/{made['id']}", data["token"])[0] == 404
    assert server.api("GET", f"/api/groups/{group['id']}", data["token"])[0] == 404


def test_a_group_note_made_and_moved_offline_reaches_the_server_in_its_group(alice, server,
                                                                              tokens):
    first = f"Offline club {uuid.uuid4().hex[:6]}"
    second = f"Second club {uuid.uuid4().hex[:6]}"
    made = {}
    for name in (first, second):
        status, group = server.api("POST", "/api/groups", tokens["alice"], body={"name": name})
        assert status == 201, group
        made[name] = group["id"]
    page = alice.open(POST_101)  # online: the page learns alice's groups

    server.stop()
    select(page, PHRASE)
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    editor.get_by_label("Visibility").select_option(label=f"Group: {first}")
    editor.get_by_label("Note").fill("written on the train")
    editor.get_by_role("button", name="Save").click()
    wait_painted(page, "yellow", PHRASE)
    open_sidebar(alice, page)
    card = items(page).first
    wait_until(lambda: f"Group: {first}" in card.inner_text(), message="the group on the card")
    assert "Not synced yet" in card.inner_text()
    queue = alice.storage()["queue"]
    assert [(op["kind"], op["body"]["visibility"], op["body"]["group"]) for op in queue] == [
        ("create", "group", made[first])]

    # Still offline, after a reload: moved to the other group, from the card's Edit.
    page.reload()
    loaded(page)
    open_sidebar(alice, page)
    card = items(page).first
    wait_until(lambda: f"Group: {first}" in card.inner_text(), message="the queued note listed")
    card.get_by_role("button", name=re.compile("^Edit annotation")).click()
    editor = note_editor(page)
    assert editor.get_by_label("Visibility").input_value() == f"group:{made[first]}"
    editor.get_by_label("Visibility").select_option(label=f"Group: {second}")
    editor.get_by_label("Note").fill("written on the train, for the other club")
    # By keyboard: in this freshly reloaded page, headless Chromium at times delivered a mouse
    # click on Save (in the frame's part below its first 420 px, just grown) to no element of
    # the frame at all; a reader's Enter on the button takes no hit test.
    editor.get_by_role("button", name="Save").press("Enter")
    wait_until(lambda: f"Group: {second}" in items(page).first.inner_text(),
               message="the other group on the card")

    server.start()
    page.reload()
    wait_until(lambda: server.annotations(tokens["alice"], user="alice")["items"],
               message="the note to reach the server")
    [stored] = server.annotations(tokens["alice"], user="alice")["items"]
    assert (stored["visibility"], stored["group"], stored["group_name"]) == (
        "group", made[second], second)
    assert stored["note"] == "written on the train, for the other club"
