"""Export formatters: pure generators from native annotation dicts to text or bytes chunks.

Each format is a function taking an iterable of `present.annotation_json` dicts and keyword options,
and yielding `str` (text formats) or `bytes` (zip) chunks. None of them touch Flask or the
database: the HTTP view and the CLI feed them rows from `store` and stream what they yield.
`FORMATS` says, per format, its media type and file extension. Every format gets the rows in one
order, `store.iterate_by_post`'s: grouped by post, posts most recently annotated first, each
post's annotations in reading order (`reading_order.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from . import csv_export, html_export, json_export, jsonld_export, markdown_export, zip_export


@dataclass(frozen=True)
class Format:
    name: str
    write: Callable[..., Iterator[str | bytes]]
    mimetype: str
    extension: str
    description: str


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("markdown", markdown_export.write, "text/markdown; charset=utf-8", "md",
           "one Markdown document, a section per post, a link to each passage"),
    Format("zip", zip_export.write, "application/zip", "zip",
           "one Markdown file per post with YAML front matter (an Obsidian vault folder)"),
    Format("json", json_export.write, "application/json", "json",
           "Postil's native JSON; imports back without loss"),
    Format("jsonld", jsonld_export.write, "application/ld+json", "jsonld",
           "a W3C Web Annotation AnnotationCollection of AnnotationPages"),
    Format("csv", csv_export.write, "text/csv; charset=utf-8", "csv",
           "a row per annotation with every field; flavor=readwise for Readwise's columns"),
    Format("html", html_export.write, "text/html; charset=utf-8", "html",
           "a standalone printable page, no scripts"),
)}

__all__ = ["FORMATS", "Format", "Iterable"]
