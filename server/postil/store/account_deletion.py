"""A user's whole account: delete it with everything it holds, and read what its export lists.

Deleting an account removes the user, their tokens, counted failed sign-ins and what they
read of the replies to them, every annotation that is not public (live or tombstone, with its
tag rows) and every trace of their private reading kept on posts (`url_user` on `post` and
`post_url`, `modified_user`). Their public annotations are either deleted (each leaves a
tombstone, emptied, so clients that sync learn it is gone; one that live replies answer keeps
its passage, to head their thread) or kept with their text and re-owned by the one anonymous
account (`models.ANONYMOUS_NAME`), which answers show with no author. Posts are shared records:
one that WordPress registered stays; one that only the deleted annotations made is removed. The
annotations go in batches, each a write of its own; the account and what is left go in the last
one (`delete_account` says why).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from peewee import Case, IntegrityError, fn

from ..db import database, is_postgres, run_write
from ..models import (
    ANONYMOUS_NAME,
    NO_PASSWORD,
    Annotation,
    AnnotationTag,
    Post,
    PostRegistration,
    PostUrl,
    ReplyMarker,
    SignInThrottle,
    Token,
    User,
    now_us,
)
from ..parse import PUBLIC_ANNOTATION_CHOICES
from . import changes as change_log
from . import groups, moderation
from .throttle import user_key

# Annotations per write transaction while deleting an account.
BATCH = 1000


@dataclass(frozen=True)
class Deleted:
    """What an account deletion did, for the CLI to say."""

    private: int
    public: int
    public_choice: str
    posts: int


def account_summary(user: User) -> tuple[int, int]:
    """Return how many live non-public and public annotations `user` has."""
    live = (Annotation.user == user.id) & (Annotation.deleted == False)  # noqa: E712
    public = Annotation.visibility == "public"
    return (Annotation.select().where(live & ~public).count(),
            Annotation.select().where(live & public).count())


def delete_account(user: User, public_choice: str) -> Deleted:
    """Delete `user` and what they made; `public_choice` says what becomes of public annotations.

    "delete": each becomes a tombstone with no content; "anonymise": each keeps its text, tags,
    colour and selectors under the anonymous account. Either way it is re-owned (a tombstone
    must name no author either) and its version and update time move on, so a client syncing
    with `updated_since` replaces what it kept.

    The annotations go BATCH at a time, each batch a write of its own, so other writers wait
    for one batch, not for a whole large account (bench/README.md, "Account deletion"); the
    last write takes what is left, the account and its traces together. Cut short, the account
    is still there with fewer annotations, and deleting it again finishes the work.
    """
    if public_choice not in PUBLIC_ANNOTATION_CHOICES:
        raise ValueError(public_choice)
    me = user.id
    n_private = n_public = 0
    touched: set[int] = set()
    while True:
        private, public, posts = run_write(lambda: _dispose(me, public_choice, BATCH))
        n_private, n_public = n_private + private, n_public + public
        touched |= posts
        if not posts:
            break

    def finish() -> tuple[int, int, set[int], int]:
        if is_postgres():
            # A create or edit of this user's committing while we finish would escape both the
            # re-owning and the deletion; the lock makes it wait, then fail on the missing user.
            database.execute_sql('SELECT id FROM "user" WHERE id = %s FOR UPDATE', [me])
        private, public, posts = _dispose(me, public_choice, None)  # made since the batches
        # A group the account owned alone gets a new owner (or, empty, is dissolved).
        groups.before_account_deletion(me)
        _forget_private_addresses(me)
        # Failed sign-ins under the name are bookkeeping of an account that is no more.
        SignInThrottle.delete().where(SignInThrottle.key == user_key(user.name)).execute()
        Token.delete().where(Token.user == me).execute()
        ReplyMarker.delete().where(ReplyMarker.user == me).execute()
        change_log.forget_user(me)
        moderation.forget_user(me)
        User.delete().where(User.id == me).execute()
        return private, public, posts, _remove_orphan_posts(sorted(touched | posts))

    private, public, _, removed = run_write(finish)
    return Deleted(n_private + private, n_public + public, public_choice, removed)


def _dispose(me: int, public_choice: str, limit: int | None) -> tuple[int, int, set[int]]:
    """Delete up to `limit` (None: all) of the user's non-public annotations and anonymise or
    empty as many public ones, re-owned; return how many live ones of each, and their posts."""
    query = Annotation.select(Annotation.pk, Annotation.post, Annotation.visibility,
                              Annotation.deleted, Annotation.uid, Annotation.user,
                              Annotation.shares_id, Annotation.group,
                              Annotation.hidden).where(Annotation.user == me)
    rows = list((query.order_by(Annotation.pk).limit(limit) if limit else query).dicts())
    private = [r["pk"] for r in rows if r["visibility"] != "public"]
    public = [r["pk"] for r in rows if r["visibility"] == "public"]
    live = {r["pk"] for r in rows if not r["deleted"]}
    for r in rows:
        kind = ("purge" if r["visibility"] != "public"
                else "delete" if public_choice == "delete" else "update")
        change_log.record(kind, r["pk"], r["post"], r["uid"],
                          before=r | {"user_id": r["user"], "group_id": r["group"]})
    for chunk in _chunks(private):
        AnnotationTag.delete().where(AnnotationTag.annotation.in_(chunk)).execute()
        Annotation.delete().where(Annotation.pk.in_(chunk)).execute()
    if public:
        stamp = now_us()
        changes = {
            Annotation.user: _anonymous_author().id,
            Annotation.version: Annotation.version + 1,
            Annotation.updated_us: Case(None, [(Annotation.updated_us >= stamp,
                                                Annotation.updated_us + 1)], stamp),
            # A W3C client's own IRI for it may name its author.
            Annotation.via: None,
        }
        if public_choice == "delete":
            changes.update({Annotation.deleted: True, Annotation.quote: "", Annotation.note: "",
                            Annotation.note_html: "", Annotation.selectors: [],
                            Annotation.tags: [], Annotation.tags_text: ""})
        for chunk in _chunks(public):
            if public_choice == "delete":
                AnnotationTag.delete().where(AnnotationTag.annotation.in_(chunk)).execute()
                # A tombstone that live replies answer keeps its passage, so their thread
                # stays where it was (as `store.annotations.delete_annotation` does).
                heads = [pk for (pk,) in Annotation.select(Annotation.parent).distinct().where(
                    Annotation.parent.is_null(False) & Annotation.parent.in_(chunk)
                    & (Annotation.deleted == False)  # noqa: E712
                ).tuples()]
                if heads:
                    Annotation.update({k: v for k, v in changes.items()
                                       if k.name not in ("quote", "selectors")}).where(
                        Annotation.pk.in_(heads)).execute()
                    chunk = [pk for pk in chunk if pk not in set(heads)]
            Annotation.update(changes).where(Annotation.pk.in_(chunk)).execute()
    return (len(live.intersection(private)), len(live.intersection(public)),
            {r["post"] for r in rows})


def _chunks(pks: list[int], size: int = 500) -> Iterator[list[int]]:
    """Split a list of keys into pieces that stay under every database's parameter limit."""
    for start in range(0, len(pks), size):
        yield pks[start:start + size]


