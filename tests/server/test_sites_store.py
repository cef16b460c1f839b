"""`store.sites` on SQLite and PostgreSQL: registering sites, their origins, policy and people,
which site an address or a post belongs to, and that only operators manage them."""

from __future__ import annotations

import pytest

from conftest import annotation_body
from postil import db, parse
from postil.domain_errors import Conflict, Forbidden, Invalid, NotFound
from postil.models import Post, User
from postil.store import sites


@pytest.fixture
def ctx(app, make_user):
    for name in ("olga", "mona", "mel"):
        make_user(name)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        yield app
        db.database.close()


def body(**fields):
    return parse.site_body(fields, partial=False)


def change(**fields):
    return parse.site_body(fields, partial=True)


def user(name: str) -> User:
    return User.by_name(name)


def test_a_site_is_registered_with_its_origin_and_a_quiet_policy_by_default(ctx):
    view = sites.add_site(sites.SHELL, body(url="https://www.Blog.example/"))
    assert view.key == "blog.example"
    assert view.site.name == "blog.example"
    assert view.origins == ("https://www.blog.example",)
    assert view.policy == {"embed": "off", "moderation": "post", "public_per_hour": 0}
    assert sites.get_site("blog.example").origins == ("https://www.blog.example",)


def test_policy_people_and_origins_are_kept_and_changed(ctx):
    sites.add_site(sites.SHELL, body(
        url="https://example.org/news/", name="News", moderators=["mona"], members=["mel"],
        origins=["https://example.org", "http://localhost:8080/"],
        policy={"embed": "members", "moderation": "pre", "public_per_hour": 5}))
    view = sites.get_site("example.org/news")
    assert view.origins == ("https://example.org", "http://localhost:8080")
    assert view.policy == {"embed": "members", "moderation": "pre", "public_per_hour": 5}
    assert sites.people(sites.SHELL, "example.org/news") == {"moderator": ["mona"],
                                                             "member": ["mel"]}
    changed = sites.change_site(sites.SHELL, "example.org/news", change(
        policy={"embed": "signed-in"}, origins=["https://news.example.org"]))
    assert changed.policy == {"embed": "signed-in", "moderation": "pre", "public_per_hour": 5}
    assert changed.origins == ("https://news.example.org",)
    assert sites.by_origin("https://example.org") is None
    assert sites.by_origin("https://news.example.org").key == "example.org/news"

    sites.set_person(sites.SHELL, "example.org/news", "mel", "moderator", True)
    sites.set_person(sites.SHELL, "example.org/news", "mona", "moderator", False)
    assert sites.people(sites.SHELL, "example.org/news") == {"moderator": ["mel"],
                                                             "member": ["mel"]}
    site = sites.get_site("example.org/news").site
    assert sites.you(user("mel"), site) == {"moderator": True, "member": True}
    assert sites.you(user("mona"), site) == {"moderator": False, "member": False}
    assert sites.you(None, site) == {"moderator": False, "member": False}


def test_an_origin_belongs_to_one_site_and_a_key_is_registered_once(ctx):
    sites.add_site(sites.SHELL, body(url="https://blog.example"))
    with pytest.raises(Conflict):
        sites.add_site(sites.SHELL, body(url="https://blog.example/"))
    with pytest.raises(Conflict):
        sites.add_site(sites.SHELL, body(url="https://other.example",
                                         origins=["https://blog.example"]))
    sites.add_site(sites.SHELL, body(url="https://other.example"))
    with pytest.raises(Conflict):
        sites.change_site(sites.SHELL, "other.example", change(origins=["https://blog.example"]))
    assert sites.get_site("other.example").origins == ("https://other.example",)
    assert [v.key for v in sites.list_sites(sites.SHELL)] == ["blog.example", "other.example"]


def test_only_operators_manage_sites(ctx):
    mona = user("mona")
    with pytest.raises(Forbidden):
        sites.add_site(mona, body(url="https://blog.example"))
    with pytest.raises(Forbidden):
        sites.add_site(None, body(url="https://blog.example"))
    with pytest.raises(Forbidden):
        sites.set_operator(mona, "mona", True)
    sites.set_operator(sites.SHELL, "olga", True)
    olga = user("olga")
    assert olga.operator
    sites.add_site(olga, body(url="https://blog.example"))
    with pytest.raises(Forbidden):
        sites.list_sites(mona)
    with pytest.raises(Forbidden):
        sites.people(mona, "blog.example")
    with pytest.raises(Forbidden):
        sites.remove_site(mona, "blog.example")
    sites.remove_site(olga, "blog.example")
    with pytest.raises(NotFound):
        sites.get_site("blog.example")


