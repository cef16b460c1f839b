"""Annotations written and read one at a time: create, patch, delete, and get one by its id.

Writes go through `db.run_write` (one writer, group commit on SQLite): a `write` function may
run twice, so it returns what it did rather than counting. Someone else's private annotation
does not exist for you (NotFound); a public one you may read but not change (Forbidden).
"""

from __future__ import annotations

from peewee import IntegrityError

from ..db import database, run_write
from ..domain_errors import Conflict, Forbidden, Gone, Invalid, NotFound, PreconditionFailed
from ..models import MODERATING_ROLES, Annotation, AnnotationTag, Group, Post, User, now_us
from ..parse import NewAnnotation, Precondition
from ..validation import uuid_string
from . import changes as change_log
from . import groups
from .posts import resolve_post


def create_annotation(user: User, new: NewAnnotation, *, keep: dict | None = None
                      ) -> tuple[Annotation, bool]:
    """Store a new annotation; the same client id again returns the stored one unchanged.

    An id is taken for `user` only by what `resolve` finds for them: their own annotation (the
    stored one is returned: a retry) or a shared one (Conflict, which tells nothing: they may
    see it). Another reader's private annotation with the id does not exist for them, so the
    create is answered exactly as for a free id, and each author then sees their own.

    `keep` holds stored values that come from elsewhere, not from the body: an import's
    `created_us`, `updated_us` and `version`, and `via`, the IRI a W3C client gave it.
    """
    uid, fields = new.uid, dict(new.fields)
    try:
        group = _group_field(user, fields)
    except Invalid:
        # A retry of a create whose author has since left the group: the stored one, as ever.
        existing = resolve(user, uid)
        if existing is not None and existing.user_id == user.id:
            return existing, False
        raise

    def write() -> Annotation:
        holders = _holders(uid)
        if _taken_for(user, holders):
            raise _IdTaken  # nothing written yet
        # A group annotation's page address and title stay its author's, as a private one's:
        # the other members are shown the address the post's key gives (`present.post_summary`).
        post = resolve_post(new.post, reader=user, share=fields.get("visibility") == "public")
        stamp = now_us()
        times = {"created_us": stamp, "updated_us": stamp} | (keep or {})
        values = {"uid": uid, "post_id": post.id, "user_id": user.id, "quote": "",
                  "selectors": [], "note": "", "note_html": "", "color": "yellow",
                  "tags": [], "tags_text": "", "visibility": "private", "deleted": False,
                  "version": 1, "via": None, "group_id": None} | fields | times
        pk = Annotation.insert_new(values)
        if pk is None:
            raise _IdTaken  # made meanwhile; and undo anything resolve_post changed
        _insert_tag_rows(pk, fields.get("tags") or [], values["created_us"])
        change_log.record("create", pk, post.id, uid)
        if holders:
            # Other authors' private annotations have this id: mark them all (see shares_id).
            Annotation.update(shares_id=True).where(Annotation.uid == uid).execute()
            values["shares_id"] = True
        annotation = Annotation(__no_default__=True, pk=pk, post=post, user=user,
                                **{k: val for k, val in values.items()
                                   if k not in ("post_id", "user_id")})
        annotation.post, annotation.user, annotation.group = post, user, group
        return annotation

    try:
        return run_write(write), True
    except _IdTaken:
        # Sent before (a retry whose answer was lost), or a shared annotation's id.
        return _same_owner(resolve(user, uid), user), False


class _IdTaken(Exception):
    """The annotation id is taken for this author."""


def _holders(uid: str) -> list[tuple[int, str, int | None, bool]]:
    """Return (author, visibility, group, hidden) of every annotation with this id: almost
    always none."""
    # Speed: one probe of the (uid, user_id) index, in plain SQL (bench/README.md row
    # "HTTP POST /api/annotations, a real create").
    p = database.param
    return [(author, visibility, group, bool(hidden)) for author, visibility, group, hidden
            in database.execute_sql(f"SELECT user_id, visibility, group_id, hidden FROM "
                                    f"annotation WHERE uid = {p}", [uid]).fetchall()]


