"""One zip of everything a user made, for `GET /api/me/export`: a copy to keep, or to leave with.

Inside one folder named like the file: the user's annotations, private ones included, in every
export format the server has (`exports.FORMATS`, CSV in each flavour), made by the same
`export_stream` as `GET /api/export`; `posts.json`, the posts those annotations are on and the
posts the user registered (`PUT /api/posts`), as the user is shown them; `profile.json`, the
account (name, creation, counts, and the sessions `GET /api/tokens` lists, never a secret); and
`README.txt`, which says what each file is.

The archive streams: each member is written as its export yields, into a sink the generator
drains, so memory holds what one export holds (see `store.iterate_by_post`) and a batch of
posts, whatever the size of the account.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from werkzeug.datastructures import MultiDict

from . import present, store
from .export_api import export_request, export_stream
from .exports import FORMATS
from .exports.csv_export import FLAVORS
from .models import User
from .store.accounts import TokenPolicy


@dataclass
class Archive:
    filename: str
    chunks: Iterator[bytes]


class _Sink:
    """A write-only file handing out what was written since it was last asked."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def annotation_files() -> list[tuple[str, str, str | None]]:
    """Return (file name, format, csv flavour) for every export the archive holds."""
    files = []
    for spec in FORMATS.values():
        for flavor in (FLAVORS if spec.name == "csv" else (None,)):
            suffix = f"-{flavor}" if flavor not in (None, "full") else ""
            files.append((f"annotations/{spec.name}{suffix}.{spec.extension}", spec.name,
                          flavor))
    return files


def everything(user: User, *, base_url: str, sessions: TokenPolicy) -> Archive:
    """Return the archive of `user`'s account, ready to stream; `sessions` says when the
    user's sessions expire, as `GET /api/tokens` lists them."""
    exported_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"postil-{user.name}-{exported_at[:10]}")
    members = [("README.txt", [_readme(user, exported_at)]),
               ("profile.json", [_profile(user, exported_at, sessions)]),
               ("posts.json", _posts(user))]
    for name, fmt, flavor in annotation_files():
        members.append((name, _annotations(user, fmt, flavor, base_url)))
    return Archive(f"{stem}.zip", _zip(stem, exported_at, members))


def _annotations(user: User, fmt: str, flavor: str | None, base_url: str) -> Iterator[bytes]:
    # Made when the archive reaches this member, so one export's rows are read at a time.
    args = MultiDict([("format", fmt)] + ([("flavor", flavor)] if flavor else []))
    yield from export_stream(user, export_request(args), base_url=base_url).chunks


def _zip(stem: str, exported_at: str, members: list[tuple[str, Iterable[str | bytes]]]
         ) -> Iterator[bytes]:
    sink = _Sink()
    when = tuple(int(x) for x in re.findall(r"\d+", exported_at)[:6])
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, pieces in members:
            info = zipfile.ZipInfo(f"{stem}/{name}", when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as member:
                for piece in pieces:
                    member.write(piece.encode() if isinstance(piece, str) else piece)
                    out = sink.take()
                    if out:
                        yield out
            yield sink.take()
    yield sink.take()


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _profile(user: User, exported_at: str, policy: TokenPolicy) -> str:
    private, public = store.account_summary(user)
    sessions = [present.session_json(t, policy.expires_us(t), current=False)
                for t in store.accounts.sessions(user, policy)]
    return _dump({
        "name": user.name,
        "created": present.iso(user.created_us),
        "exported_at": exported_at,
        # "private" counts every annotation not public: one's own and those in groups.
        "annotations": {"private": private, "public": public},
        "groups": [{"id": g.group.gid, "name": g.group.name, "role": g.role}
                   for g in store.groups.my_groups(user)],
        # What GET /api/tokens lists, without `current`: a file is no session.
        "sessions": [{k: v for k, v in s.items() if k != "current"} for s in sessions],
    })


def _posts(user: User) -> Iterator[str]:
    """The posts the user annotated or registered, as a JSON array written one post at a time."""
    yield "["
    sep = "\n"
    addresses = present.OwnAddresses(user)
    for post, count, registered in store.annotated_posts(user):
        item = present.post_json(post, user, addresses=addresses) | {
            "your_annotations": count, "you_registered": registered}
        yield sep + json.dumps(item, ensure_ascii=False)
        sep = ",\n"
    yield "\n]\n"


def _readme(user: User, exported_at: str) -> str:
    lines = [f"Everything {user.name} made on this Postil server, exported {exported_at}.", "",
             "profile.json  the account: name, when it was made, its sessions (labels and "
             "times, no secrets)",
             "posts.json    the posts your annotations are on and those you registered, as you "
             "are shown them", ""]
    for name, fmt, flavor in annotation_files():
        what = FORMATS[fmt].description
        if flavor == "readwise":
            what = "a row per annotation in Readwise's import columns"
        lines.append(f"{name}  {what}")
    lines += ["", "Every annotation file holds all your annotations, private ones included; "
                  "annotations/json.json imports back without loss (POST /api/import)."]
    return "\n".join(lines) + "\n"
