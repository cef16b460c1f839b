"""Ids beyond what the database stores are simply not found, never a server error."""


def test_huge_post_pk_is_404(client, alice):
    huge = "99999999999999999999999"
    for path in (f"/api/posts/{huge}", f"/api/posts/{huge}/popular"):
        res = client.get(path, headers=alice.headers)
        assert res.status_code == 404
        assert res.get_json()["error"]["code"] == "not_found"
