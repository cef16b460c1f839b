"""Waking live-update streams when the change log grows, in this process and across processes.

One `Hub` per process. A stream (`stream_api.py`) reads the change log, then waits on the hub
until something may have changed; the hub's generation counter moves when:

- a write of this process that recorded changes commits (`store.changes` calls `wake` after
  the commit: SQLite and PostgreSQL alike);
- on PostgreSQL, `NOTIFY postil_changes` arrives: every write that records changes sends it,
  PostgreSQL delivers it at commit to every listener, and each process keeps one listening
  connection (the watcher thread), so a stream hears of writes made by any process;
- on SQLite, the watcher thread sees the log's newest `seq` grow (a cheap read by primary key,
  every `POSTIL_STREAM_POLL_SECONDS`), which is how several processes on one file hear of
  each other's writes.

The watcher thread runs only while this process has streams open. A stream holds a server
thread for as long as it is open, so `postil serve` adds `POSTIL_MAX_STREAMS` threads to the
ones that answer requests, and a stream beyond the limit is refused (503, Retry-After) rather
than starving the API. `shutdown` (SIGTERM) ends every stream at once; clients reconnect with
their Last-Event-ID and lose nothing.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time

from peewee import PostgresqlDatabase

from .db import database
from .store import changes

log = logging.getLogger("postil.live")


class Hub:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.generation = 0
        self.closing = False
        self.open = 0
        self.limit = 250
        self.poll_s = 1.0
        # Reads of the log at once: 200 streams woken together must not drain the pool.
        self.reads = threading.BoundedSemaphore(4)
        self._watching = None  # the database object the watcher thread serves
        self._shared_lock = threading.Lock()
        self._shared: dict[tuple, list] = {}

    def wake(self) -> None:
        with self._cond:
            self.generation += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """Wait until the generation moves past `seen`, shutdown, or `timeout`; return it."""
        with self._cond:
            self._cond.wait_for(lambda: self.generation != seen or self.closing, timeout)
            return self.generation

    def shared(self, key: tuple, generation: int, compute):
        """Return `compute()`, computed once for all streams asking with the same `key` (the
        viewer, the post, the cursor) after the same wake-up (`generation`, read before asking).

        Many readers of one post, anonymous or the same reader in several tabs, are woken by
        one change together: one of them reads the log and renders the events, the others
        take its answer. A read started after the generation moved to `generation` has seen
        every commit that moved it, so its answer is as good as one's own.
        """
        key = (*key, generation)
        with self._shared_lock:
            entry = self._shared.get(key)
            if entry is None:
                for old in [k for k in self._shared if k[-1] < generation]:
                    del self._shared[old]
                entry = self._shared[key] = [threading.Event(), None, False]
                mine = True
            else:
                mine = False
        if not mine:
            entry[0].wait()
            if entry[2]:
                return entry[1]
            return compute()  # the one computing it failed: this stream tries for itself
        try:
            entry[1] = compute()
            entry[2] = True
            return entry[1]
        finally:
            entry[0].set()
            if not entry[2]:
                with self._shared_lock:
                    self._shared.pop(key, None)

    def enter(self) -> bool:
        """Count a new stream in; False when the process has as many as it may hold."""
        with self._cond:
            if self.closing or self.open >= self.limit:
                return False
            self.open += 1
            target = database.obj
            if self._watching is not target:
                self._watching = target
                threading.Thread(target=self._watch, args=(target,), daemon=True,
                                 name="postil-stream-watcher").start()
            return True

    def leave(self) -> None:
        with self._cond:
            self.open -= 1

    def shutdown(self) -> None:
        """End every stream of this process now (the server is stopping)."""
        with self._cond:
            self.closing = True
            self._cond.notify_all()

    def _still_needed(self, target) -> bool:
        with self._cond:
            if self.closing or self.open <= 0 or self._watching is not target:
                if self._watching is target:
                    self._watching = None
                return False
            return True

    def _watch(self, target) -> None:
        try:
            if isinstance(target, PostgresqlDatabase):
                self._listen(target)
            else:
                self._poll(target)
        except Exception:  # noqa: BLE001 — a watcher must not die silently
            log.exception("the live-update watcher stopped")
            with self._cond:
                if self._watching is target:
                    self._watching = None

    def _poll(self, target) -> None:
        last = None
        while self._still_needed(target):
            try:
                with target.connection_context():
                    newest = changes.newest()
            except Exception:  # noqa: BLE001 — the database may be busy; look again
                newest = last
            if last is not None and newest != last:
                self.wake()
            last = newest
            time.sleep(self.poll_s)

    def _listen(self, target) -> None:
        import psycopg2

        conn = None
        while self._still_needed(target):
            try:
                if conn is None:
                    conn = psycopg2.connect(dbname=target.database, **target.connect_params)
                    conn.autocommit = True
                    with conn.cursor() as cur:
                        cur.execute(f"LISTEN {changes.NOTIFY_CHANNEL}")
                    self.wake()  # whatever came while not listening
                ready, _, _ = select.select([conn], [], [], self.poll_s)
                if ready:
                    conn.poll()
                    if conn.notifies:
                        conn.notifies.clear()
                        self.wake()
            except Exception:  # noqa: BLE001 — the database restarted, say: listen again
                log.warning("live updates: listening connection lost; reconnecting",
                            exc_info=True)
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
                conn = None
                time.sleep(self.poll_s)
        if conn is not None:
            conn.close()


hub = Hub()
changes.after_commit_hooks.append(hub.wake)


def configure(app) -> None:
    hub.limit = int(app.config.get("MAX_STREAMS", 250))
    hub.poll_s = float(app.config.get("STREAM_POLL_SECONDS", 1.0))
    changes.keep_us = int(float(app.config.get("CHANGE_LOG_DAYS", 7)) * changes.DAY_US)


def shutdown() -> None:
    hub.shutdown()
