"""The JSON clients read — an annotation, a post, a user — as one viewer is shown them.

Every answer of the API, every export and the W3C mapping build their dicts here, from a row and
the viewer asking; nothing here reads hidden state. Which post URL a viewer is shown follows
`Post.shown_url_to` (the same rule in SQL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from .models import ANONYMOUS_NAME, Annotation, Invite, Membership, Post, Token, User

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(us: int | None) -> str | None:
    """Format stored microseconds as ISO 8601 UTC with a `Z`, to the millisecond."""
    if us is None:
        return None
    seconds, micros = divmod(us, 1_000_000)
    return f"{_iso_second(seconds)}.{micros // 1000:03d}Z"


@lru_cache(maxsize=4096)
def _iso_second(seconds: int) -> str:
    # Speed: equals datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") in integer
    # arithmetic, cached (bench/README.md, "Where a create's time goes": the answer).
    t = _EPOCH + timedelta(seconds=seconds)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"


class OwnAddresses:
    """The address and title a viewer's own private annotations last gave each post, read once.

    Made per answer (a page of annotations on one post asks the database once) and passed in;
    never kept between requests, so nothing of one viewer reaches another. It also answers
    which groups the viewer is in now (`member_of`), read once per answer when first asked.
    """

    def __init__(self, viewer: User | None):
        self.viewer_id = viewer.id if viewer is not None else None
        self._seen: dict[int, tuple[str, str] | None] = {}
        self._groups: set[int] | None = None

    def member_of(self, group_pk: int) -> bool:
        if self.viewer_id is None:
            return False
        if self._groups is None:
            self._groups = {g for (g,) in Membership.select(Membership.group).where(
                Membership.user == self.viewer_id).tuples()}
        return group_pk in self._groups

    def of(self, post: Post) -> tuple[str, str] | None:
        if self.viewer_id is None:
            return None
        if post.id not in self._seen:
            self._seen[post.id] = post.own_address(self.viewer_id)
        return self._seen[post.id]


def post_summary(post: Post, viewer: User | None, addresses: OwnAddresses | None = None
                 ) -> dict:
    """The post as an annotation carries it: its ids, and the URL and title the viewer is shown.

    Another reader's private annotation may have named the URL and title (a preview link, a
    session parameter): the viewer is shown their own, else the address the post's key gives.
    """
    url, title = post.url, post.title
    if post.url_user is not None and post.url_user != (viewer.id if viewer else None):
        own = (addresses or OwnAddresses(viewer)).of(post)
        url, title = own or (post.key_url(), "")
    return {"id": post.id, "site": post.site, "post_id": post.post_id, "url": url,
            "title": title}


def post_json(post: Post, viewer: User | None, count: int | None = None, *,
              addresses: OwnAddresses | None = None) -> dict:
    """The post as /api/posts answers it; `count` is how many annotations the viewer sees.

    Nothing in it comes from another reader's private annotations: a shared post's times are
    when it became everyone's and when what everyone is shown last changed; a post only private
    annotations name (so the viewer's own among them) is dated by the viewer's own; a private
    annotation's `modified_gmt` is shown to its author alone.
    """
    viewer_id = viewer.id if viewer is not None else None
    if post.shared_us is not None:
        created, updated = post.shared_us, post.updated_us
    elif viewer_id is not None:
        created, updated = post.own_times(viewer_id)
    else:
        created = updated = None  # never listed to them: known_to needs a visible annotation
    modified = post.modified_gmt
    if post.modified_user is not None and post.modified_user == viewer_id \
            and (post.private_modified_gmt or "") > (modified or ""):
        modified = post.private_modified_gmt
    out = post_summary(post, viewer, addresses) | {
        "type": post.type or None,
        "slug": post.slug or None,
        "guid": post.guid or None,
        "modified_gmt": modified,
        "registered": post.registered,
        "created": iso(created),
        "updated": iso(updated),
    }
    if count is not None:
        out["annotation_count"] = count
    return out


def annotation_json(annotation: Annotation, viewer: User | None, *,
                    addresses: OwnAddresses | None = None,
                    reply_counts: dict[int, int] | None = None) -> dict:
    """The annotation in Postil's native JSON (the API adds `links`; exports take it as is).

    `reply_counts` (`store.reply_counts`: pk to how many replies below it the viewer sees)
    adds `reply_count`; the API answers carry it, exports rebuild threads from `reply_to`.
    """
    data = {
        "id": annotation.uid,
        "post": post_summary(annotation.post, viewer, addresses),
        "user": author_name(annotation.user),
        "quote": annotation.quote,
        "selectors": annotation.selectors,
        "note": annotation.note,
        "note_html": annotation.note_html,
        "color": annotation.color,
        "tags": annotation.tags,
        "visibility": annotation.visibility,
        **group_fields(annotation, viewer, addresses),
        "created": iso(annotation.created_us),
        "updated": iso(annotation.updated_us),
        "version": annotation.version,
        "deleted": annotation.deleted,
        "reply_to": annotation.reply_to,
    }
    if annotation.visibility == "public" and annotation.hidden:
        # Withheld by its site (only its author and the site's moderators see it at all).
        data["moderation"] = "pending" if annotation.pending else "hidden"
    if reply_counts is not None:
        data["reply_count"] = reply_counts.get(annotation.pk, 0)
    return data


def group_fields(annotation: Annotation, viewer: User | None,
                 addresses: OwnAddresses | None = None) -> dict:
    """`group` (its id) and `group_name` of a group's annotation, else None; and `hidden`.

    Only those who may see a hidden annotation receive it (`Annotation.visible_to`), so
    `hidden` tells nobody anything they may not know. What is the group's to say (its name, and
    whether its moderators hid the annotation) is shown to its current members alone: an author
    who left, or whose thread was moved into a group they are not in, still sees their own
    annotation and its group's id, and nothing more of the group (`group_name` None, `hidden`
    false). Anyone else sees a group's annotation only as a member.
    """
    if annotation.group_id is None:
        return {"group": None, "group_name": None, "hidden": bool(annotation.hidden)}
    group = annotation.group
    mine = viewer is not None and annotation.user_id == viewer.id
    if mine and not (addresses or OwnAddresses(viewer)).member_of(annotation.group_id):
        return {"group": group.gid, "group_name": None, "hidden": False}
    return {"group": group.gid, "group_name": group.name, "hidden": bool(annotation.hidden)}


def record_json(annotation: Annotation, viewer: User | None, *,
                addresses: OwnAddresses | None = None) -> dict:
    """The annotation as exports and the W3C protocol carry it: `annotation_json` and `via`.

    `via` (the IRI a W3C client gave it, when the server minted its own) is there only when
    there is one; the API leaves it out, as the extension's contract has no such field.
    """
    data = annotation_json(annotation, viewer, addresses=addresses)
    if annotation.via:
        data["via"] = annotation.via
    return data


def session_json(token: Token, expires_us: int | None, *, current: bool) -> dict:
    """One of the viewer's own sessions (a token), never its secret: it is not even stored."""
    return {"id": token.id, "label": token.label, "created": iso(token.created_us),
            "last_used": iso(token.last_used_us), "expires": iso(expires_us),
            "current": current}


