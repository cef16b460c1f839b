"""Reading and writing annotations and posts for a given user, visibility enforced in one place.

The HTTP views, the exporters and the W3C protocol all call these functions, so a rule such as
"someone else's private annotation does not exist for you" is written once.
"""

from __future__ import annotations

from collections.abc import Iterator

from peewee import SQL, IntegrityError, Tuple, fn

from . import postkey
from . import validation as v
from .db import database, is_postgres, run_write
from .domain_errors import Conflict, Forbidden, Gone, Invalid, NotFound, PreconditionFailed
from .models import Annotation, AnnotationTag, Post, PostUrl, User, now_us
from .parse import Filters, NewAnnotation, PostKey, encode_cursor, search_words

# ---------------------------------------------------------------- posts

def resolve_post(ref: PostKey, *, create: bool = True, reader: User | None = None,
                 share: bool = True) -> Post:
    """Find (or create) the post `ref` names; call inside a write.

    Given a `reader`, a Postil post id they may not know of (see `visible_posts`) is "no such
    post", so ids cannot be walked to learn what others read privately.
    """
    if ref.post_pk is not None:
        where = Post.id == ref.post_pk
        if reader is not None:
            where &= visible_posts(reader)
        post = Post.select().where(where).first()
        if post is None:
            raise Invalid("post.id", "no such post")
        return post
    url, title, modified = ref.url, ref.title, ref.modified
    # Locked: what changes below is decided from this row, and on PostgreSQL a concurrent
    # public annotation could otherwise make a private URL everyone's in between.
    post = Post.by_key(ref.site, ref.post_id, ref.url_key, for_update=True)
    if post is None:
        if not create:
            raise Invalid("post", "no such post")
        lookup = {"site": ref.site, "post_id": ref.post_id, "url_key": ref.url_key}
        shown_to = None if share or reader is None else reader.id
        try:
            with Post._meta.database.atomic():
                post = Post.create(**lookup, url=url, title=title, modified_gmt=modified,
                                   link_key=_link_key(url), url_user=shown_to)
        except IntegrityError:
            post = Post.by_key(ref.site, ref.post_id, ref.url_key)
        return post
    # The newest URL and title a reader saw win, unless WordPress itself told us (registered).
    # Those of a private annotation are its author's alone (`url_user`): they fill a post that
    # has neither, replace only their own, and are shown to nobody else; a public annotation's
    # are everyone's and replace them.
    changes = {}
    seen_at = _link_key(url) if url else None
    hidden = post.url_user is not None
    if not post.registered:
        if share and url:
            if url != post.url:
                changes.update(url=url, link_key=seen_at)
            if hidden:
                changes.update(url_user=None, title=title)  # no private title stays behind
            elif title and title != post.title:
                changes["title"] = title
        elif share and title and not hidden and title != post.title:
            changes["title"] = title
        elif not share and reader is not None:
            own = post.url_user == reader.id
            blank = not hidden and not post.url and not post.title
            if own or blank:
                if url and url != post.url:
                    changes.update(url=url, link_key=seen_at)
                if title and title != post.title:
                    changes["title"] = title
                if changes:
                    changes["url_user"] = reader.id  # never a private URL without its owner
    if modified and (post.modified_gmt or "") < modified:
        changes["modified_gmt"] = modified
    # Every address the post was read at keeps finding it with `url=`: the one a new URL
    # replaces, and one that did not become the post's own (a ?p= visit, an older slug).
    if seen_at and seen_at != post.link_key:
        if changes.get("link_key") == seen_at:
            if post.link_key:
                PostUrl.remember(post.id, post.link_key, post.url_user)
        else:
            PostUrl.remember(post.id, seen_at, None if share else reader and reader.id, title,
                             url)
    elif seen_at and not share and reader is not None and post.url_user not in (None, reader.id):
        # The post's own address, but another reader's private annotation gave it with their
        # title: this reader is shown it with the title their own page gave (Post.own_address).
        PostUrl.remember(post.id, seen_at, reader.id, title, url)
    if changes:
        changes["updated_us"] = now_us()
        Post.update(**changes).where(Post.id == post.id).execute()
        for k, val in changes.items():
            setattr(post, k, val)
    return post


def _link_key(url: str) -> str | None:
    try:
        return postkey.normalise_url(url) if url else None
    except postkey.PostKeyError:
        return None


