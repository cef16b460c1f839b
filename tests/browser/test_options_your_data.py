"""The options page's "Your data" in Chromium: one click downloads the zip of everything the reader
made, and "Delete account" (a choice for public notes, the password, a confirmation) deletes it
and leaves the page signed out; a wrong password deletes nothing.

Each test signs in, on the page, as a reader of its own (made with `postil user add`): the
session's alice and bob must outlive these tests.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import uuid
import zipfile

from browser_helpers import PASSWORD, wait_until


def new_reader(server) -> tuple[str, str]:
    """Make a reader with a private and a public annotation; return their name and a token."""
    name = f"reader{uuid.uuid4().hex[:8]}"
    server.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    status, data = server.api("POST", "/api/tokens", body={"username": name,
                                                           "password": PASSWORD})
    assert status == 201, data
    return name, data["token"]


def annotate(server, token: str, visibility: str, note: str) -> str:
    # On a post of its own: the session's server outlives the test, and a public note left on a
    # sample post (kept, anonymised) would show in every later test's sidebar there.
    body = {"id": str(uuid.uuid4()), "post": {"site": "your-data.example", "post_id": 1},
            "selectors": [{"type": "TextQuoteSelector", "exact": "an illusion of timing"}],
            "note": note, "visibility": visibility}
    status, data = server.api("POST", "/api/annotations", token, body=body)
    assert status == 201, data
    return data["id"]


def open_signed_in(browser, server, name: str):
    options = browser.context.new_page()
    options.goto(f"chrome-extension://{browser.extension_id}/src/options/options.html")
    wait_until(lambda: "Not signed in" in options.locator("#signed-in").inner_text(),
               message="signed-out status")
    assert not options.get_by_role("heading", name="Your data").is_visible()
    options.get_by_label("Server URL").fill(server.url)
    options.get_by_label("Username").fill(name)
    options.get_by_label("Password", exact=True).fill(PASSWORD)
    options.get_by_role("button", name="Sign in").click()
    wait_until(lambda: options.get_by_role("heading", name="Your data").is_visible(),
               message="the Your data section")
    return options


def test_download_everything_saves_one_zip_with_every_annotation(browser, server, artifacts):
    name, token = new_reader(server)
    ids = {annotate(server, token, "private", "kept to myself"),
           annotate(server, token, "public", "said out loud")}
    options = open_signed_in(browser, server, name)
    with options.expect_download() as download:
        options.get_by_role("button", name="Download everything").click()
    saved = download.value
    assert re.fullmatch(rf"postil-{name}-\d{{4}}-\d{{2}}-\d{{2}}\.zip", saved.suggested_filename)
    with open(saved.path(), "rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as archive:
        names = archive.namelist()
        native = next(n for n in names if n.endswith("/annotations/json.json"))
        assert {a["id"] for a in json.loads(archive.read(native))["annotations"]} == ids
        assert any(n.endswith("/profile.json") for n in names)
    wait_until(lambda: "Saved" in options.locator("#download-message").inner_text(),
               message="the saved message")
    options.screenshot(path=str(artifacts / "options-your-data.png"), full_page=True)
    # Later tests list every annotation they can see: leave no public one behind.
    status, _ = server.api("DELETE", "/api/me", token,
                           body={"password": PASSWORD, "public_annotations": "delete"})
    assert status == 204


def test_delete_account_keeps_public_notes_nameless_and_signs_out(browser, server):
    name, token = new_reader(server)
    private = annotate(server, token, "private", "kept to myself")
    public = annotate(server, token, "public", "said out loud")
    options = open_signed_in(browser, server, name)
    delete = options.get_by_role("button", name="Delete account")
    password = options.locator("#delete-password")

    # A wrong password: nothing is deleted and the reader stays signed in.
    options.get_by_label("Keep them for their readers, with no name on them").check()
    password.fill("not my password")
    options.get_by_label("I understand that this cannot be undone").check()
    delete.click()
    message = options.locator("#delete-message")
    wait_until(lambda: "was not deleted" in message.inner_text(), message="the refusal")
    assert server.api("GET", "/api/me", token)[0] == 200
    assert "Signed in as" in options.locator("#signed-in").inner_text()

    password.fill(PASSWORD)
    delete.click()
    wait_until(lambda: "Not signed in" in options.locator("#signed-in").inner_text(),
               message="signed out after the deletion")
    told = options.locator("#account-message")
    assert told.is_visible() and "was deleted" in told.inner_text()
    assert "public notes stay with no name on them" in told.inner_text()
    assert not options.get_by_role("heading", name="Your data").is_visible()
    assert options.get_by_role("button", name="Sign in").is_visible()
    assert browser.storage().get("auth") is None

    assert server.api("GET", "/api/me", token)[0] == 401
    assert server.api("GET", f"/api/annotations/{private}")[0] == 404
    status, kept = server.api("GET", f"/api/annotations/{public}")
    assert status == 200 and kept["user"] is None and kept["note"] == "said out loud"
    forget(server, public)


def forget(server, uid: str) -> None:
    """Remove an anonymised annotation, as only the operator can (nobody owns it): later tests
    on this session's server list every public annotation they see."""
    with sqlite3.connect(server.data_dir / "postil.db", timeout=10) as conn:
        conn.execute("DELETE FROM annotation WHERE uid = ?", (uid,))
    assert server.api("GET", f"/api/annotations/{uid}")[0] == 404


def test_delete_account_asks_what_becomes_of_public_notes(browser, server):
    name, token = new_reader(server)
    options = open_signed_in(browser, server, name)
    options.locator("#delete-password").fill(PASSWORD)
    options.get_by_label("I understand that this cannot be undone").check()
    options.get_by_role("button", name="Delete account").click()
    # The form does not send without a choice: the browser asks for one instead.
    choice = options.get_by_label("Delete them too")
    assert not options.evaluate(
        "() => document.querySelector('input[name=public-annotations]').validity.valid")
    options.wait_for_timeout(500)
    assert server.api("GET", "/api/me", token)[0] == 200
    choice.check()
    options.get_by_role("button", name="Delete account").click()
    wait_until(lambda: "Not signed in" in options.locator("#signed-in").inner_text(),
               message="signed out after the deletion")
    assert server.api("GET", "/api/me", token)[0] == 401