def _taken_for(user: User, holders: list[tuple[int, str, int | None, bool]]) -> bool:
    """Say whether the id is taken for `user`: by their own, or one they may see.

    Another reader's private annotation, or one in a group `user` is not in, takes nothing:
    it does not exist for them. Such ones are only marked as sharing the id once the new one
    is stored.
    """
    if any(author == user.id or visibility == "public"
           for author, visibility, _, _ in holders):
        return True
    if not any(visibility == "group" for _, visibility, _, _ in holders):
        return False
    roles = groups.group_ids_of(user)
    return any(visibility == "group" and group in roles
               and (not hidden or roles[group] in MODERATING_ROLES)
               for _, visibility, group, hidden in holders)


def _group_field(user: User, fields: dict) -> Group | None:
    """Turn a checked body's `group` (an id) into `group_id`; Invalid unless a member."""
    gid = fields.pop("group", None)
    if "visibility" not in fields:
        return None
    if fields["visibility"] != "group":
        fields["group_id"] = None
        return None
    group = groups.member_group(user, gid)
    fields["group_id"] = group.id
    return group


def _same_owner(existing: Annotation | None, user: User) -> Annotation:
    if existing is None or existing.user_id != user.id:
        raise Conflict("an annotation with this id is shared by someone else; choose another id")
    return existing


def resolve(viewer: User | None, uid: str) -> Annotation | None:
    """Return the annotation `uid` names for the viewer, tombstones included, or None.

    Their own with that id first, else the one shared annotation with it, if they may see it
    (`Annotation.visible_to`, which leaves out a public one their own shadows). Every lookup by
    id goes through here, so an id means the same annotation to a reader on every path.
    """
    return (Annotation.with_post_and_user()
            .where((Annotation.uid == uid) & Annotation.visible_to(viewer)).first())


def get_visible(viewer: User | None, uid: str, *, allow_deleted: bool = False) -> Annotation:
    """Return an annotation the viewer may see: NotFound, or Gone for the owner's deleted one."""
    try:
        uid = uuid_string(uid)
    except Invalid:
        raise NotFound("no such annotation") from None
    annotation = resolve(viewer, uid)
    if annotation is None:
        raise NotFound("no such annotation")
    if annotation.deleted and not allow_deleted:
        if viewer is not None and annotation.user_id == viewer.id:
            raise Gone("this annotation was deleted")
        raise NotFound("no such annotation")
    return annotation


def get_owned(user: User, uid: str, *, allow_deleted: bool = False) -> Annotation:
    """Return the caller's own annotation; someone else's is 404 (private) or 403 (public)."""
    annotation = get_visible(user, uid, allow_deleted=allow_deleted)
    if annotation.user_id != user.id:
        raise Forbidden("only the author may change this annotation")
    return annotation


def check_version(annotation: Annotation, if_match: Precondition | None) -> None:
    """Raise PreconditionFailed unless `if_match` (not sent: None) admits the stored version."""
    if if_match is not None and not if_match.admits(annotation.version):
        raise PreconditionFailed(f"the annotation changed (now version {annotation.version}); "
                                 "fetch it and try again", annotation.version)