def register_post(fields: dict) -> tuple[Post, bool]:
    """Create or update a post from WordPress's own metadata (`wordpress.post_fields`).

    Returns the post and whether it is new. What WordPress says wins over what readers' pages said.
    """
    fields = fields | {"link_key": _link_key(fields["url"])}

    def write() -> tuple[Post, bool]:
        post = Post.by_key(fields["site"], fields["post_id"], None, for_update=True)
        if post is None:
            return Post.create(**fields, registered=True), True
        if post.link_key and post.link_key != fields["link_key"]:
            PostUrl.remember(post.id, post.link_key, post.url_user)
        Post.update(**fields, registered=True, url_user=None, updated_us=now_us()).where(
            Post.id == post.id).execute()
        return Post.get_by_id(post.id), False

    return run_write(write)


def visible_posts(user: User | None):
    """Posts a reader may know of: registered from WordPress, or holding an annotation they see.

    A post that only another user's private annotation created would tell who read what.
    """
    seen = (Annotation.select(Annotation.post)
            .where(Annotation.visible_to(user) & (Annotation.deleted == False)))  # noqa: E712
    return (Post.registered == True) | Post.id.in_(seen)  # noqa: E712


def annotation_counts(user: User | None, post_ids: list[int]) -> dict[int, int]:
    if not post_ids:
        return {}
    rows = (Annotation.select(Annotation.post, fn.COUNT(Annotation.pk).alias("n"))
            .where(Annotation.post.in_(post_ids) & Annotation.visible_to(user)
                   & (Annotation.deleted == False))  # noqa: E712
            .group_by(Annotation.post).tuples())
    return {post_id: n for post_id, n in rows}


def get_visible_post(user: User | None, post_pk: int) -> Post:
    if not 0 < post_pk < 2**63:  # the URL converter takes any size; the database does not
        raise NotFound(f"no post {post_pk}")
    post = Post.select().where((Post.id == post_pk) & visible_posts(user)).first()
    if post is None:
        raise NotFound(f"no post {post_pk}")
    return post


def popular_passages(post: Post, limit: int = 20) -> list[dict]:
    """Return the passages most highlighted in public annotations: counts, never names."""
    norm = fn.TRIM(Annotation.quote)
    rows = (Annotation.select(norm.alias("quote"), fn.COUNT(Annotation.pk).alias("n"),
                              fn.MIN(Annotation.created_us).alias("first"))
            .where((Annotation.post == post.id) & (Annotation.visibility == "public")
                   & (Annotation.deleted == False) & (Annotation.quote != ""))  # noqa: E712
            .group_by(norm).order_by(SQL("n").desc(), SQL("first").asc()).limit(limit).tuples())
    return [{"quote": quote, "count": n} for quote, n, _ in rows]


# ---------------------------------------------------------------- annotations

def _set_tag_rows(annotation: Annotation, tags: list[str]) -> None:
    AnnotationTag.delete().where(AnnotationTag.annotation == annotation.pk).execute()
    _insert_tag_rows(annotation.pk, tags, annotation.created_us)


def _insert_tag_rows(pk: int, tags: list[str], created_us: int) -> None:
    """One row per tag, lower-cased, with the annotation's creation time (for `tag=` order)."""
    if tags:
        p = database.param
        database.execute_sql(
            "INSERT INTO annotation_tag (annotation_id, name, created_us) VALUES "
            + ", ".join([f"({p}, {p}, {p})"] * len(tags)),
            [x for t in tags for x in (pk, t.lower(), created_us)])


def create_annotation(user: User, new: NewAnnotation, *, keep_times: dict | None = None
                      ) -> tuple[Annotation, bool]:
    """Store a new annotation; the same client id again returns the stored one unchanged."""
    uid, fields = new.uid, new.fields

    def write() -> Annotation:
        post = resolve_post(new.post, reader=user, share=fields.get("visibility") == "public")
        stamp = now_us()
        times = {"created_us": stamp, "updated_us": stamp} | (keep_times or {})
        values = {"uid": uid, "post_id": post.id, "user_id": user.id, "quote": "",
                  "selectors": [], "note": "", "note_html": "", "color": "yellow",
                  "tags": [], "tags_text": "", "visibility": "private", "deleted": False,
                  "version": 1} | fields | times
        pk = Annotation.insert_new(values)
        if pk is None:
            raise _IdTaken  # and undo anything resolve_post changed
        _insert_tag_rows(pk, fields.get("tags") or [], values["created_us"])
        annotation = Annotation(__no_default__=True, pk=pk, post=post, user=user,
                                **{k: val for k, val in values.items()
                                   if k not in ("post_id", "user_id")})
        annotation.post, annotation.user = post, user
        return annotation

    try:
        return run_write(write), True
    except _IdTaken:
        # Sent before (a retry whose answer was lost), or someone else's id.
        return _same_owner(_by_uid(uid), user), False


