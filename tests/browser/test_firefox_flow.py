"""The main flow (sign in, highlight, reload, restored), a single-page site and a password change
in Firefox ESR with the same unpacked extension, driven by the scripts in tests/browser/firefox/
(main-flow.mjs, spa-flow.mjs, password-flow.mjs: puppeteer-core over WebDriver BiDi)."""

from __future__ import annotations

from browser_helpers import EXTENSION, FIREFOX, PASSWORD, run_firefox_flow


def test_firefox_highlight_is_restored_after_reload(node_driver, server, blog, artifacts):
    result = run_firefox_flow(node_driver, "main-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url, "POSTIL_BLOG": blog.url,
        "POSTIL_USER": "alice", "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX,
        "POSTIL_SCREENSHOT": str(artifacts / "firefox-restored.png")})
    phrase = "the gluten network slowly organises itself"
    assert result["signedIn"].startswith("Signed in as alice")
    assert result["pageSees"] == {"shadowRoot": None, "text": "", "html": ""}
    assert result["stored"] == [{"quote": phrase, "color": "green"}]
    assert result["restored"]["green"] == [phrase]
    noted = "Kitchen temperature can shift these timings by hours"
    assert result["pageHeard"] == [] and result["pageFound"] is False
    assert result["noted"] == {"quote": noted, "note": "my private thought"}
    assert result["sidebarQuotes"] == [phrase, noted]
    assert result["errors"] == []


def test_firefox_keys_highlights_to_the_post_a_single_page_site_shows(node_driver, server,
                                                                     spa_site):
    result = run_firefox_flow(node_driver, "spa-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
        "POSTIL_SPA": spa_site.url, "POSTIL_USER": "alice", "POSTIL_PASSWORD": PASSWORD,
        "POSTIL_FIREFOX": FIREFOX})
    assert result["second"] == [{"quote": "sounded a horn every thirty seconds",
                                 "color": "green"}]
    assert result["first"] == [{"quote": "kept a log of the weather", "color": "yellow"}]
    assert result["paintedAfterMove"] == {"yellow": [],
                                          "green": ["sounded a horn every thirty seconds"]}
    assert result["paintedAfterBack"] == {"yellow": ["kept a log of the weather"], "green": []}
    assert result["address"] == "/lighthouses/"
    assert result["nextStory"] == [{"quote": "Redshanks call an alarm", "color": "green"}]
    assert result["firstStory"] == [{"quote": "pins the tide table to the office door",
                                     "color": "yellow"}]
    assert result["errors"] == []


def test_firefox_changes_the_password_and_ends_the_other_sessions(node_driver, server):
    name = "firefox-reader"
    server.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    status, data = server.api("POST", "/api/tokens",
                              body={"username": name, "password": PASSWORD, "label": "phone"})
    assert status == 201, data
    result = run_firefox_flow(node_driver, "password-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
        "POSTIL_USER": name, "POSTIL_PASSWORD": PASSWORD,
        "POSTIL_NEW_PASSWORD": "a new password for firefox", "POSTIL_OTHER_TOKEN": data["token"],
        "POSTIL_FIREFOX": FIREFOX})
    assert result["signedIn"].startswith("Signed in as firefox-reader")
    assert result["before"] == ["Postil in Firefox (this browser)", "phone"]
    assert result["message"].startswith("Password changed")
    assert result["after"] == ["Postil in Firefox (this browser)"]
    assert result["oldPassword"] == 401 and result["newPassword"] == 201
    assert result["otherSession"] == 401
    assert result["stillSignedIn"].startswith("Signed in as firefox-reader")
    assert result["errors"] == []
