"""Reading order within one post: an annotation's place is where its passage starts in the article.

The notebook and every export list a post's annotations in this order; the extension writes the
same rule in `shared/reading-order.js`, and `tests/fixtures/order-cases.json` pins both. A passage
is placed by its TextPositionSelector (start, then end). Annotations without one (page notes, and
passages imported with a quote alone) have no place in the text, so they follow every placed one,
oldest first. Creation time and then the id break every tie, so the order never depends on how
the rows happened to be read.
"""

from __future__ import annotations


def position(selectors) -> tuple[int, int] | None:
    """Return the (start, end) of the first TextPositionSelector, or None if there is none."""
    for selector in selectors or []:
        if not isinstance(selector, dict) or selector.get("type") != "TextPositionSelector":
            continue
        start, end = selector.get("start"), selector.get("end")
        if _whole(start) and _whole(end):
            return start, end
    return None


def reading_key(selectors, created, ident) -> tuple:
    """Sort key of one annotation of a post: placed passages by position, then the rest by age.

    `created` and `ident` need only compare among the post's annotations (stored microseconds or
    ISO times, database or client ids).
    """
    place = position(selectors)
    if place is None:
        return (1, 0, 0, created, ident)
    return (0, place[0], place[1], created, ident)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
