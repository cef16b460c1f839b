"""Deleting an account from the options page in Firefox ESR, driven by
tests/browser/firefox/delete-account-flow.mjs (puppeteer-core over WebDriver BiDi)."""

from __future__ import annotations

import uuid

from browser_helpers import EXTENSION, FIREFOX, PASSWORD, run_firefox_flow


def test_firefox_deletes_the_account_with_its_public_notes_and_signs_out(node_driver, server):
    name = f"leaver{uuid.uuid4().hex[:8]}"
    server.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    status, data = server.api("POST", "/api/tokens", body={"username": name,
                                                           "password": PASSWORD})
    assert status == 201, data
    token = data["token"]
    made = []
    for visibility in ("private", "public"):
        # Not on a sample post: the session's server outlives the test.
        body = {"id": str(uuid.uuid4()), "post": {"site": "your-data.example", "post_id": 2},
                "note": f"a {visibility} note", "visibility": visibility}
        status, data = server.api("POST", "/api/annotations", token, body=body)
        assert status == 201, data
        made.append(data["id"])

    result = run_firefox_flow(node_driver, "delete-account-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url, "POSTIL_USER": name,
        "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX})
    assert result["signedIn"].startswith(f"Signed in as {name}")
    assert result["status"].startswith("Not signed in")
    assert "was deleted" in result["message"] and "public notes were deleted" in result["message"]
    assert result["sectionHidden"] is True and result["signInShown"] is True
    assert result["errors"] == []

    assert server.api("GET", "/api/me", token)[0] == 401
    for uid in made:
        assert server.api("GET", f"/api/annotations/{uid}")[0] == 404
    status, _ = server.api("POST", "/api/tokens", body={"username": name, "password": PASSWORD})
    assert status == 401
