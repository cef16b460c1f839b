"""Numbers about annotations: how many a viewer sees per post, and the passages most highlighted.

Counts say how many, never who: `popular_passages` counts what everyone may see.
"""

from __future__ import annotations

from peewee import SQL, fn

from ..models import Annotation, Post, User


def annotation_counts(viewer: User | None, post_pks: list[int]) -> dict[int, int]:
    """Return, for each post, how many live annotations on it the viewer sees.

    Replies are not counted: a post's count is of its highlights and page notes, what a page
    shows; each one's `reply_count` says how many answer it.
    """
    if not post_pks:
        return {}
    rows = (Annotation.select(Annotation.post, fn.COUNT(Annotation.pk).alias("n"))
            .where(Annotation.post.in_(post_pks) & Annotation.visible_to(viewer)
                   & (Annotation.deleted == False) & Annotation.parent.is_null())  # noqa: E712
            .group_by(Annotation.post).tuples())
    return {post_pk: n for post_pk, n in rows}


def popular_passages(post: Post, limit: int = 20) -> list[dict]:
    """Return the passages most highlighted in annotations everyone may see: counts, not names."""
    norm = fn.TRIM(Annotation.quote)
    rows = (Annotation.select(norm.alias("quote"), fn.COUNT(Annotation.pk).alias("n"),
                              fn.MIN(Annotation.created_us).alias("first"))
            .where((Annotation.post == post.id) & Annotation.visible_to(None)
                   & (Annotation.deleted == False) & (Annotation.quote != ""))  # noqa: E712
            .group_by(norm).order_by(SQL("n").desc(), SQL("first").asc()).limit(limit).tuples())
    return [{"quote": quote, "count": n} for quote, n, _ in rows]


def shows_work_of(viewer: User | None, author: User) -> bool:
    """Say whether the viewer sees anything `author` wrote (or is the author)."""
    if viewer is not None and viewer.id == author.id:
        return True
    return Annotation.select().where((Annotation.user == author.id)
                                     & Annotation.visible_to(viewer)
                                     & (Annotation.deleted == False)).exists()  # noqa: E712
