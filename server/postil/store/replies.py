"""Replies read together: a thread under an annotation, reply counts, and the replies to you.

A thread is gathered by its `root` (one indexed read) and walked in Python through `parent`.
What the viewer may not see is never listed or counted (`Annotation.visible_to`); tombstones
are listed only where they still head replies the viewer sees, so a thread stays readable.
"""

from __future__ import annotations

from collections import defaultdict

from peewee import Tuple, fn

from ..db import run_write
from ..domain_errors import Gone, NotFound
from ..models import Annotation, ReplyMarker, User, now_us
from ..parse import encode_cursor
from .annotations import get_visible

LIVE = Annotation.deleted == False  # noqa: E712


def in_threads(roots) -> object:
    """The condition "a reply in one of these threads", through the index of replies alone
    (its `IS NOT NULL` lets every database's planner use that partial index)."""
    return Annotation.root.is_null(False) & Annotation.root.in_(list(roots))


def reply_counts(viewer: User | None, annotations: list[Annotation], *,
                 quiet: frozenset[int] = frozenset()) -> dict[int, int]:
    """Return, for each annotation's pk, how many live replies below it the viewer may see.

    Replies of replies count too (the whole thread below it), through tombstones in between.
    `quiet`: pks whose thread the caller saw hold no live reply (`queries.page` reads that
    with the page itself): 0 for them, and nothing is asked when they are all.
    """
    roots = {a.root or a.pk for a in annotations if a.pk not in quiet}
    if not roots:
        return {a.pk: 0 for a in annotations}
    # Speed: the threads' shape first, a plain indexed read; most annotations have no replies,
    # and then the visibility rule is not even asked (bench/README.md, "Replies").
    shape = list(Annotation.select(Annotation.pk, Annotation.parent, Annotation.deleted)
                 .where(in_threads(roots)).order_by(Annotation.created_us, Annotation.pk)
                 .tuples())
    live = [pk for pk, _, deleted in shape if not deleted]
    if not live:
        return {a.pk: 0 for a in annotations}
    seen = {pk for (pk,) in Annotation.select(Annotation.pk).where(
        Annotation.pk.in_(live) & Annotation.visible_to(viewer)).tuples()}
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent, _ in shape:
        children[parent].append(pk)
    return {a.pk: sum(1 for pk in _below(a.pk, children) if pk in seen) for a in annotations}


def _children(roots) -> dict[int, list[int]]:
    """Return the threads' shape, parent pk to reply pks oldest first (every row: the shape
    is walked, never shown; what is shown is filtered by visibility)."""
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent in (Annotation.select(Annotation.pk, Annotation.parent)
                       .where(in_threads(roots))
                       .order_by(Annotation.created_us, Annotation.pk).tuples()):
        children[parent].append(pk)
    return children


def _below(pk: int, children: dict[int, list[int]]) -> list[int]:
    """Return the pks below `pk`, each reply followed by its own replies (thread order)."""
    out: list[int] = []
    stack = list(reversed(children.get(pk, [])))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children.get(node, [])))
    return out


def thread(viewer: User | None, uid: str) -> list[Annotation]:
    """Return the replies below the annotation `uid` that the viewer may see, in thread order.

    Flat: each reply followed by the replies to it, replies to one annotation oldest first.
    A tombstone is listed where a reply the viewer sees is below it, and nowhere else; the
    annotation itself may be such a tombstone. One the viewer may not see is NotFound.
    """
    head = get_visible(viewer, uid, allow_deleted=True)
    root = head.root or head.pk
    rows = {a.pk: a for a in Annotation.with_post_and_user().where(
        (Annotation.root == root) & Annotation.visible_to(viewer))}
    below = [pk for pk in _below(head.pk, _children({root})) if pk in rows]
    live = {pk for pk in below if not rows[pk].deleted}
    if head.deleted and not live:
        if viewer is not None and head.user_id == viewer.id:
            raise Gone("this annotation was deleted")
        raise NotFound("no such annotation")
    # A tombstone stays where something live is below it; walk up from each live reply.
    kept = set(live)
    for pk in live:
        parent = rows[pk].parent
        while parent in rows and parent != head.pk and parent not in kept:
            kept.add(parent)
            parent = rows[parent].parent
    return [rows[pk] for pk in below if pk in kept]


def _to_viewer(viewer: User):
    """The condition "a reply by someone else to one of the viewer's annotations"."""
    mine = Annotation.select(Annotation.pk).where(Annotation.user == viewer.id)
    return (Annotation.parent.is_null(False) & Annotation.parent.in_(mine)
            & (Annotation.user != viewer.id) & LIVE
            & Annotation.visible_to(viewer))


def replies_to(viewer: User, limit: int, after: tuple[int, int] | None
               ) -> tuple[list[Annotation], str | None]:
    """Return a page of the replies others wrote to the viewer's annotations, newest first."""
    cond = _to_viewer(viewer)
    if after is not None:
        cond &= Tuple(Annotation.created_us, Annotation.pk) < Tuple(*after)
    rows = list(Annotation.with_post_and_user().where(cond)
                .order_by(Annotation.created_us.desc(), Annotation.pk.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = (encode_cursor("created", "desc", rows[-1].created_us, rows[-1].pk)
              if more and rows else None)
    return rows, cursor


def read_until(viewer: User) -> int:
    """Return up to when (stored microseconds) the viewer has read the replies to them."""
    return (ReplyMarker.select(ReplyMarker.read_us).where(ReplyMarker.user == viewer.id)
            .scalar() or 0)


def replies_to_count(viewer: User, *, after_us: int | None = None) -> int:
    """Count the replies to the viewer's annotations; with `after_us`, those made after it."""
    cond = _to_viewer(viewer)
    if after_us is not None:
        cond &= Annotation.created_us > after_us
    return Annotation.select(fn.COUNT(Annotation.pk)).where(cond).scalar() or 0


def mark_read(viewer: User, until_us: int | None) -> int:
    """Mark the replies to the viewer read up to `until_us` (None: now); never backwards.

    Return the time now stored.
    """
    def write() -> int:
        when = now_us() if until_us is None else until_us
        ReplyMarker.insert(user=viewer.id, read_us=0).on_conflict_ignore().execute()
        ReplyMarker.update(read_us=when).where(
            (ReplyMarker.user == viewer.id) & (ReplyMarker.read_us < when)).execute()
        return read_until(viewer)

    return run_write(write)
