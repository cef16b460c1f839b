"""CSV: every field of every annotation, or Readwise's import columns; formulas neutralised."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from .common import passage_url

COLUMNS = ("id", "user", "site", "post_id", "post_url", "post_title", "quote", "note",
           "note_html", "color", "tags", "visibility", "group", "group_name", "created",
           "updated", "version",
           "selectors", "passage_url")
READWISE_COLUMNS = ("Highlight", "Title", "Author", "URL", "Note", "Color", "Tags",
                    "Location Type", "Location", "Highlighted at")
FLAVORS = ("full", "readwise")

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value) -> str | int:
    """Return a cell a spreadsheet shows as text: a leading quote stops formula evaluation."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.lstrip(" \u00a0")[:1] in FORMULA_STARTS and text.strip():
        return "'" + text
    return text


def full_row(a: dict) -> list:
    post = a["post"]
    return [a["id"], a["user"], post["site"], post["post_id"], post["url"], post["title"],
            a["quote"], a["note"], a["note_html"], a["color"], ", ".join(a["tags"]),
            a["visibility"], a.get("group"), a.get("group_name"), a["created"], a["updated"],
            a["version"],
            json.dumps(a["selectors"], ensure_ascii=False), passage_url(a) or ""]


def readwise_row(a: dict) -> list:
    position = next((s for s in a["selectors"] if s.get("type") == "TextPositionSelector"), None)
    # Readwise needs highlight text; a page note has none, so its note stands in for it.
    highlight, note = (a["quote"], a["note"]) if a["quote"] else (a["note"], "")
    when = (a["created"] or "").replace("T", " ")[:19]
    return [highlight, a["post"]["title"], "", passage_url(a) or a["post"]["url"], note,
            a["color"], ", ".join(a["tags"]), "order" if position else "",
            position["start"] if position else "", when]


def write(annotations: Iterable[dict], *, flavor: str = "full", **_) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    row = readwise_row if flavor == "readwise" else full_row
    writer.writerow(READWISE_COLUMNS if flavor == "readwise" else COLUMNS)
    for annotation in annotations:
        writer.writerow([inert(cell) for cell in row(annotation)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
