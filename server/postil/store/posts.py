"""Posts: find or make the post an annotation names, register one from WordPress, list them.

A post's URL and title can be one reader's private knowledge (`Post.url_user`): what changes
them, and who is shown them, is decided here and in `Post.shown_url_to`.
"""

from __future__ import annotations

from peewee import SQL, IntegrityError, fn

from .. import postkey
from ..db import run_write
from ..domain_errors import Invalid, NotFound
from ..models import Annotation, Post, PostRegistration, PostUrl, User, now_us
from ..parse import PostKey, PostsQuery, encode_cursor


def resolve_post(ref: PostKey, *, create: bool = True, reader: User | None = None,
                 share: bool = True) -> Post:
    """Find (or create) the post `ref` names; call inside a write.

    Given a `reader`, a post row id (`post_pk`) they may not know of (see `Post.known_to`) is
    "no such post", so ids cannot be walked to learn what others read privately.
    """
    if ref.post_pk is not None:
        where = Post.id == ref.post_pk
        if reader is not None:
            where &= Post.known_to(reader)
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
        stamp = now_us()
        # A private annotation's post is nobody else's business yet: no shared time, and its
        # modified_gmt is its author's alone.
        private = {"modified_gmt": modified, "shared_us": stamp} if shown_to is None else {
            "private_modified_gmt": modified, "modified_user": shown_to if modified else None}
        try:
            with Post._meta.database.atomic():
                return Post.create(**lookup, url=url, title=title, link_key=ref.link_key,
                                   url_user=shown_to, created_us=stamp, updated_us=stamp,
                                   **private)
        except IntegrityError:
            # Made meanwhile (PostgreSQL): what this annotation says is applied to it below.
            post = Post.by_key(ref.site, ref.post_id, ref.url_key, for_update=True)
    # The newest URL and title a reader saw win, unless WordPress itself told us (registered).
    # Those of a private annotation are its author's alone (`url_user`): they fill a post that
    # has neither, replace only their own, and are shown to nobody else; a public annotation's
    # are everyone's and replace them.
    changes = {}
    seen_at = ref.link_key  # None without a url
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
    shared = share or reader is None
    # Only what everyone is shown moves the time everyone is shown (`updated_us`).
    changes_shared = shared and bool(changes)
    if shared and post.shared_us is None:
        changes["shared_us"] = now_us()
        changes_shared = True
    if modified and shared and (post.modified_gmt or "") < modified:
        changes["modified_gmt"] = modified
        changes_shared = True
    elif modified and not shared and max(post.modified_gmt or "",
                                         post.private_modified_gmt or "") < modified:
        # The newest a private annotation gave, for its author; another reader's older one is
        # replaced, which shows them nothing (they are then shown the shared one).
        changes.update(private_modified_gmt=modified, modified_user=reader.id)
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
        if changes_shared:
            changes["updated_us"] = changes.get("shared_us") or now_us()
        Post.update(**changes).where(Post.id == post.id).execute()
        for k, val in changes.items():
            setattr(post, k, val)
    return post


def _link_key(url: str) -> str | None:
    try:
        return postkey.normalise_url(url) if url else None
    except postkey.PostKeyError:
        return None


def register_post(fields: dict, editor: User | None = None) -> tuple[Post, bool]:
    """Create or update a post from WordPress's own metadata (`wordpress.post_fields`).

    Returns the post and whether it is new to `editor` (None: the operator, to whom a post is
    new when no row had it). What WordPress says wins over what readers' pages said.

    A post that only other readers' private annotations named does not exist for the editor:
    registering it is answered as for a new post (new to them, shared from now, with
    WordPress's fields), and from then on it is listed to everyone, as a new one would be.
    """
    fields = fields | {"link_key": _link_key(fields["url"])}

    def write() -> tuple[Post, bool]:
        post = Post.by_key(fields["site"], fields["post_id"], None, for_update=True)
        stamp = now_us()
        if post is None:
            post = Post.create(**fields, registered=True, shared_us=stamp, created_us=stamp,
                               updated_us=stamp)
            _note_registrar(post, editor)
            return post, True
        known = (Post.select().where((Post.id == post.id) & Post.known_to(editor)).exists()
                 if editor is not None else True)
        if not known and post.shared_us is None:
            # Its row id, older than any new post's, would tell the editor it existed.
            post = _renumbered(post.id)
        if post.link_key and post.link_key != fields["link_key"]:
            PostUrl.remember(post.id, post.link_key, post.url_user)
        became_shared = {"shared_us": stamp} if post.shared_us is None else {}
        Post.update(**fields, **became_shared, registered=True, url_user=None,
                    updated_us=stamp).where(Post.id == post.id).execute()
        _note_registrar(post, editor)
        return Post.get_by_id(post.id), not known

    return run_write(write)


