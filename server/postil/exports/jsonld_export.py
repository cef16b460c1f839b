"""A W3C Web Annotation `AnnotationCollection` whose `AnnotationPage`s are in the same document.

The collection is the root; its pages follow in `@included` (JSON-LD 1.1), each linked to the
next, so the document streams page by page instead of nesting a page inside the one before.
`total`, `first` and `last` are only known at the end, so they are the root's last keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from ..w3c_model import ANNO_CONTEXT, to_jsonld

PAGE_SIZE = 200


def write(annotations: Iterable[dict], *, exported_at: str, collection_iri: str,
          annotation_iri: Callable[[dict], str], creator_iri: Callable[[dict], str | None]
          = lambda a: None, title: str = "Postil export", page_size: int | None = None,
          **_) -> Iterator[str]:
    page_size = page_size or PAGE_SIZE

    def page_iri(n: int) -> str:
        return f"{collection_iri}#page-{n}"

    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = {"@context": ANNO_CONTEXT, "id": collection_iri, "type": "AnnotationCollection",
            "label": title, "generated": exported_at}
    yield dump(head)[:-1] + ',\n"@included":['
    total = page = 0
    for annotation in annotations:
        if total % page_size == 0:
            page += 1
            if page > 1:
                yield f"],\n\"next\":{dump(page_iri(page))}}},"
            meta = {"id": page_iri(page), "type": "AnnotationPage", "partOf": collection_iri,
                    "startIndex": total}
            yield "\n" + dump(meta)[:-1] + ',"items":['
            sep = "\n"
        parent = annotation.get("reply_to")
        doc = to_jsonld(annotation, iri=annotation_iri(annotation),
                        creator_iri=creator_iri(annotation),
                        parent_iri=annotation_iri({"id": parent}) if parent else None)
        doc.pop("@context", None)
        yield sep + dump(doc)
        sep = ",\n"
        total += 1
    if page:
        yield "]}"
    tail: dict = {"total": total}
    if page:
        tail.update(first=page_iri(1), last=page_iri(page))
    yield "\n]," + dump(tail)[1:] + "\n"
