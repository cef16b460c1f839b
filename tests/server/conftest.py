"""Fixtures for API tests: a fresh database per test, on SQLite and on PostgreSQL.

Every test that uses `app` (or `client`) runs twice, once per backend. PostgreSQL comes from
POSTIL_TEST_PG_URL (default: the role and database that .ci/run creates); where it cannot be
reached those runs skip with the reason, and under POSTIL_STRICT=1 that skip is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from functools import partial

import pytest
from pg_admin import drop_database
from werkzeug.security import generate_password_hash

from postil import create_app, db, models
from postil.models import MODELS, Token, User

PG_URL = os.environ.get("POSTIL_TEST_PG_URL", "postgresql://postil:postil@127.0.0.1:5432/postil_test")


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Hash passwords cheaply in tests; test_auth.py checks the real hashing."""
    monkeypatch.setattr(models, "generate_password_hash",
                        partial(generate_password_hash, method="pbkdf2:sha256:1000"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "postil.db"
    database = db.open_database(f"sqlite:///{path}")
    db.upgrade(database)
    database.close()
    return path


@pytest.fixture(scope="session")
def pg_url():
    """Create a database of this test session's own (several runs may share one server)."""
    try:
        import psycopg2

        conn = psycopg2.connect(PG_URL, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({exc.__class__.__name__}: "
                    f"{str(exc).strip()[:120]}); set POSTIL_TEST_PG_URL or run .ci/run")
    name = f"postil_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    drop_database(conn, name)
    conn.close()


@pytest.fixture(scope="session")
def pg_database(pg_url):
    database = db.open_database(pg_url)
    db.upgrade(database)
    database.close()
    return database


@pytest.fixture
def new_pg_url(pg_url):
    """Make empty PostgreSQL databases of their own on call, dropped afterwards."""
    import psycopg2

    base, _ = pg_url.rsplit("/", 1)
    conn = psycopg2.connect(pg_url)
    conn.autocommit = True
    made = []

    def make() -> str:
        name = f"postil_mig_{uuid.uuid4().hex[:10]}"
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{base}/{name}"

    yield make
    for name in made:
        drop_database(conn, name)
    conn.close()


@pytest.fixture
def fresh_pg_url(new_pg_url):
    """An empty PostgreSQL database of its own, dropped afterwards."""
    return new_pg_url()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path):
    """The URL of a database that does not exist yet (SQLite) or is empty (PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return request.getfixturevalue("fresh_pg_url")


def _truncate_pg(database) -> None:
    """Empty every table and restart its ids.

    DELETE on a few small tables is far cheaper than TRUNCATE, which rewrites each table's files
    and waits for locks; the ids restart so tests see the same numbers on both backends.
    """
    with database.connection_context(), database.atomic():
        for model in reversed(MODELS):  # children before parents
            table = model._meta.table_name
            database.execute_sql(f'DELETE FROM "{table}"')
            pk = model._meta.primary_key.column_name
            database.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), 1, false)")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "postil.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    pg = request.getfixturevalue("pg_database")
    _truncate_pg(pg)
    return request.getfixturevalue("pg_url")


@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CORS_ORIGINS": [],
                      "OPEN_SIGNUP": False, "SAMPLE": False})
    yield app
    if not db.database.is_closed():
        db.database.close()
    # Each app has its own connection pool; empty it so PostgreSQL is not left with idle ones.
    close_all = getattr(db.database.obj, "close_all", None)
    if close_all:
        close_all()


@pytest.fixture
def client(app):
    return app.test_client()


class Reader:
    """A signed-in user as tests see them: a name and ready-made headers."""

    def __init__(self, name: str, token: str | None):
        self.name = name
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def make_user(app):
    def make(name: str, password: str = "correct horse") -> Reader:
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            user = User(name=name)
            user.set_password(password)
            user.save()
            token = Token.issue(user, "test")
            db.database.close()
        return Reader(name, token)

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


ANON = Reader("anonymous", None)


@pytest.fixture
def anon():
    return ANON


def annotation_body(**over) -> dict:
    """A valid create body; keyword arguments replace fields."""
    body = {
        "id": str(uuid.uuid4()),
        "post": {"site": "blog.example.org", "post_id": 42,
                 "url": "https://blog.example.org/2026/05/on-margins/", "title": "On margins"},
        "selectors": [
            {"type": "TextQuoteSelector", "exact": "notes in the margin",
             "prefix": "Readers have always written ", "suffix": " of the books they loved"},
            {"type": "TextPositionSelector", "start": 120, "end": 139},
        ],
        "note": "A *postil* is such a note.",
        "color": "yellow",
        "tags": ["history"],
        "visibility": "private",
    }
    body.update(over)
    return body


@pytest.fixture
def create(client):
    """Create an annotation as a reader and return its JSON (asserting the 201)."""

    def make(reader: Reader, **over) -> dict:
        res = client.post("/api/annotations", json=annotation_body(**over), headers=reader.headers)
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    return make