def _anonymous_author() -> User:
    """Return the anonymous account, made on first need (call inside a write)."""
    found = User.get_or_none(User.name == ANONYMOUS_NAME)
    if found is not None:
        return found
    try:
        with database.atomic():
            # Disabled too: no token of it could work, whatever else changes.
            return User.create(name=ANONYMOUS_NAME, password_hash=NO_PASSWORD, disabled=True)
    except IntegrityError:  # made by a deletion that committed in between
        return User.get(User.name == ANONYMOUS_NAME)


def _forget_private_addresses(user_id: int) -> None:
    """Drop what the user's private annotations told of posts: URLs, titles, `modified_gmt`.

    A post whose own URL and title only they were shown gets the address its key makes and no
    title, as everyone else was shown already (so its `updated` does not move: nothing anyone
    else sees changed). Nothing may keep the user's id either: SQLite can give the next account
    the same one.
    """
    PostUrl.delete().where(PostUrl.url_user == user_id).execute()
    for post in Post.select(Post.id, Post.site, Post.post_id, Post.url_key, Post.url).where(
            Post.url_user == user_id):
        Post.update(url=post.key_url(), title="", link_key=None, url_user=None).where(
            Post.id == post.id).execute()
    Post.update(private_modified_gmt=None, modified_user=None).where(
        Post.modified_user == user_id).execute()


def _remove_orphan_posts(post_pks: list[int]) -> int:
    """Delete the posts among `post_pks` that WordPress did not register and nothing annotates."""
    removed = 0
    for start in range(0, len(post_pks), 500):
        batch = post_pks[start:start + 500]
        orphans = [pk for (pk,) in Post.select(Post.id).where(
            Post.id.in_(batch) & (Post.registered == False)  # noqa: E712
            & ~fn.EXISTS(Annotation.select(Annotation.pk).where(Annotation.post == Post.id)))
            .tuples()]
        if orphans:
            PostUrl.delete().where(PostUrl.post.in_(orphans)).execute()
            removed += Post.delete().where(Post.id.in_(orphans)).execute()
    return removed


def annotated_posts(user: User, batch: int = 500) -> Iterator[tuple[Post, int, bool]]:
    """Yield each post `user` has a live annotation on or registered (`PUT /api/posts`): the
    post, how many live annotations of theirs it has, and whether they registered it; in
    batches of posts."""
    counts = dict(Annotation.select(Annotation.post, fn.COUNT(Annotation.pk))
                  .where((Annotation.user == user.id) & (Annotation.deleted == False))  # noqa: E712
                  .group_by(Annotation.post).tuples())
    registered = {pk for (pk,) in PostRegistration.select(PostRegistration.post)
                  .where(PostRegistration.user == user.id).tuples()}
    pks = sorted(set(counts) | registered)
    for start in range(0, len(pks), batch):
        chunk = pks[start:start + batch]
        for post in Post.select().where(Post.id.in_(chunk)).order_by(Post.id):
            yield post, counts.get(post.id, 0), post.id in registered
