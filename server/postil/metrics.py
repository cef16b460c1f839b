"""Prometheus metrics: what the server counts, the per-request hook, and `GET /metrics`.

Every label value comes from a small fixed set (a Flask endpoint name, an HTTP method and
status, a visibility): never a path, a user, a post or anything a reader typed, so an answer
of /metrics tells its reader how busy the server is and nothing about whose annotations are
what. Only operators read it: from this machine's loopback address, not through a proxy, or
with the bearer token in `POSTIL_METRICS_TOKEN` (which, once set, is always required).

One process keeps its counts in memory. Several processes (`postil serve --workers N`) share
them through files in the directory `PROMETHEUS_MULTIPROC_DIR` names (prometheus_client's own
variable), and any one process's /metrics answers with the sum of all. The variable must be in
the environment before the first app is made (`prepare_directory` sets it and empties the
directory: call it once in the parent before starting workers), and `worker_exited(pid)`
drops a dead worker's gauges (its counters stay: what it counted did happen).

The metric objects are made by the first `init_app`, not at import: prometheus_client decides
between memory and files when a value is first made, so importing Postil must not decide it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from pathlib import Path

from flask import Blueprint, Flask, current_app, g, request

from . import openapi
from .errors import APIError

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Seconds; a trivial request takes well under a millisecond, an import or an export seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A request that matched no route has no endpoint; all of them share this label value.
NO_ENDPOINT = "none"

bp = Blueprint("metrics", __name__)


class _Metrics:
    def __init__(self, multiprocess: bool) -> None:
        from prometheus_client import (
            CollectorRegistry,
            Counter,
            Gauge,
            Histogram,
            disable_created_metrics,
        )

        from .contract import VISIBILITIES

        # `*_created` timestamps double the answer and tell an operator nothing they need.
        disable_created_metrics()
        self.multiprocess = multiprocess
        # Our own registry: several apps in one process (the tests) share these objects.
        self.registry = CollectorRegistry(auto_describe=True)
        if not multiprocess:
            from prometheus_client import GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR

            for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
                self.registry.register(collector)
        reg = {"registry": self.registry}
        self.requests = Counter(
            "postil_requests", "HTTP requests answered, by Flask endpoint, method and status",
            ["endpoint", "method", "status"], **reg)
        self.latency = Histogram(
            "postil_request_duration_seconds",
            "Time to produce an answer, by Flask endpoint and method",
            ["endpoint", "method"], buckets=LATENCY_BUCKETS, **reg)
        # (endpoint, method, status) -> its request counter and latency histogram: a bounded
        # map, as each part comes from a fixed set.
        self.per_request: dict[tuple[str, str, int], tuple] = {}
        self.annotations_created = Counter(
            "postil_annotations_created", "Annotations created (API, W3C and imports), by "
            "visibility", ["visibility"], **reg)
        for visibility in VISIBILITIES:  # listed at 0 before the first
            self.annotations_created.labels(visibility)
        self.failed_sign_ins = Counter(
            "postil_failed_sign_ins", "Wrong passwords given to sign in or to change a "
            "password", **reg)
        # Gauges of live processes are summed; a dead worker's are dropped by worker_exited.
        self.write_queue = Gauge(
            "postil_write_queue_depth", "SQLite writes waiting for their group commit",
            multiprocess_mode="livesum", **reg)
        self.open_streams = Gauge(
            "postil_open_streams", "Live-update streams open to readers",
            multiprocess_mode="livesum", **reg)

    def collect_text(self) -> tuple[bytes, str]:
        from prometheus_client import CollectorRegistry, generate_latest

        # The classic text format every Prometheus reads.
        content_type = "text/plain; version=0.0.4; charset=utf-8"
        if not self.multiprocess:
            return generate_latest(self.registry), content_type
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), content_type


_metrics: _Metrics | None = None


def _made() -> _Metrics:
    global _metrics
    if _metrics is None:
        _metrics = _Metrics(multiprocess=bool(os.environ.get(MULTIPROC_ENV)))
    return _metrics


def prepare_directory(path: str | os.PathLike) -> Path:
    """Make `path` the shared metrics directory of this process and the workers it starts.

    Empties it (counts of an earlier run would be added to this one's) and sets
    PROMETHEUS_MULTIPROC_DIR. Call it in the parent, before any app is made.
    """
    if _metrics is not None and not _metrics.multiprocess:
        raise RuntimeError("metrics were already made in memory: prepare the metrics "
                           "directory before the first create_app")
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def worker_exited(pid: int, directory: str | os.PathLike | None = None) -> None:
    """Drop the gauges of a worker that has exited (gunicorn's `child_exit` hook calls this).

    `directory` defaults to PROMETHEUS_MULTIPROC_DIR; without either there is nothing to do.
    """
    directory = directory or os.environ.get(MULTIPROC_ENV)
    if directory:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, directory)


# ---------------------------------------------------------------- what the code counts
# Each is a no-op until an app has been made with metrics on (the CLI's own commands count
# nothing).

def annotations_created(visibilities: list[str]) -> None:
    """Count annotations that were committed (call after the write, never inside it: a write
    may run twice)."""
    if _metrics is not None:
        for visibility in visibilities:
            _metrics.annotations_created.labels(visibility).inc()


def failed_sign_in() -> None:
    if _metrics is not None:
        _metrics.failed_sign_ins.inc()


def stream_opened() -> None:
    """A live-update stream to a reader began (pair each with `stream_closed`)."""
    if _metrics is not None:
        _metrics.open_streams.inc()


def stream_closed() -> None:
    if _metrics is not None:
        _metrics.open_streams.dec()


def write_queued() -> None:
    if _metrics is not None:
        _metrics.write_queue.inc()


def write_done() -> None:
    if _metrics is not None:
        _metrics.write_queue.dec()


# ---------------------------------------------------------------- per request

def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    m = _metrics
    if started is None or m is None:
        return response
    key = (request.endpoint or NO_ENDPOINT, request.method, response.status_code)
    series = m.per_request.get(key)
    if series is None:
        # `labels()` validates and locks on every call; the children it returns never change.
        series = m.per_request[key] = (m.requests.labels(*key), m.latency.labels(*key[:2]))
    series[0].inc()
    series[1].observe(time.perf_counter() - started)
    return response


def _may_read() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                  token.encode())
    from .auth import client_address

    # A proxy on this machine makes every client look local: what it forwarded is not local.
    if "Forwarded" in request.headers or "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(client_address() or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    if _metrics is None or not current_app.config.get("METRICS", True):
        raise APIError(404, "metrics are turned off on this server (POSTIL_METRICS=0)")
    if not _may_read():
        raise APIError(403, "metrics are for the server's operator: ask from this machine, or "
                            "send the bearer token POSTIL_METRICS_TOKEN names",
                       "metrics_forbidden")
    body, content_type = _metrics.collect_text()
    response = current_app.response_class(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Serve /metrics, and count every request unless `METRICS` is off."""
    app.register_blueprint(bp)
    if not app.config.get("METRICS", True):
        return
    _made()
    app.before_request(_start)
    app.after_request(_observe)


openapi.register({
    "/metrics": {"get": {
        "summary": "Prometheus metrics, for the operator: from loopback, or with "
                   "POSTIL_METRICS_TOKEN as the bearer token",
        "responses": {"200": {"description": "Prometheus text format",
                              "content": {"text/plain": {"schema": {"type": "string"}}}},
                      "403": openapi.err("not from loopback and no right token"),
                      "404": openapi.err("metrics are turned off (POSTIL_METRICS=0)")}}},
})