class _IdTaken(Exception):
    """The annotation id exists already."""


def _same_owner(existing: Annotation, user: User) -> Annotation:
    if existing.user_id != user.id:
        raise Conflict("an annotation with this id belongs to someone else; choose another id")
    return existing


def _by_uid(uid: str) -> Annotation | None:
    return (Annotation.select(Annotation, Post, User).join(Post)
            .switch(Annotation).join(User).where(Annotation.uid == uid).first())


def get_visible(user: User | None, uid: str, *, allow_deleted: bool = False) -> Annotation:
    """Return an annotation the reader may see: NotFound, or Gone for the owner's deleted one."""
    try:
        uid = v.uuid_string(uid)
    except Invalid:
        raise NotFound("no such annotation") from None
    annotation = _by_uid(uid)
    if annotation is None or not _may_see(user, annotation):
        raise NotFound("no such annotation")
    if annotation.deleted and not allow_deleted:
        if user is not None and annotation.user_id == user.id:
            raise Gone("this annotation was deleted")
        raise NotFound("no such annotation")
    return annotation


def _may_see(user: User | None, a: Annotation) -> bool:
    return a.visibility == "public" or (user is not None and a.user_id == user.id)


def get_owned(user: User, uid: str, *, allow_deleted: bool = False) -> Annotation:
    """Return the caller's own annotation; someone else's is 404 (private) or 403 (public)."""
    annotation = get_visible(user, uid, allow_deleted=allow_deleted)
    if annotation.user_id != user.id:
        raise Forbidden("only the author may change this annotation")
    return annotation


def check_version(annotation: Annotation, if_match) -> None:
    if if_match is not None and if_match != "*" and if_match != annotation.version:
        raise PreconditionFailed(f"the annotation changed (now version {annotation.version}); "
                                 "fetch it and try again", annotation.version)


def update_annotation(user: User, uid: str, fields: dict, if_match=None) -> Annotation:
    """Apply a checked patch (`parse.patch_body`) to the caller's annotation."""
    def write() -> Annotation | None:
        annotation = get_owned(user, uid)
        check_version(annotation, if_match)
        if not fields:
            return annotation
        changes = fields | {"version": annotation.version + 1,
                            "updated_us": max(now_us(), annotation.updated_us + 1)}
        if not _write_if_unchanged(annotation, changes):
            return None
        if "tags" in fields:
            _set_tag_rows(annotation, fields["tags"])
        for k, val in changes.items():
            setattr(annotation, k, val)
        return annotation

    for _attempt in range(3):
        annotation = run_write(write)
        if annotation is not None:
            return annotation
    raise Conflict("the annotation kept changing; try again")


def _write_if_unchanged(annotation: Annotation, changes: dict) -> bool:
    """Update the row only if its version is still the one read; say whether it was.

    PostgreSQL's read committed lets two PATCHes both read version N and pass If-Match; without
    this guard the second silently undid the first and both got ETag N+1. On a miss the caller
    reads again, so a stale If-Match becomes a 412 and a PATCH without one applies on top.
    """
    return Annotation.update(**changes).where(
        (Annotation.pk == annotation.pk) & (Annotation.version == annotation.version)
    ).execute() == 1


def delete_annotation(user: User, uid: str, if_match=None) -> None:
    """Replace the annotation by a tombstone; deleting a tombstone again is a no-op."""
    def write() -> bool:
        annotation = get_owned(user, uid, allow_deleted=True)
        if annotation.deleted:
            return True
        check_version(annotation, if_match)
        if not _write_if_unchanged(annotation, dict(
                deleted=True, quote="", note="", note_html="", selectors=[], tags=[],
                tags_text="", version=annotation.version + 1,
                updated_us=max(now_us(), annotation.updated_us + 1))):
            return False
        _set_tag_rows(annotation, [])
        return True

    for _attempt in range(3):
        if run_write(write):
            return
    raise Conflict("the annotation kept changing; try again")


