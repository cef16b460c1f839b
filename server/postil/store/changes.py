"""The change log: every change of an annotation, recorded with the write, for live updates.

Writing: store code calls `record(kind, before_or_row)` inside its write (`db.run_write`); the
records wait in the writing thread and are inserted as the transaction's last statements, just
before it commits (`db` calls `_flush`), so a rolled-back write records nothing and a retried
one records once. On PostgreSQL the insert first takes a transaction-scoped advisory lock: the
log's writers then commit in `seq` order, and a stream that has read up to `seq` N never sees a
lower one commit later (nothing lost); nothing is taken after the lock, so it cannot deadlock.
The same transaction sends `NOTIFY postil_changes`, which PostgreSQL delivers on commit to every
server process (`live.py`); on SQLite the writer's process wakes its streams after the commit
and other processes on the same file poll `newest()`.

Reading: `Reader(viewer, post).read(after)` turns the log after a cursor into the events one
viewer is owed, deciding with `Annotation.visible_to` alone: applied to the annotation now ("may
see it now": `annotation` event, a tombstone for a delete) and to the log row, whose columns
hold the annotation as it was before the change ("could see it before": `removed` when they no
longer may). A viewer is told nothing of an annotation they could not see before and may not see
now.

`access_changed(user)` records that a reader's access changed (joined or left a group): their
streams answer `reset`, since what they may see changed without any annotation changing.
`session_ended(user)` records that one of a reader's sessions ended (signed out, revoked, a new
password, the account disabled): each of their streams asks again, in the log's order, whether
its own session holds before it sends anything later, and ends if not (`still_allowed`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

from peewee import PostgresqlDatabase

from .. import db
from ..db import database, is_postgres, run_write
from ..models import Annotation, ChangeLog, ChangeLogState, StreamTicket, Token, User, now_us
from ..parse import Filters
from .queries import posts_matching

# The columns of an annotation that `Annotation.visible_to` reads, kept as they were before
# each change. A column the rule comes to read (a group, hidden) is added here, to
# `models.ChangeLog` and in a migration; nothing else changes.
BEFORE = ("user_id", "visibility", "shares_id", "group_id", "hidden", "site_id")
# The log row as the visibility rule reads an annotation (`Annotation.visible_to`'s `alias`):
# "could the viewer see it before the change?".
AS_BEFORE = SimpleNamespace(pk=ChangeLog.annotation, uid=ChangeLog.uid, user=ChangeLog.user,
                            visibility=ChangeLog.visibility, shares_id=ChangeLog.shares_id,
                            group=ChangeLog.group, hidden=ChangeLog.hidden,
                            site_id=ChangeLog.site, post=ChangeLog.post)
NOTIFY_CHANNEL = "postil_changes"
_LOCK_KEY = 0x706F7374  # "post": the advisory lock the log's writers take on PostgreSQL
DAY_US = 86_400 * 1_000_000
# How long the log keeps a change (POSTIL_CHANGE_LOG_DAYS); a stream resumed from an older
# Last-Event-ID is told to reload (`reset`).
keep_us = 7 * DAY_US
PRUNE_EVERY_US = 10 * 60 * 1_000_000
TICKET_TTL_S = 60
BATCH = 500

_pending = threading.local()
_last_prune = [0]
# Wake this process's streams after a commit that recorded changes (set by `live`).
after_commit_hooks: list = []


def record(kind: str, annotation_pk: int, post_pk: int, uid: str, before=None) -> None:
    """Record a change of one annotation in the write under way.

    `kind`: create, update, delete (a tombstone now), purge (the row is gone). `before`: the
    annotation (a model or a dict of `BEFORE`) as it was before the change; None for a create.
    """
    values = {"kind": kind, "annotation": annotation_pk, "post": post_pk, "uid": uid,
              "user": None, "visibility": None, "shares_id": False}
    if before is not None:
        get = before.get if isinstance(before, dict) else (lambda c: getattr(before, c))
        for column in BEFORE:
            values[ChangeLog._meta.columns[column].name] = get(column)
    _queue().append(values)


def record_each(kind: str, which) -> None:
    """Record a change of every annotation the condition `which` selects, before a write that
    changes them all at once (a group dissolved)."""
    columns = [Annotation._meta.columns[c] for c in BEFORE]
    for row in (Annotation.select(Annotation.pk, Annotation.post, Annotation.uid, *columns)
                .where(which).dicts()):
        record(kind, row["pk"], row["post"], row["uid"],
               before={c.column_name: row[c.name] for c in columns})


def access_changed(user_id: int) -> None:
    """Record that this reader's access changed: each of their streams answers `reset`.

    Call it in the write that changes their access (joining, leaving, a role); outside one, it
    is a write of its own.
    """
    values = {"kind": "access", "annotation": None, "post": None, "uid": None, "user": user_id,
              "visibility": None, "shares_id": False}
    if getattr(db._in_write, "active", False):
        _queue().append(values)
    else:
        run_write(lambda: _queue().append(values))


def session_ended(user_id: int) -> None:
    """Record, in the write that ends it, that a session of this reader ended: their streams
    check their own session before sending any event after it (in every server process, as
    the log is read in order), and a stream whose session is gone ends."""
    _queue().append({"kind": "session", "annotation": None, "post": None, "uid": None,
                     "user": user_id, "visibility": None, "shares_id": False})


def forget_user(user_id: int) -> None:
    """A deleted account's id says nothing any more: not whose an annotation was, nor whose
    access changed (ids may be given again)."""
    for values in _queue():
        if values["user"] == user_id:
            values["user"] = None
    ChangeLog.update(user=None).where(ChangeLog.user == user_id).execute()


def _queue() -> list:
    if not hasattr(_pending, "rows"):
        _pending.rows = []
    return _pending.rows


def _flush() -> bool:
    """Insert the write's records, last thing before its commit; say whether there were any."""
    rows = getattr(_pending, "rows", None)
    if not rows:
        return False
    _pending.rows = []
    stamp = now_us()
    bound = database.obj  # not through the proxy (db.py)
    postgres = isinstance(bound, PostgresqlDatabase)
    if postgres:
        bound.execute_sql("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    for values in rows:
        values["at_us"] = stamp
    for start in range(0, len(rows), 100):
        _insert(rows[start:start + 100])
    if postgres:
        bound.execute_sql(f"NOTIFY {NOTIFY_CHANNEL}")
    if stamp - _last_prune[0] > PRUNE_EVERY_US:
        _last_prune[0] = stamp
        _prune(stamp - keep_us)
    return True


# Every column of a log row but its sequence number, with the default of one not given.
_LOG_FIELDS = [f for f in ChangeLog._meta.sorted_fields if f.name != "seq"]


_LOG_COLUMNS = ", ".join(f.column_name for f in _LOG_FIELDS)


def _insert(rows: list[dict]) -> None:
    """Insert log rows (at most 100).

    Speed: equals ChangeLog.insert_many(rows), in plain SQL: every create writes one, and
    peewee made its INSERT anew each time (bench/README.md, "Compiled once").
    """
    params = []
    for values in rows:
        for f in _LOG_FIELDS:
            value = values[f.name] if f.name in values else (
                f.default() if callable(f.default) else f.default)
            params.append(f.db_value(value))
    bound = database.obj  # not through the proxy (db.py)
    bound.execute_sql(f"INSERT INTO change_log ({_LOG_COLUMNS}) VALUES "
                      + ", ".join([_one_row(bound.param)] * len(rows)), params)


@lru_cache(maxsize=2)
def _one_row(param: str) -> str:
    return "(" + ", ".join([param] * len(_LOG_FIELDS)) + ")"


def _discard() -> None:
    _pending.rows = []


def _committed() -> None:
    for hook in after_commit_hooks:
        hook()


class _WriteHooks:
    """What `db.run_write` calls around every write transaction."""

    before_commit = staticmethod(_flush)
    rolled_back = staticmethod(_discard)
    after_commit = staticmethod(_committed)


db.write_hooks = _WriteHooks


def _prune(before_us: int) -> None:
    """Forget changes older than `before_us`, remembering the highest `seq` forgotten."""
    through = ChangeLog.select(ChangeLog.seq).where(ChangeLog.at_us < before_us).order_by(
        ChangeLog.seq.desc()).limit(1).scalar()
    if through is None:
        return
    ChangeLog.delete().where(ChangeLog.seq <= through).execute()
    _state()
    ChangeLogState.update(pruned_through=through).where(
        (ChangeLogState.id == 1) & (ChangeLogState.pruned_through < through)).execute()
    StreamTicket.delete().where(StreamTicket.expires_us < now_us()).execute()


def prune_now(before_us: int) -> None:
    """Prune in a write of its own (the CLI, tests)."""
    run_write(lambda: _prune(before_us))


# ---------------------------------------------------------------- reading


def newest() -> int:
    """The highest `seq` recorded (0: none yet)."""
    return ChangeLog.select(ChangeLog.seq).order_by(ChangeLog.seq.desc()).limit(1).scalar() or 0


def _state() -> ChangeLogState:
    state = ChangeLogState.get_or_none(ChangeLogState.id == 1)
    if state is None:
        ChangeLogState.insert(id=1, pruned_through=0, secret=secrets.token_hex(32)
                              ).on_conflict_ignore().execute()
        state = ChangeLogState.get(ChangeLogState.id == 1)
    return state


@dataclass
class Start:
    """Where a stream begins: after `seq`; `reset` says why the client must reload first."""

    seq: int
    reset: str | None = None


def start(last_event_id: str | None) -> Start:
    """Decide where a stream resumes from a Last-Event-ID (None: from now)."""
    state = _state()
    now = max(newest(), state.pruned_through)
    if last_event_id is None:
        return Start(now)
    seq = Cursor(state.secret).decode(last_event_id)
    if seq is None or seq > now:
        return Start(now, "unknown_event_id")
    if seq < state.pruned_through:
        return Start(now, "expired")
    return Start(seq)


class Cursor:
    """Event ids: `seq` through a keyed permutation of 64-bit numbers (four Feistel rounds of
    HMAC-SHA256), as 16 hex digits. Ids stay unique and resumable, but a reader cannot tell
    from two ids how many changes, theirs to see or not, came between them."""

    def __init__(self, secret: str) -> None:
        self._key = bytes.fromhex(secret)

    def _round(self, i: int, half: int) -> int:
        digest = hmac.new(self._key, bytes([i]) + half.to_bytes(4, "big"), hashlib.sha256)
        return int.from_bytes(digest.digest()[:4], "big")

    def encode(self, seq: int) -> str:
        left, right = seq >> 32, seq & 0xFFFFFFFF
        for i in range(4):
            left, right = right, left ^ self._round(i, right)
        return f"{(left << 32) | right:016x}"

    def decode(self, text: str) -> int | None:
        text = text.strip()
        if len(text) != 16:
            return None
        try:
            value = int(text, 16)
        except ValueError:
            return None
        left, right = value >> 32, value & 0xFFFFFFFF
        for i in reversed(range(4)):
            left, right = right ^ self._round(i, left), left
        return (left << 32) | right


def cursor() -> Cursor:
    return Cursor(_state().secret)


@dataclass
class Event:
    seq: int
    kind: str  # annotation | removed | reset | session (not sent: the stream checks its session)
    annotation: Annotation | None = None
    uid: str | None = None
    reason: str | None = None


def post_condition(viewer: User | None, f: Filters | None):
    """The condition "this change is of the post `f` names" (None: every post), the posts an
    annotation query with the same filters would read (`queries.posts_matching`)."""
    if f is None:
        return None
    cond = ChangeLog.post == f.post_pk if f.post_pk is not None else True
    posts = posts_matching(viewer, f)
    if posts is not None:
        cond &= ChangeLog.post.in_(posts)
    return cond


# Stand-ins for the cursor in a stream's compiled queries (no seq is negative).
_AFTER, _UPTO = -7_123_456_789, -7_123_456_788


# The log's rows about a reader rather than an annotation: read by that reader's streams alone.
READER_KINDS = ("access", "session")


class Reader:
    """One stream's reads of the log, for one viewer and one post (or all).

    `read(after)` returns the events owed to the viewer for the changes after `after`, the new
    cursor, and whether there may be more (the read stopped at `limit`). Several changes of one
    annotation in one read become one event, at the last one's place, carrying the annotation
    as it is now. The two queries are built and compiled once per stream: making a query's SQL
    costs peewee more than SQLite or PostgreSQL takes to run it (bench/README.md, "Live
    updates"), and a stream runs them on every change it is woken for.
    """

    def __init__(self, viewer: User | None, post_condition=None, limit: int = BATCH) -> None:
        self.limit = limit
        could_see = Annotation.visible_to(viewer, alias=AS_BEFORE)
        mine = (ChangeLog.kind.in_(READER_KINDS)
                & (ChangeLog.user == (viewer.id if viewer else -1)))
        where = (ChangeLog.seq > _AFTER) & (
            mine | ChangeLog.kind.not_in(READER_KINDS) if post_condition is None
            else mine | post_condition)
        self._log = (ChangeLog.select(ChangeLog.seq, ChangeLog.kind, ChangeLog.annotation,
                                      ChangeLog.uid, could_see.alias("seen"))
                     .where(where).order_by(ChangeLog.seq).limit(limit).tuples())
        changed = ChangeLog.select(ChangeLog.annotation).where(
            (ChangeLog.seq > _AFTER) & (ChangeLog.seq <= _UPTO))
        self._now = Annotation.with_post_and_user().where(
            Annotation.pk.in_(changed) & Annotation.visible_to(viewer))
        self._compiled: dict = {}

    def _run(self, query, after: int, upto: int = 0) -> list:
        key = (id(database.obj), id(query))
        if key not in self._compiled:
            self._compiled[key] = query.sql()
        sql, params = self._compiled[key]
        params = [after if p == _AFTER else upto if p == _UPTO else p for p in params]
        return list(query._get_cursor_wrapper(database.execute_sql(sql, params)))

    def read(self, after: int) -> tuple[list[Event], int, bool]:
        with database.atomic():
            if is_postgres():
                # One snapshot for the log and the annotations (the first statement fixes it).
                database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            rows = self._run(self._log, after)
            if not rows:
                return [], after, False
            reached = rows[-1][0]
            now = {a.pk: a for a in self._run(self._now, after, reached)} \
                if any(kind not in READER_KINDS for _, kind, _, _, _ in rows) else {}
        first_seen: dict[int, bool] = {}
        last_seq: dict[int, int] = {}
        uids: dict[int, str] = {}
        for seq, kind, pk, uid, seen in rows:
            if kind in READER_KINDS:
                continue
            first_seen.setdefault(pk, bool(seen))
            last_seq[pk] = seq
            uids[pk] = uid
        events = []
        for seq, kind, pk, _, _ in rows:
            if kind == "access":
                events.append(Event(seq, "reset", reason="access_changed"))
                continue
            if kind == "session":
                events.append(Event(seq, "session"))
                continue
            if last_seq[pk] != seq:
                continue
            annotation = now.get(pk)
            if annotation is not None and not (annotation.deleted and not first_seen[pk]):
                events.append(Event(seq, "annotation", annotation=annotation))
            elif annotation is None and first_seen[pk]:
                events.append(Event(seq, "removed", uid=uids[pk]))
        return events, reached, len(rows) == self.limit


def still_allowed(user_id: int, token_id: int | None, expires_us=None) -> bool:
    """Whether a signed-in stream's session still holds: the token neither revoked nor expired
    (`expires_us(token)`: when it stops working, None for never; the session policy's, which
    lives in accounts), the account neither deleted nor disabled. Checked with each keepalive,
    and before anything after a `session` row of the log is sent."""
    user = User.get_or_none(User.id == user_id)
    if user is None or user.disabled:
        return False
    if token_id is None:
        return True
    token = Token.get_or_none(Token.id == token_id)
    if token is None:
        return False
    ends = expires_us(token) if expires_us else None
    return ends is None or now_us() < ends


# ---------------------------------------------------------------- tickets


def _ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def issue_ticket(user: User, token: Token) -> tuple[str, int]:
    """Return a new one-use ticket opening one stream as `user`, and its lifetime in seconds."""
    ticket = "pstk_" + secrets.token_urlsafe(24)

    def write() -> None:
        StreamTicket.insert(ticket_hash=_ticket_hash(ticket), user=user.id, token=token.id,
                            expires_us=now_us() + TICKET_TTL_S * 1_000_000).execute()

    run_write(write)
    return ticket, TICKET_TTL_S


def redeem_ticket(ticket: str) -> tuple[User, int] | None:
    """Use up a ticket; return its user and token id, or None (unknown, used or expired)."""
    if not ticket.startswith("pstk_") or len(ticket) > 100:
        return None
    digest = _ticket_hash(ticket)

    def write() -> tuple[int, int, int | None] | None:
        # With its session's site: a ticket an embed session asked for opens a stream that
        # sees that site's posts alone (`User.embed_site`).
        row = (StreamTicket.select(StreamTicket.id, StreamTicket.user, StreamTicket.token,
                                   StreamTicket.expires_us, Token.site_id)
               .join(Token, on=(Token.id == StreamTicket.token))
               .where(StreamTicket.ticket_hash == digest).tuples().first())
        if row is None:
            return None
        ticket_id, user_id, token_id, expires_us, site_id = row
        # Whoever deletes it uses it: of two requests racing with one ticket, one gets it.
        if StreamTicket.delete().where(StreamTicket.id == ticket_id).execute() != 1:
            return None
        if expires_us < now_us():
            return None
        return user_id, token_id, site_id

    found = run_write(write)
    if found is None:
        return None
    user_id, token_id, site_id = found
    user = User.get_or_none(User.id == user_id)
    if user is None or user.disabled:
        return None
    user.embed_site = site_id
    return user, token_id