def _note_registrar(post: Post, editor: User | None) -> None:
    """Remember that `editor` registered the post (the operator's CLI names nobody)."""
    if editor is not None:
        (PostRegistration.insert(post=post.id, user=editor.id)
         .on_conflict_ignore().execute())


def _renumbered(old_pk: int) -> Post:
    """Give the post a new row id (a new post's), keeping everything that points to it."""
    row = Post.select().where(Post.id == old_pk).dicts().get()
    del row["id"]
    # Free its key for the copy: (site, NULL) and a NULL url_key are unique to nobody.
    Post.update(post_id=None, url_key=None).where(Post.id == old_pk).execute()
    new_pk = Post.insert(**row).execute()
    Annotation.update(post=new_pk).where(Annotation.post == old_pk).execute()
    PostUrl.update(post=new_pk).where(PostUrl.post == old_pk).execute()
    Post.delete().where(Post.id == old_pk).execute()
    return Post.by_key(row["site"], row["post_id"], row["url_key"])


def get_visible_post(viewer: User | None, post_pk: int) -> Post:
    """Return the post with this row id if the viewer may know of it, else NotFound."""
    if not 0 < post_pk < 2**63:  # the URL converter takes any size; the database does not
        raise NotFound(f"no post {post_pk}")
    post = Post.select().where((Post.id == post_pk) & Post.known_to(viewer)).first()
    if post is None:
        raise NotFound(f"no post {post_pk}")
    return post


def posts_page(viewer: User | None, asked: PostsQuery) -> tuple[int, list[Post], str | None]:
    """Return the matching posts the viewer may know of: their total, a page, the next cursor."""
    query = posts_query(viewer, asked.site, asked.q)
    total = query.count()
    page = query.order_by(Post.id)
    if asked.after_pk is not None:
        page = page.where(Post.id > asked.after_pk)
    limit = asked.limit
    posts = list(page.limit(limit + 1)) if limit else []
    next_cursor = None
    if len(posts) > limit:
        posts = posts[:limit]
        next_cursor = encode_cursor("post", "asc", 0, posts[-1].id)
    return total, posts, next_cursor


def posts_query(viewer: User | None, site: str | None, q: str | None):
    """Select the posts the viewer may know of, on `site`, whose shown title or URL has `q`."""
    cond = Post.known_to(viewer)
    if site:
        cond &= Post.site == site
    if q:
        # contains() escapes % and _ and adds the ESCAPE clause SQLite needs (it has no default).
        # Only what the reader is shown can match: searching must not reveal the rest.
        found = Post.shown_url_to(viewer) & (Post.title.contains(q) | Post.url.contains(q))
        if viewer is not None:
            # What the reader is shown in their place (Post.own_address: their newest own
            # address, with its scheme, and its title) matches for them, and nothing older.
            newest = PostUrl.alias("newest")
            latest = (newest.select(newest.id)
                      .where((newest.post == Post.id) & (newest.url_user == viewer.id))
                      .order_by(newest.created_us.desc(), newest.id.desc()).limit(1))
            shown = PostUrl.scheme.concat("://").concat(PostUrl.url_key)
            found |= (~Post.shown_url_to(viewer)) & fn.EXISTS(PostUrl.select(SQL("1")).where(
                (PostUrl.id == latest) & (PostUrl.title.contains(q)
                                          | PostUrl.url_key.contains(q) | shown.contains(q))))
        cond &= found
    return Post.select().where(cond)
