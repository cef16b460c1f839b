def test_create_then_read_back(client, alice, create):
    made = create(alice, note="**bold** idea")
    res = client.get(f"/api/annotations/{made['id']}", headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json()["note_html"] == "<p><strong>bold</strong> idea</p>"
    assert res.headers["ETag"] == '"1"'