def update_annotation(user: User, uid: str, fields: dict, if_match=None) -> Annotation:
    """Apply a checked patch (`parse.patch_body`) to the caller's annotation.

    A patch naming visibility "group" without a group keeps the group the annotation is in
    (Invalid if it is in none); naming a group needs the caller to be a member of it.
    """
    fields = dict(fields)
    gid = fields.pop("group", None)
    group = None
    if fields.get("visibility") == "group" and gid is not None:
        group = groups.member_group(user, gid)

    def write() -> Annotation | None:
        annotation = get_owned(user, uid)
        check_version(annotation, if_match)
        changes = dict(fields)
        if "visibility" in changes:
            if changes["visibility"] != "group":
                changes["group_id"] = None
            elif group is not None:
                changes["group_id"] = group.id
            elif annotation.visibility == "group" and annotation.group_id is not None:
                changes["group_id"] = annotation.group_id
            else:
                raise Invalid("group", "is required with visibility 'group': the id of one "
                                       "of your groups")
            moved = (changes["visibility"], changes["group_id"]) != (
                annotation.visibility, annotation.group_id)
            if not moved:
                del changes["visibility"], changes["group_id"]
            elif annotation.hidden:
                changes["hidden"] = False  # hidden by the group it leaves, not the next one
        if not changes:
            return annotation
        shares = "visibility" in changes and changes["visibility"] != "private"
        if shares and _shared_by_another(annotation, changes["visibility"],
                                         changes["group_id"]):
            raise _SharedIdTaken
        widens = "visibility" in changes and changes["visibility"] == "public"
        changes |= {"version": annotation.version + 1,
                    "updated_us": max(now_us(), annotation.updated_us + 1)}
        if shares:
            try:
                with database.atomic():  # a savepoint: a lost race leaves the rest intact
                    written = _write_if_unchanged(annotation, changes)
            except IntegrityError:
                # Another reader shared an annotation with this id since the check (PostgreSQL).
                raise _SharedIdTaken from None
        else:
            written = _write_if_unchanged(annotation, changes)
        if not written:
            return None
        change_log.record("update", annotation.pk, annotation.post_id, uid, before=annotation)
        if widens:
            # The post is everyone's business from now on, as if a public annotation named it.
            Post.update(shared_us=changes["updated_us"], updated_us=changes["updated_us"]).where(
                (Post.id == annotation.post_id) & Post.shared_us.is_null()).execute()
        if "tags" in fields:
            _set_tag_rows(annotation, fields["tags"])
        for k, val in changes.items():
            setattr(annotation, k, val)
        if "group_id" in changes:
            annotation.group = group if changes["group_id"] is not None else None
        return annotation

    for _attempt in range(3):
        try:
            annotation = run_write(write)
        except _SharedIdTaken:
            # Their own shadowed it until now; the other one is public, or in a group of the
            # caller's, so this tells nothing they may not see.
            raise Conflict("another annotation with this id is shared already where this one "
                           "would be, so this one cannot be; make a copy with a new id to "
                           "share it") from None
        if annotation is not None:
            return annotation
    raise Conflict("the annotation kept changing; try again")


class _SharedIdTaken(Exception):
    """A shared annotation has this id already, so this one cannot be shared."""


def _shared_by_another(annotation: Annotation, visibility: str, group_id: int | None) -> bool:
    """Say whether another annotation with this id is public, or in this group, already."""
    where = (Annotation.uid == annotation.uid) & (Annotation.pk != annotation.pk)
    if visibility == "public":
        where &= Annotation.visibility == "public"
    else:
        where &= (Annotation.visibility == "group") & (Annotation.group == group_id)
    return Annotation.select().where(where).exists()


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
        change_log.record("delete", annotation.pk, annotation.post_id, uid, before=annotation)
        _set_tag_rows(annotation, [])
        return True

    for _attempt in range(3):
        if run_write(write):
            return
    raise Conflict("the annotation kept changing; try again")


def _set_tag_rows(annotation: Annotation, tags: list[str]) -> None:
    AnnotationTag.delete().where(AnnotationTag.annotation == annotation.pk).execute()
    _insert_tag_rows(annotation.pk, tags, annotation.created_us)


def _insert_tag_rows(pk: int, tags: list[str], created_us: int) -> None:
    """One row per tag, lower-cased, with the annotation's creation time (for `tag=` order)."""
    # Speed: equals AnnotationTag.insert_many(rows).execute(), in plain SQL
    # (bench/README.md row "HTTP POST /api/annotations, a real create").
    if tags:
        p = database.param
        database.execute_sql(
            "INSERT INTO annotation_tag (annotation_id, name, created_us) VALUES "
            + ", ".join([f"({p}, {p}, {p})"] * len(tags)),
            [x for t in tags for x in (pk, t.lower(), created_us)])
