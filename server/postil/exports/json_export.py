"""Postil's native JSON: the annotations exactly as the API returns them, one per line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

FORMAT = "postil-export"
FORMAT_VERSION = 1


def write(annotations: Iterable[dict], *, exported_at: str, **_) -> Iterator[str]:
    head = {"format": FORMAT, "format_version": FORMAT_VERSION, "exported_at": exported_at}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "annotations": ['
    sep = "\n"
    for annotation in annotations:
        yield sep + json.dumps(annotation, ensure_ascii=False, separators=(",", ":"))
        sep = ",\n"
    yield "\n]}\n"
