"""The visibility rule's SQL is made once per shape and reused with the viewer bound.

`models.VisibleTo` keeps the rule's SQL per dialect and per set of columns it reads, with the
viewer's id as a parameter and the viewer's groups read by subquery when it runs. These tests
show that one viewer's query never answers for another's (nor for what a viewer's groups were
when the SQL was made), and that the SQL used is the rule's own, to the character, wherever
the rule appears.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from peewee import fn

from conftest import annotation_body
from postil import db
from postil.models import Annotation, ChangeLog, User, VisibleTo
from postil.store.changes import AS_BEFORE

POST = "/api/annotations?site=blog.example.org&post_id=42&limit=50"


def ids(client, reader, path=POST) -> set[str]:
    res = client.get(path, headers=reader.headers)
    assert res.status_code == 200, res.get_json()
    return {a["id"] for a in res.get_json()["items"]}


def total(client, reader) -> int:
    return client.get(POST.replace("limit=50", "limit=0"), headers=reader.headers
                      ).get_json()["total"]


def made(client, reader, **over) -> str:
    res = client.post("/api/annotations", json=annotation_body(**over), headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def test_readers_taking_turns_on_one_query_each_see_their_own(client, make_user):
    """The same query (same post, filters, page size) for four readers in turn, twice: each
    gets their own private annotations and the group's only while in it, never another's."""
    ann, ben, cy, dee = (make_user(n) for n in ("ann", "ben", "cy", "dee"))
    gid = client.post("/api/groups", json={"name": "Readers"}, headers=ann.headers
                      ).get_json()["id"]
    token = client.post(f"/api/groups/{gid}/invites", json={}, headers=ann.headers
                        ).get_json()["token"]
    assert client.post(f"/api/invites/{token}/accept", headers=ben.headers).status_code == 200
    own = {r.name: made(client, r) for r in (ann, ben, cy, dee)}
    public = made(client, cy, visibility="public")
    in_group = made(client, ann, visibility="group", group=gid)
    want = {"ann": {own["ann"], public, in_group}, "ben": {own["ben"], public, in_group},
            "cy": {own["cy"], public}, "dee": {own["dee"], public}}
    for _ in range(2):
        for reader in (ann, cy, ben, dee):
            assert ids(client, reader) == want[reader.name]
            assert total(client, reader) == len(want[reader.name])
    # The groups are read when the query runs, not kept with its SQL: leaving takes effect on
    # the next request of the very same shape.
    assert client.delete(f"/api/groups/{gid}/members/ben", headers=ben.headers
                         ).status_code == 204
    assert ids(client, ben) == {own["ben"], public}
    assert ids(client, ann) == want["ann"]


def test_a_filter_changes_the_query_not_whose_it_is(client, alice, bob):
    """Other filters (a tag, a colour, another page size) around the rule, for two readers
    in turn: the rule's SQL is shared, the filters and the viewer are not."""
    a_pink = made(client, alice, color="pink", tags=["one"])
    a_blue = made(client, alice, color="blue", tags=["two"])
    b_pink = made(client, bob, color="pink", tags=["one"])
    for _ in range(2):
        assert ids(client, alice, POST + "&color=pink") == {a_pink}
        assert ids(client, bob, POST + "&color=pink") == {b_pink}
        assert ids(client, alice, POST + "&tag=two") == {a_blue}
        assert ids(client, bob, POST + "&tag=two") == set()
        assert ids(client, bob, POST.replace("limit=50", "limit=1")) == {b_pink}


@pytest.mark.parametrize("where", ["annotation", "alias", "change log"])
def test_the_sql_is_the_rules_own_for_every_viewer(app, alice, bob, where):
    """What the compiled rule puts in a query is, character for character, what peewee makes
    of the rule itself for that viewer, for the table, an alias of it and the change log."""
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        viewers = [User.by_name("alice"), User.by_name("bob"), SimpleNamespace(id=987654)]
        answer = Annotation.alias("answer")
        for viewer in viewers + viewers:  # the second round reuses what the first made
            if where == "change log":
                rule, tree = VisibleTo(viewer.id, AS_BEFORE), Annotation._rule(viewer.id, AS_BEFORE)
                query = lambda cond: ChangeLog.select(ChangeLog.seq).where(  # noqa: E731
                    cond & (ChangeLog.seq > 5))
            else:
                a = answer if where == "alias" else None
                rule = Annotation.visible_to(viewer, alias=a)
                tree = Annotation._rule(viewer.id, a or Annotation)
                assert isinstance(rule, VisibleTo)
                # As the queries use it: inside an EXISTS of its own alias, or as the WHERE.
                query = (lambda cond: Annotation.select(Annotation.pk).where(  # noqa: E731
                    fn.EXISTS(answer.select(answer.pk).where(
                        (answer.parent == Annotation.pk) & cond)) & (Annotation.post == 3))
                    ) if a else (lambda cond: Annotation.select(Annotation.pk).where(  # noqa: E731
                        (Annotation.post == 3) & cond).order_by(Annotation.pk).limit(7))
            sql, params = query(rule).sql()
            assert (sql, params) == query(tree).sql()
            assert params.count(viewer.id) >= 3  # the author, the same id's and the groups'
        db.database.close()


def test_a_viewer_whose_id_is_the_placeholder_is_still_themself(app):
    """The id bound while the SQL is made is replaced by the viewer's: a viewer with any other
    id gets it in every place, and none of the placeholder is left."""
    from postil import models

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        viewer = SimpleNamespace(id=12)
        _, params = Annotation.select(Annotation.pk).where(
            Annotation.visible_to(viewer)).sql()
        assert models._VIEWER not in params
        assert params.count(12) == Annotation.select(Annotation.pk).where(
            Annotation._rule(12, Annotation)).sql()[1].count(12)
        db.database.close()
