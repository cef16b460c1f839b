"""`postil serve --workers N`: several server processes on one database, pre-forked by gunicorn.

The master process migrates the database once, binds the listening socket, then forks N workers
and restarts any that dies; it never opens a database connection that a worker could inherit
(its migration connections are closed and its pool emptied before the first fork). Each worker
builds the Flask app after the fork, so its connection pool, its SQLite group-commit queue and
its locks are its own. Nothing in Postil starts a thread at import or in `create_app`: the
group writer is led by the request threads themselves, so a fork loses no thread.

What is shared across workers lives in the database: annotations, tokens, sign-in throttling.
The module-level caches (`urls._around_uid`, `postkey.normalise_site`, `present._iso_second`,
`sanitize`'s cleaner) hold only pure functions of their arguments and the configuration, never
database state, so each worker keeping its own is harmless.

Several processes writing one SQLite file take turns at its write lock: each group commit
begins `IMMEDIATE` and waits up to the busy timeout (`db.SQLITE_PRAGMAS`) for the lock instead
of failing; PostgreSQL commits concurrent transactions itself.

SIGTERM to the master (what systemd sends) stops accepting, lets every request in flight finish
(up to `GRACEFUL_TIMEOUT_S`), then exits 0; SIGINT and SIGQUIT stop at once. Live-update
streams are not waited for: each worker ends its own at SIGTERM (`end_streams_on_sigterm`), and
their clients resume elsewhere from their Last-Event-ID.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile

GRACEFUL_TIMEOUT_S = 30
# A worker that has not reported to the master for this long is killed and replaced. The
# threaded worker reports from its own loop, not from a request, so a long export does not
# count against it.
WORKER_TIMEOUT_S = 60


def supported() -> str | None:
    """Return why several worker processes cannot run here, or None when they can."""
    if not sys.platform.startswith("linux"):
        return (f"postil: --workers needs Linux (gunicorn pre-forks worker processes), and this "
                f"is {sys.platform}; serve with one process and threads instead: postil serve "
                f"--threads N")
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return ("postil: --workers needs gunicorn, which is not installed here; "
                "install it (pip install gunicorn) or serve with one process: postil serve")
    return None


def worker_exited(pid: int) -> None:
    """Tidy, in the master, what the worker `pid` leaves behind when it exits or is killed:
    its live gauges in the shared metrics directory (its counters stay in the sum)."""
    from . import metrics

    metrics.worker_exited(pid)


def end_streams_on_sigterm() -> None:
    """In a worker: SIGTERM ends its live-update streams at once, then the graceful stop goes
    on as gunicorn's; an open stream would otherwise hold it for GRACEFUL_TIMEOUT_S (and the
    quick stops, SIGINT and SIGQUIT, until its next keepalive). Clients reconnect with their
    Last-Event-ID and lose nothing."""
    from . import live

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        previous = signal.getsignal(signum)

        def stop(number, frame, previous=previous) -> None:
            live.shutdown()
            if callable(previous):
                previous(number, frame)

        signal.signal(signum, stop)


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind and listen on host:port in the master; raise OSError as `socket.bind` does."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def migrate_then_close(url: str) -> None:
    """Apply pending migrations once, in the master, leaving no connection open to inherit."""
    from . import db

    database = db.open_database(url)
    try:
        db.upgrade(database)
    finally:
        if not database.is_closed():
            database.close()
        close_all = getattr(database, "close_all", None)
        if close_all:
            close_all()


def serve(make_app, sock: socket.socket, workers: int, threads: int, banner: str) -> int:
    """Run gunicorn's master on `sock` with `workers` processes of `threads` threads each.

    `make_app` is called in each worker, after the fork; `banner` is printed once the workers
    are starting. Returns when the master stops.
    """
    import gunicorn.http.wsgi
    from gunicorn.app.base import BaseApplication

    # Answers name the server as waitress's do (`Server: postil`), not the software and its
    # version; gunicorn reads this name for every response and offers no setting for it.
    gunicorn.http.wsgi.SERVER = "postil"

    def when_ready(_arbiter) -> None:
        print(banner, flush=True)

    def child_exit(_arbiter, worker) -> None:
        worker_exited(worker.pid)

    def post_worker_init(_worker) -> None:
        end_streams_on_sigterm()

    options = {
        "bind": [f"fd://{sock.fileno()}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "timeout": WORKER_TIMEOUT_S,
        "preload_app": False,  # the app, and so every connection, is made after the fork
        "proc_name": "postil",
        "accesslog": None,  # the app's own request log (--log-requests) says what it should
        "errorlog": "-",
        # gunicorn applies no forwarded scheme or address, as waitress does not: the app's
        # urls.PublicRoot decides which proxies are trusted (POSTIL_TRUSTED_PROXIES), one rule.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        # Newer gunicorn opens a control socket under $HOME by default; two servers would
        # fight over it, and nothing here uses it.
        "control_socket_disable": True,
        "when_ready": when_ready,
        "child_exit": child_exit,
        "post_worker_init": post_worker_init,
    }

    class Master(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return make_app()

    # Every worker's metrics in one directory, so that any worker's /metrics answers for all:
    # the operator's PROMETHEUS_MULTIPROC_DIR, else one of this run's own, emptied either way.
    from . import metrics

    own_dir = None if os.environ.get(metrics.MULTIPROC_ENV) else tempfile.mkdtemp(
        prefix="postil-metrics-")
    metrics.prepare_directory(own_dir or os.environ[metrics.MULTIPROC_ENV])
    try:
        Master().run()
    finally:
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
    return 0
