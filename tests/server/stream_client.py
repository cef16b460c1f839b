"""A small Server-Sent Events client for the stream tests: events as a reader's EventSource
would dispatch them (comments and the `retry:` field skipped)."""

from __future__ import annotations

import http.client
import json
import socket


class StreamClosed(Exception):
    """The server ended the stream."""


class Stream:
    def __init__(self, port: int, path: str, headers: dict | None = None,
                 timeout: float = 20) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.conn.request("GET", path, headers={"Accept": "text/event-stream",
                                                **(headers or {})})
        self.sock = self.conn.sock
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.headers = self.response.headers
        self.last_id: str | None = None
        self.comments = 0
        if self.status != 200:
            self.body = json.loads(self.response.read() or b"null")

    def next(self, timeout: float = 20) -> dict:
        """The next event: {"id", "event", "data"} (data parsed); StreamClosed at its end,
        socket.timeout if none comes in `timeout` seconds."""
        self.sock.settimeout(timeout)
        fields: dict = {}
        data: list[str] = []
        while True:
            line = self.response.readline()
            if not line:
                raise StreamClosed
            line = line.decode().rstrip("\r\n")
            if line == "":
                if "id" in fields:
                    self.last_id = fields["id"]
                if data:
                    return {"id": fields.get("id"), "event": fields.get("event", "message"),
                            "data": json.loads("\n".join(data))}
                fields = {}
                continue
            if line.startswith(":"):
                self.comments += 1
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            else:
                fields[name] = value

    def events_until(self, stop_id: str, timeout: float = 20) -> list[dict]:
        """Every event up to and including the annotation event whose id is `stop_id`."""
        seen = []
        while True:
            event = self.next(timeout)
            seen.append(event)
            if event["event"] == "annotation" and event["data"]["id"] == stop_id:
                return seen

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