def author_name(user: User) -> str | None:
    """The author's name as answers show it: None for a deleted account's anonymised work."""
    return None if user.name == ANONYMOUS_NAME else user.name


def group_json(view) -> dict:
    """A group as one member sees it (`store.groups.GroupView`): with their role in it."""
    group = view.group
    return {"id": group.gid, "name": group.name, "description": group.description,
            "role": view.role or None, "member_count": view.members,
            "created": iso(group.created_us)}


def member_json(membership: Membership, user: User) -> dict:
    return {"user": user.name, "role": membership.role, "joined": iso(membership.joined_us)}


def invite_json(invite: Invite, created_by: str) -> dict:
    """An invite as its group's managers see it; never its token (only its hash is kept)."""
    return {"id": invite.id, "created": iso(invite.created_us), "created_by": created_by,
            "expires": iso(invite.expires_us), "max_uses": invite.max_uses,
            "uses": invite.uses, "status": invite.status()}


def user_json(user: User) -> dict:
    return {"name": user.name, "created": iso(user.created_us)}


def site_json(view, *, you: dict | None = None, people: dict | None = None) -> dict:
    """A registered site (`store.sites.SiteView`) as anyone sees it; with `you` (the viewer's
    own roles, when signed in), and `moderators` and `members` for an operator (`people`)."""
    body = {"site": view.key, "name": view.site.name, "origins": list(view.origins),
            "policy": view.policy}
    if you is not None:
        body["you"] = you
    if people is not None:
        body["moderators"] = people["moderator"]
        body["members"] = people["member"]
    return body
