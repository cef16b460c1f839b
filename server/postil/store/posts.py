"""Posts: find or make the post an annotation names, register one from WordPress, list them.

A post's URL and title can be one reader's private knowledge (`Post.url_user`): what changes
them, and who is shown them, is decided here and in `Post.shown_url_to`.
"""

from __future__ import annotations

from peewee import SQL, IntegrityError, fn

from .. import postkey
from ..db import run_write
from ..domain_errors import Invalid, NotFound
from ..models import Post, PostUrl, User, now_us
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
