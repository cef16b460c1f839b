"""The options page's "Password and sessions" section in Chromium: a signed-in reader sees where
they are signed in (this browser marked), revokes one session, signs out everywhere else, and is
told when the current password they gave for a change is wrong."""

from __future__ import annotations

from browser_helpers import PASSWORD, wait_until


def test_sessions_are_listed_revoked_and_signed_out_everywhere_else(browser, server, artifacts):
    name = "sessions-reader"
    server.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    others = {}
    for label in ("phone", "laptop"):
        status, data = server.api("POST", "/api/tokens",
                                  body={"username": name, "password": PASSWORD, "label": label})
        assert status == 201, data
        others[label] = data["token"]

    options = browser.context.new_page()
    options.goto(f"chrome-extension://{browser.extension_id}/src/options/options.html")
    section = options.get_by_role("region", name="Password and sessions")
    wait_until(lambda: "Not signed in" in options.locator("#signed-in").inner_text(),
               message="signed out at first")
    assert not section.is_visible()

    options.get_by_label("Server URL").fill(server.url)
    options.get_by_label("Username").fill(name)
    options.get_by_label("Password", exact=True).fill(PASSWORD)
    options.get_by_role("button", name="Sign in").click()
    rows = section.locator("#session-list tbody tr")
    wait_until(lambda: rows.count() == 3, message="three sessions listed")
    texts = [rows.nth(i).inner_text() for i in range(3)]
    assert "Postil in Chromium (this browser)" in texts[0]  # in use now: listed first
    assert any("phone" in t for t in texts) and any("laptop" in t for t in texts)
    # This browser's session has no Revoke (that is Sign out); the others have one each.
    assert rows.nth(0).get_by_role("button").count() == 0
    options.screenshot(path=str(artifacts / "options-sessions.png"), full_page=True)

    phone_row = rows.filter(has_text="phone")
    phone_row.get_by_role("button", name="Revoke phone").click()
    wait_until(lambda: rows.count() == 2, message="the phone's session gone")
    assert server.api("GET", "/api/me", others["phone"])[0] == 401
    assert server.api("GET", "/api/me", others["laptop"])[0] == 200

    options.get_by_role("button", name="Sign out everywhere else").click()
    wait_until(lambda: rows.count() == 1, message="only this browser left")
    assert "this browser" in rows.nth(0).inner_text()
    assert server.api("GET", "/api/me", others["laptop"])[0] == 401
    assert "Signed in as sessions-reader" in options.locator("#signed-in").inner_text()
    assert options.get_by_role("button", name="Sign out everywhere else").is_disabled()

    options.get_by_label("Current password").fill("not my password")
    options.get_by_label("New password").fill("a brand new password")
    options.get_by_role("button", name="Change password").click()
    message = options.locator("#password-message")
    wait_until(lambda: "Could not change" in message.inner_text(), message="refused")
    assert "wrong" in message.inner_text()
    status, _ = server.api("POST", "/api/tokens",
                           body={"username": name, "password": PASSWORD})
    assert status == 201  # the password is unchanged

    options.get_by_role("button", name="Sign out", exact=True).click()
    wait_until(lambda: not section.is_visible(), message="the section hidden when signed out")
