"""Live updates: `GET /api/stream` (Server-Sent Events) and `POST /api/stream/tickets`.

The view decides everything that can fail before the stream starts (who the viewer is, the
query, whether this process may hold one more stream), so a refusal is a JSON error; then it
answers `text/event-stream` and follows the change log (`store.changes`), woken by `live.hub`.
What each event says, and to whom, is `store.changes.Reader`'s to decide.
"""

from __future__ import annotations

import time

import orjson
from flask import Blueprint, Response, current_app, request

from . import live, metrics, openapi, parse, present, store
from .api import annotation_json
from .auth import current_token, current_user, require_user, token_policy
from .db import database
from .errors import APIError
from .store import changes

bp = Blueprint("stream", __name__, url_prefix="/api/stream")

RETRY_MS = 2000
STREAMS_FULL_RETRY_S = 5


@bp.post("/tickets")
def new_ticket():
    user = require_user()
    ticket, ttl = changes.issue_ticket(user, current_token())
    return {"ticket": ticket, "expires_in": ttl}, 201


@bp.get("")
def stream():
    asked = parse.stream_query(request.args)
    # Readers reconnect all at once after a restart: a few at a time take a connection, so
    # the pool is never drained (db.py leaves this endpoint unconnected).
    with live.hub.reads:
        database.connect(reuse_if_open=True)
        try:
            viewer, token_id = _viewer(asked.ticket)
            last_event_id = request.headers.get("Last-Event-ID") or asked.last_event_id
            begin = changes.start(last_event_id)
            ids = changes.cursor()
            reader = changes.Reader(viewer, changes.post_condition(viewer, asked.post))
        finally:
            database.close()
    if not live.hub.enter():
        raise APIError(503, "this server holds as many live streams as it may; try again soon",
                       "too_many_streams",
                       headers={"Retry-After": str(STREAMS_FULL_RETRY_S)})
    metrics.stream_opened()
    heartbeat_s = float(current_app.config.get("STREAM_HEARTBEAT_SECONDS", 15))
    policy = token_policy()  # a session that expires while its stream is open ends the stream
    app = current_app._get_current_object()
    environ = request.environ
    viewer_id = viewer.id if viewer else None

    # Streams with one key share their reads: an embed session's (its site's posts alone) never
    # shares with the same reader's other sessions.
    shared_key = (id(database.obj), viewer_id, getattr(viewer, "embed_site", None),
                  repr(asked.post), request.root_url)

    def read(after: int, generation: int) -> tuple[list[str], int, bool, bool]:
        return live.hub.shared((*shared_key, after), generation, lambda: read_now(after))

    def read_now(after: int) -> tuple[list[str], int, bool, bool]:
        """The events owed after `after` as text, the new cursor, whether there may be more,
        and whether a session of the viewer ended among them (then the stream checks its own
        before sending any of them)."""
        # The stream holds no database connection while it waits (200 streams would drain
        # the pool): it takes one for each read, a few reads at a time.
        with live.hub.reads, app.request_context(environ):
            database.connect(reuse_if_open=True)
            try:
                found, reached, more = reader.read(after)
                addresses = present.OwnAddresses(viewer) if found else None
                # A tombstone says how many replies below it this viewer may see: a page
                # note's has no passage, and its count alone tells it heads a thread. Only
                # tombstones: a count for every event is one more query per viewer and change,
                # which the fan-out to many signed-in readers pays (bench/README.md).
                counts = store.reply_counts(viewer, [e.annotation for e in found
                                                     if e.kind == "annotation"
                                                     and e.annotation.deleted])
                ended = any(e.kind == "session" for e in found)
                return ([_format(e, ids, viewer, addresses, counts) for e in found
                         if e.kind != "session"], reached, more, ended)
            finally:
                database.close()

    def still_allowed() -> bool:
        if viewer_id is None:
            return True
        with live.hub.reads, app.app_context():
            database.connect(reuse_if_open=True)
            try:
                return changes.still_allowed(viewer_id, token_id, policy.expires_us)
            finally:
                database.close()

    def events():
        yield f"retry: {RETRY_MS}\n\n"
        after = begin.seq
        if begin.reset:
            yield _event(ids.encode(after), "reset", {"reason": begin.reset})
        beat_at = time.monotonic() + heartbeat_s
        while not live.hub.closing:
            generation = live.hub.generation
            more = True
            while more:
                chunks, after, more, ended = read(after, generation)
                if ended and not still_allowed():
                    return  # signed out (or disabled): nothing after it is sent
                yield from chunks
            live.hub.wait(generation, max(0.0, beat_at - time.monotonic()))
            if not live.hub.closing and time.monotonic() >= beat_at:
                if not still_allowed():
                    return  # signed out, or the account is gone: the stream ends with it
                yield ": keepalive\n\n"
                beat_at = time.monotonic() + heartbeat_s

    response = Response(_Held(events()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache, no-store"
    # nginx: pass each event on as it comes (docs/operations.md).
    response.headers["X-Accel-Buffering"] = "no"
    return response


class _Held:
    """The stream's body; its end, however it comes (the client gone, shutdown, a failure,
    or never started at all), gives the stream's place back."""

    def __init__(self, events) -> None:
        self._events = events
        self._held = True

    def __iter__(self):
        return self

    def __next__(self) -> str:
        return next(self._events)

    def close(self) -> None:
        try:
            self._events.close()
        finally:
            if self._held:
                self._held = False
                live.hub.leave()
                metrics.stream_closed()


def _viewer(ticket: str | None):
    """The stream's viewer and their token's id: a ticket's, the bearer's, or anonymous."""
    if ticket is not None:
        found = changes.redeem_ticket(ticket)
        if found is None:
            raise APIError(401, "the stream ticket is unknown, used or expired; ask for a new "
                                "one with POST /api/stream/tickets", "invalid_ticket")
        return found
    viewer = current_user()
    token = current_token()
    return viewer, token.id if token else None


def _format(event: changes.Event, ids: changes.Cursor, viewer, addresses,
            reply_counts: dict[int, int]) -> str:
    if event.kind == "annotation":
        data = annotation_json(event.annotation, viewer, addresses=addresses,
                               reply_counts=reply_counts if event.annotation.deleted else None)
    elif event.kind == "removed":
        data = {"id": event.uid}
    else:
        data = {"reason": event.reason}
    return _event(ids.encode(event.seq), event.kind, data)


def _event(event_id: str, kind: str, data: dict) -> str:
    return f"id: {event_id}\nevent: {kind}\ndata: {orjson.dumps(data).decode()}\n\n"


openapi.register({
    "/api/stream": {"get": {
        "summary": "Follow changes live (Server-Sent Events)",
        "description": "One post (site and post_id, url, or post) or, with none, everything "
                       "you may see. Events: `annotation` (the annotation as GET would answer "
                       "it, without reply_count; a delete is a tombstone with deleted true and "
                       "its reply_count), `removed` ({id}: one "
                       "you could see and may no longer), `reset` ({reason}: reload, your "
                       "access changed or the Last-Event-ID is too old); a `: keepalive` "
                       "comment every 15 s. Resume with the Last-Event-ID header (or "
                       "last_event_id): nothing lost, nothing repeated. Sign in with "
                       "Authorization: Bearer, or a ticket from POST /api/stream/tickets; "
                       "anonymous readers follow public annotations.",
        "parameters": [
            openapi.q("site", "site key (with post_id)"),
            openapi.q("post_id", "WordPress post id (with site)", {"type": "integer"}),
            openapi.q("url", "the post's address"),
            openapi.q("post", "a post's row id", {"type": "integer"}),
            openapi.q("ticket", "a one-use ticket from POST /api/stream/tickets"),
            openapi.q("last_event_id", "resume after this event (as the Last-Event-ID "
                                       "header)"),
        ],
        "responses": {"200": {"description": "the stream",
                              "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                      "400": openapi.err("bad query; no stream"),
                      "401": openapi.err("invalid token or ticket (codes invalid_token, "
                                         "invalid_ticket)"),
                      "503": openapi.err("this process holds as many streams as it may "
                                         "(code too_many_streams): wait Retry-After seconds")}}},
    "/api/stream/tickets": {"post": {
        "summary": "A ticket that opens one stream as you",
        "description": "For an EventSource, which cannot send a header: one use, within "
                       "expires_in seconds, as the session that asked for it.",
        "responses": {**openapi.ok("the ticket", {
            "type": "object", "properties": {"ticket": {"type": "string"},
                                             "expires_in": {"type": "integer"}}}, "201"),
            "401": openapi.err("sign in first")}}},
})