# ---------------------------------------------------------------- queries

def _fulltext(q: str):
    # Whole words unless the reader writes `word*`: an implicit prefix on every word turns a
    # short common word into most of the table, and then into a slow count.
    words = search_words(q)
    if is_postgres():
        expr = " & ".join(f"{w}:*" if star else w for w, star in words)
        # Queries alias the table ("t1"), so "annotation.search" named nothing there (every q=
        # query failed); ask a subquery of its own, as the SQLite branch does.
        return Annotation.pk.in_(SQL("(SELECT pk FROM annotation "
                                     "WHERE search @@ to_tsquery('simple', %s))", [expr]))
    expr = " ".join('"' + w.replace('"', '""') + '"' + ("*" if star else "")
                    for w, star in words)
    return Annotation.pk.in_(SQL("(SELECT rowid FROM annotation_fts WHERE annotation_fts MATCH ?)",
                                 [expr]))


def condition(user: User | None, f: Filters, *, first_tag_joined: bool = False):
    """Return the WHERE clause for a reader and filters, visibility first.

    `first_tag_joined`: the query joins the first `tag=`'s rows itself (`_ordered_by_tag`), so
    only the other tags are conditions here.
    """
    cond = Annotation.visible_to(user)
    if not f.include_deleted:
        cond &= Annotation.deleted == False  # noqa: E712
    if f.updated_since is not None:
        cond &= Annotation.updated_us >= f.updated_since
    if f.created_after is not None:
        cond &= Annotation.created_us >= f.created_after
    if f.created_before is not None:
        cond &= Annotation.created_us < f.created_before
    if f.user is not None:
        author = User.by_name(f.user)
        cond &= Annotation.user == (author.id if author else -1)
    if f.post_pk is not None:
        cond &= Annotation.post == f.post_pk
    if f.site is not None or f.post_id is not None or f.url is not None:
        post_cond = True
        if f.site is not None:
            post_cond = Post.site == f.site
        if f.post_id is not None:
            post_cond &= Post.post_id == f.post_id
        if f.url is not None:
            earlier = PostUrl.select(PostUrl.post).where(
                (PostUrl.url_key == f.url) & PostUrl.url_user.in_([0, user.id if user else 0]))
            post_cond &= ((Post.url_key == f.url) | ((Post.link_key == f.url) & shown_url(user))
                          | Post.id.in_(earlier))
        cond &= Annotation.post.in_(Post.select(Post.id).where(post_cond))
    if f.color is not None:
        cond &= Annotation.color == f.color
    if f.visibility is not None:
        cond &= Annotation.visibility == f.visibility
    for tag in f.tags[1:] if first_tag_joined else f.tags:
        cond &= Annotation.pk.in_(AnnotationTag.select(AnnotationTag.annotation)
                                  .where(AnnotationTag.name == tag.lower()))
    if f.q is not None:
        cond &= _fulltext(f.q)
    return cond


def _sort_key(f: Filters):
    return Annotation.created_us if f.sort == "created" else Annotation.updated_us


def count(user: User | None, f: Filters) -> int:
    return Annotation.select(fn.COUNT(Annotation.pk)).where(condition(user, f)).scalar() or 0


def page(user: User | None, f: Filters) -> tuple[list[Annotation], str | None]:
    """Return one keyset page and the cursor for the next, or None at the end."""
    if f.limit == 0:
        return [], None
    rows = _with_post_and_user(_ordered(user, f, f.cursor).limit(f.limit + 1))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        key = last.created_us if f.sort == "created" else last.updated_us
        next_cursor = encode_cursor(f.sort, f.order, key, last.pk)
    return rows, next_cursor


def _ordered(user: User | None, f: Filters, after: tuple[int, int] | None):
    """Select the primary keys of matches in order; `_with_post_and_user` loads the rows."""
    if f.tags and f.sort == "created":
        return _ordered_by_tag(user, f, after)
    key = _sort_key(f)
    cond = condition(user, f)
    if after is not None:
        pair = Tuple(key, Annotation.pk)
        cond &= (pair < Tuple(*after)) if f.order == "desc" else (pair > Tuple(*after))
    ordering = [key.desc(), Annotation.pk.desc()] if f.order == "desc" else [key, Annotation.pk]
    return Annotation.select(Annotation.pk).where(cond).order_by(*ordering)


