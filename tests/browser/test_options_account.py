"""The options page's account section shows one state at a time: signed out, the sign-in form
and no Sign out; signed in, who and where, once, with Sign out and no sign-in form."""

from __future__ import annotations

from browser_helpers import PASSWORD, wait_until


def visible_text(page) -> str:
    return page.locator("main").inner_text()


def test_the_options_page_offers_sign_in_or_sign_out_never_both(browser, server, artifacts):
    options = browser.context.new_page()
    options.goto(f"chrome-extension://{browser.extension_id}/src/options/options.html")
    status = options.locator("#signed-in")
    wait_until(lambda: "Not signed in" in status.inner_text(), message="status")
    sign_in = options.get_by_role("button", name="Sign in")
    sign_out = options.get_by_role("button", name="Sign out", exact=True)
    assert sign_in.is_visible() and not sign_out.is_visible()

    options.get_by_label("Server URL").fill(server.url)
    options.get_by_label("Username").fill("alice")
    options.get_by_label("Password", exact=True).fill(PASSWORD)
    sign_in.click()
    wait_until(lambda: sign_out.is_visible(), message="Sign out offered")
    options.screenshot(path=str(artifacts / "options-signed-in.png"))
    assert not sign_in.is_visible()
    assert not options.get_by_label("Password", exact=True).is_visible()
    assert visible_text(options).count("Signed in as alice") == 1

    sign_out.click()
    wait_until(lambda: sign_in.is_visible(), message="Sign in offered again")
    assert not sign_out.is_visible()
    assert visible_text(options).count("Not signed in") == 1