def test_unknown_people_and_sites_change_nothing(ctx):
    with pytest.raises(Invalid):
        sites.add_site(sites.SHELL, body(url="https://blog.example", moderators=["nobody"]))
    assert sites.list_sites(sites.SHELL) == []
    sites.add_site(sites.SHELL, body(url="https://blog.example"))
    with pytest.raises(Invalid):
        sites.set_person(sites.SHELL, "blog.example", "nobody", "member", True)
    with pytest.raises(NotFound):
        sites.set_person(sites.SHELL, "nowhere.example", "mel", "member", True)
    with pytest.raises(NotFound):
        sites.change_site(sites.SHELL, "nowhere.example", change(name="x"))
    assert sites.people(sites.SHELL, "blog.example") == {"moderator": [], "member": []}


def test_an_address_finds_the_longest_registered_home_it_lies_under(ctx):
    sites.add_site(sites.SHELL, body(url="https://example.org"))
    sites.add_site(sites.SHELL, body(url="https://example.org/news",
                                     origins=["https://news.example.org"]))
    assert sites.lookup("https://www.example.org/news/2026/05/a-post/?utm_source=x").key == \
        "example.org/news"
    assert sites.lookup("https://example.org/newsletter/").key == "example.org"
    assert sites.lookup("example.org/news").key == "example.org/news"
    with pytest.raises(NotFound):
        sites.lookup("https://elsewhere.example/news/")


def test_a_post_belongs_to_the_site_its_key_names(ctx, client, make_user):
    sites.add_site(sites.SHELL, body(url="https://blog.example.org"))
    sites.add_site(sites.SHELL, body(url="https://pages.example/guides",
                                     origins=["https://pages.example"]))
    reader = make_user("rita")
    post = annotation_body(visibility="public")
    page = annotation_body(visibility="public", post={
        "site": "pages.example", "url": "https://pages.example/guides/one/"})
    other = annotation_body(visibility="public", post={
        "site": "pages.example", "url": "https://pages.example/about/"})
    for made in (post, page, other):
        assert client.post("/api/annotations", json=made, headers=reader.headers
                           ).status_code == 201
    db.database.connect(reuse_if_open=True)
    by_site = {p.url: sites.site_for_post(p) for p in Post.select()}
    assert by_site["https://blog.example.org/2026/05/on-margins/"].key == "blog.example.org"
    assert by_site["https://pages.example/guides/one/"].key == "pages.example/guides"
    assert by_site["https://pages.example/about/"] is None
    assert sites.site_for_post_key("blog.example.org", 42, None).key == "blog.example.org"
    assert sites.site_for_post_key("elsewhere.example", 42, None) is None


def test_admitted_origins_are_those_of_sites_whose_embed_is_on(ctx):
    sites.add_site(sites.SHELL, body(url="https://on.example", policy={"embed": "read-only"}))
    sites.add_site(sites.SHELL, body(url="https://off.example"))
    assert sites.admitted_origins() == {"https://on.example": "read-only"}
    sites.change_site(sites.SHELL, "on.example", change(policy={"embed": "off"}))
    assert sites.admitted_origins() == {}


def test_removing_a_site_or_a_user_leaves_no_rows_behind(ctx):
    sites.add_site(sites.SHELL, body(url="https://blog.example", moderators=["mona"],
                                     members=["mona", "mel"]))
    user("mel").delete_instance(recursive=False)
    assert sites.people(sites.SHELL, "blog.example") == {"moderator": ["mona"],
                                                         "member": ["mona"]}
    sites.remove_site(sites.SHELL, "blog.example")
    assert db.database.execute_sql("SELECT COUNT(*) FROM site_person").fetchone()[0] == 0
    assert db.database.execute_sql("SELECT COUNT(*) FROM site_origin").fetchone()[0] == 0
    # The origin is free again.
    sites.add_site(sites.SHELL, body(url="https://blog.example"))