def _ordered_by_tag(user: User | None, f: Filters, after: tuple[int, int] | None):
    """`_ordered` for `tag=` queries in creation order, read from the tag's index.

    The index on the tag rows' (name, created_us, annotation_id) lists a tag's annotations in
    the page's order, so a page stops once it has found enough that the reader may see, instead
    of collecting and sorting every annotation with a common tag first. A tag row's creation
    time is its annotation's, so the order and the cursor are the same as `_ordered`'s.
    """
    t = AnnotationTag
    cond = condition(user, f, first_tag_joined=True) & (t.name == f.tags[0].lower())
    if after is not None:
        pair = Tuple(t.created_us, t.annotation)
        cond &= (pair < Tuple(*after)) if f.order == "desc" else (pair > Tuple(*after))
    ordering = ([t.created_us.desc(), t.annotation.desc()] if f.order == "desc"
                else [t.created_us, t.annotation])
    return (Annotation.select(Annotation.pk).join(t, on=(t.annotation == Annotation.pk))
            .where(cond).order_by(*ordering))


def _with_post_and_user(pk_query) -> list[Annotation]:
    """Load full rows, with post and author, for an ordered query of primary keys.

    Sorting and limiting on keys alone, then joining only the page, keeps a query whose filter
    matches thousands of rows (a common tag or word) from joining them all before the sort.
    """
    pks = [pk for (pk,) in pk_query.tuples()]
    if not pks:
        return []
    rows = {a.pk: a for a in Annotation.select(Annotation, Post, User).join(Post)
            .switch(Annotation).join(User).where(Annotation.pk.in_(pks))}
    return [rows[pk] for pk in pks if pk in rows]


def iterate(user: User | None, f: Filters, batch: int = 500) -> Iterator[Annotation]:
    """Yield every matching annotation in order, a keyset batch at a time (constant memory)."""
    after = f.cursor
    while True:
        rows = _with_post_and_user(_ordered(user, f, after).limit(batch))
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1]
        after = (last.created_us if f.sort == "created" else last.updated_us, last.pk)


def shown_url(user: User | None):
    """The condition "this reader is shown the post's URL and title" (see `Post.summary`)."""
    if user is None:
        return Post.url_user.is_null()
    return Post.url_user.is_null() | (Post.url_user == user.id)


def posts_query(user: User | None, site: str | None, q: str | None):
    cond = visible_posts(user)
    if site:
        cond &= Post.site == site
    if q:
        # contains() escapes % and _ and adds the ESCAPE clause SQLite needs (it has no default).
        # Only what the reader is shown can match: searching must not reveal the rest.
        found = shown_url(user) & (Post.title.contains(q) | Post.url.contains(q))
        if user is not None:
            # What the reader is shown in their place (Post.own_address: their newest own
            # address, with its scheme, and its title) matches for them, and nothing older.
            newest = PostUrl.alias("newest")
            latest = (newest.select(newest.id)
                      .where((newest.post == Post.id) & (newest.url_user == user.id))
                      .order_by(newest.created_us.desc(), newest.id.desc()).limit(1))
            shown = PostUrl.scheme.concat("://").concat(PostUrl.url_key)
            found |= (~shown_url(user)) & fn.EXISTS(PostUrl.select(SQL("1")).where(
                (PostUrl.id == latest) & (PostUrl.title.contains(q)
                                          | PostUrl.url_key.contains(q) | shown.contains(q))))
        cond &= found
    return Post.select().where(cond)



def iterate_by_post(user: User | None, f: Filters, batch: int = 500) -> Iterator[Annotation]:
    """Yield every matching annotation grouped by post, oldest first within a post, in batches.

    Exports that write one section or one file per post need a post's annotations together;
    keyset order on (post, created, pk) gives that without holding the result in memory.
    """
    cond = condition(user, f)
    after: tuple[int, int, int] | None = None
    while True:
        where = cond
        if after is not None:
            where &= Tuple(Annotation.post, Annotation.created_us, Annotation.pk) > Tuple(*after)
        rows = _with_post_and_user(
            Annotation.select(Annotation.pk).where(where)
            .order_by(Annotation.post, Annotation.created_us, Annotation.pk).limit(batch))
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1]
        after = (last.post_id, last.created_us, last.pk)
