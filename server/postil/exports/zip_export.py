"""A zip of Markdown files, one per post with YAML front matter, ready for an Obsidian vault.

The archive is written to a sink that the generator drains after every write, so the export
streams: zipfile falls back to data descriptors when its file cannot seek. What stays in memory
is one post's annotations (the front matter lists the post's tags, so they must be seen before
the file starts) and the central directory, a few hundred bytes per post.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable, Iterator

from .common import by_post, post_file_stem
from .markdown_export import post_section

FOLDER = "Postil"


class _Sink:
    """A write-only file whose bytes the generator hands out as they come."""

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


_NOT_YAML_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff"
                                 "\ufffe\uffff\ud800-\udfff]")


def yaml_scalar(value) -> str:
    """Return a value as YAML: JSON's double-quoted strings, numbers and null are YAML too."""
    text = json.dumps(value, ensure_ascii=False)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def front_matter(post: dict, tags: list[str], exported_at: str) -> str:
    fields = {"title": post.get("title") or "", "url": post.get("url") or "",
              "site": post.get("site") or "", "post_id": post.get("post_id"), "tags": tags,
              "exported_at": exported_at}
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(yaml_scalar(v) for v in value)}]")
        else:
            lines.append(f"{key}: {yaml_scalar(value)}")
    lines.append("---\n")
    return "\n".join(lines)


def _zip_time(exported_at: str) -> tuple[int, int, int, int, int, int]:
    digits = [int(x) for x in re.findall(r"\d+", exported_at)[:6]]
    stamp = tuple(digits + [0] * (6 - len(digits)))
    return stamp if stamp[0] >= 1980 else (1980, 1, 1, 0, 0, 0)


def write(annotations: Iterable[dict], *, exported_at: str, **_) -> Iterator[bytes]:
    sink = _Sink()
    taken: set[str] = set()
    when = _zip_time(exported_at)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for post, group in by_post(annotations):
            items = list(group)
            tags: dict[str, str] = {}
            for annotation in items:
                for tag in annotation.get("tags") or []:
                    tags.setdefault(tag.lower(), tag)
            info = zipfile.ZipInfo(f"{FOLDER}/{_unique(post_file_stem(post), taken)}.md", when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as member:
                member.write(front_matter(post, list(tags.values()), exported_at).encode())
                member.write(("\n" + post_section(post, items, heading="#")).encode())
            yield sink.take()
    yield sink.take()


def _unique(stem: str, taken: set[str]) -> str:
    name, n = stem, 1
    while name.lower() in taken:
        n += 1
        name = f"{stem} ({n})"
    taken.add(name.lower())
    return name
