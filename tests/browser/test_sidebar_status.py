"""The sidebar's header says how the server and the sign-in stand now, as the popup does: a
server that stopped answering after the page loaded is "unreachable", not "Signed in"."""

from __future__ import annotations

from browser_helpers import POST_101, open_sidebar, select, wait_painted, wait_until


def status_line(page) -> str:
    return page.locator("postil-ui .sidebar .status").inner_text()


def test_the_sidebar_says_when_the_server_stops_and_comes_back(alice, server, artifacts):
    page = alice.open(POST_101)
    assert status_line(page) == "Signed in as alice."
    server.stop()
    # Opened after the server stopped: it asks, and says so.
    open_sidebar(alice, page)
    wait_until(lambda: "Server unreachable" in status_line(page), timeout=10,
               message="the sidebar to say the server is unreachable")
    page.screenshot(path=str(artifacts / "sidebar-server-unreachable.png"))
    assert "Signed in" not in status_line(page)

    server.start()
    page.get_by_role("button", name="Close Postil sidebar").click()
    open_sidebar(alice, page)
    wait_until(lambda: status_line(page) == "Signed in as alice.", timeout=10,
               message="the sidebar to say the server answers again")


def test_an_open_sidebar_follows_the_server_going_away(alice, server):
    page = alice.open(POST_101)
    open_sidebar(alice, page)
    wait_until(lambda: status_line(page) == "Signed in as alice.", message="signed in")
    server.stop()
    # The sidebar stays open; the background finds the server gone when it sends the highlight.
    phrase = "Twice a day the tide covers the pool"
    select(page, phrase)
    page.get_by_role("button", name="Highlight green").click()
    wait_painted(page, "green", phrase)
    wait_until(lambda: "Server unreachable" in status_line(page), timeout=10,
               message="the open sidebar to say the server is unreachable")
    assert "1 change waiting to sync" in status_line(page)


def test_the_sidebar_says_when_nobody_is_signed_in(browser):
    page = browser.open(POST_101)
    open_sidebar(browser, page)
    wait_until(lambda: status_line(page).startswith("Not signed in"), message="signed out status")
