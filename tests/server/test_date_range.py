"""created_after / created_before: the notebook's date-range filter."""

from postil import db
from postil.models import Annotation


def _backdate(app, uid: str, iso_day: str) -> None:
    from postil.validation import parse_time

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        stamp = parse_time(iso_day, "t")
        Annotation.update(created_us=stamp).where(Annotation.uid == uid).execute()
        db.database.close()


def test_created_range_keeps_only_annotations_made_in_it(app, client, alice, create):
    days = {"2026-01-10": None, "2026-02-10": None, "2026-03-10": None}
    for day in days:
        days[day] = create(alice)["id"]
        _backdate(app, days[day], f"{day}T12:00:00Z")

    res = client.get("/api/annotations?created_after=2026-02-01T00:00:00Z"
                     "&created_before=2026-03-01T00:00:00Z", headers=alice.headers)
    assert [a["id"] for a in res.get_json()["items"]] == [days["2026-02-10"]]

    res = client.get("/api/annotations?created_after=2026-02-10T12:00:00Z&order=asc",
                     headers=alice.headers)
    assert [a["id"] for a in res.get_json()["items"]] == [days["2026-02-10"], days["2026-03-10"]]


def test_bad_dates_are_a_400(client, alice):
    res = client.get("/api/annotations?created_after=last-tuesday", headers=alice.headers)
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == "created_after"


def test_date_range_never_shows_another_readers_private_annotations(client, alice, bob, create):
    mine = create(alice, visibility="private")["id"]
    theirs_public = create(bob, visibility="public")["id"]
    create(bob, visibility="private")
    res = client.get("/api/annotations?created_after=2000-01-01T00:00:00Z&order=asc",
                     headers=alice.headers)
    assert [a["id"] for a in res.get_json()["items"]] == [mine, theirs_public]
    assert res.get_json()["total"] == 2
    anon = client.get("/api/annotations?created_after=2000-01-01T00:00:00Z")
    assert [a["id"] for a in anon.get_json()["items"]] == [theirs_public]
