"""Annotations written and read one at a time: create, patch, delete, and get one by its id.

Writes go through `db.run_write` (one writer, group commit on SQLite): a `write` function may
run twice, so it returns what it did rather than counting. Someone else's private annotation
does not exist for you (NotFound); a public one you may read but not change (Forbidden).
"""

from __future__ import annotations

from peewee import SQL, Case, IntegrityError

from ..db import database, is_postgres, run_write
from ..domain_errors import Conflict, Forbidden, Gone, Invalid, NotFound, PreconditionFailed
from ..models import MODERATING_ROLES, Annotation, AnnotationTag, Group, Post, User, now_us
from ..parse import NewAnnotation, Precondition
from ..validation import uuid_string
from . import changes as change_log
from . import groups, moderation, sites
from .posts import resolve_post


def create_annotation(user: User, new: NewAnnotation, *, keep: dict | None = None,
                      answer_tombstones: bool = False) -> tuple[Annotation, bool]:
    """Store a new annotation; the same client id again returns the stored one unchanged.

    An id is taken for `user` only by what `resolve` finds for them: their own annotation (the
    stored one is returned: a retry) or a shared one (Conflict, which tells nothing: they may
    see it). Another reader's private annotation with the id does not exist for them, so the
    create is answered exactly as for a free id, and each author then sees their own.

    `keep` holds stored values that come from elsewhere, not from the body: an import's
    `created_us`, `updated_us`, `version` and `deleted` (a tombstone that replies answer), and
    `via`, the IRI a W3C client gave it. `answer_tombstones`: a reply may answer a tombstone
    it may see (an import restoring a thread whose first annotation was deleted).
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
        if new.reply_to is not None:
            parent = _parent_of_reply(user, new.reply_to, answer_tombstones)
            post, thread = parent.post, _thread_values(parent, fields)
            in_group = parent.group if parent.group_id is not None else None
        else:
            # A group annotation's page address and title stay its author's, as a private
            # one's: the other members are shown the address the post's key gives
            # (`present.post_summary`).
            # A note that will wait for approval shares nothing of the post yet (its address,
            # title, times): it does not exist for others until approved.
            public = fields.get("visibility") == "public"
            sites.may_annotate(user, new.post)
            post = resolve_post(new.post, reader=user,
                                share=public and not moderation.will_wait(user, new.post))
            thread, in_group = {}, group
        stamp = now_us()
        times = {"created_us": stamp, "updated_us": stamp} | (keep or {})
        values = {"uid": uid, "post_id": post.id, "user_id": user.id, "quote": "",
                  "selectors": [], "note": "", "note_html": "", "color": "yellow",
                  "tags": [], "tags_text": "", "visibility": "private", "deleted": False,
                  "version": 1, "via": None, "group_id": None, "hidden": False, "parent": None,
                  "root": None, "reply_to": None, "site_id": None, "published_us": None,
                  "pending": False} | fields | thread | times
        if values["visibility"] == "public":
            # On a registered site's post: its site, and withheld until approved under
            # pre-moderation; refused for a barred author or over the site's hourly limit.
            above = (bool(parent.hidden), bool(parent.pending)) if new.reply_to else None
            values |= moderation.publishing(user, post, withheld_above=above)
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
        annotation.post, annotation.user, annotation.group = post, user, in_group
        return annotation

    try:
        return run_write(write), True
    except _IdTaken:
        # Sent before (a retry whose answer was lost), or a shared annotation's id.
        return _same_owner(resolve(user, uid), user), False


# The fields whose change puts new words (or a new passage) before a public note's readers.
REWORDING = frozenset({"note", "note_html", "tags", "selectors", "quote"})


class _IdTaken(Exception):
    """The annotation id is taken for this author."""


# The columns a reply takes from its thread and keeps in step with it: who may see it (the
# visibility, and the group of a group's annotation).
THREAD_SHARED = ("visibility", "group_id")


def _parent_of_reply(user: User, parent_uid: str, answer_tombstones: bool = False
                     ) -> Annotation:
    """Return the live annotation `user` replies to, its thread's first row locked against a
    change of visibility until the reply is written (PostgreSQL; SQLite has one writer).

    One the viewer may not see is answered as one that does not exist; their own deleted one
    is Gone, as reading it is.
    """
    def find() -> Annotation:
        parent = resolve(user, parent_uid)
        if parent is not None and parent.deleted and answer_tombstones:
            return parent
        if parent is None or (parent.deleted and parent.user_id != user.id):
            raise NotFound("reply_to names no annotation you can reply to: there is none with "
                           "this id")
        if parent.deleted:
            raise Gone("reply_to names an annotation of yours that was deleted")
        return parent

    parent = find()
    if is_postgres():
        database.execute_sql("SELECT pk FROM annotation WHERE pk = %s FOR SHARE",
                             [parent.root or parent.pk])
        parent = find()  # as it is now that its thread's visibility cannot change under us
    return parent


def _thread_values(parent: Annotation, fields: dict) -> dict:
    """Return a reply's thread columns: its parent, root, and who may see it (the parent's).

    A body may name the parent's visibility and group (a client sending back what it was
    given); any other is Invalid.
    """
    if "visibility" in fields and (fields["visibility"], fields.get("group_id")) != (
            parent.visibility, parent.group_id):
        raise Invalid("visibility", "a reply has the visibility of the annotation it answers "
                                    "(and its group); leave visibility and group out")
    # A reply under a hidden annotation is hidden too: the thread below one is hidden with it
    # (`store.groups.set_hidden`).
    return {"parent": parent.pk, "root": parent.root or parent.pk, "reply_to": parent.uid,
            "hidden": bool(parent.hidden), "pending": bool(parent.pending),
            **{column: getattr(parent, column) for column in THREAD_SHARED}}


def _holders(uid: str) -> list[tuple[int, str, int | None, bool, int | None]]:
    """Return (author, visibility, group, hidden, site) of every annotation with this id:
    almost always none."""
    # Speed: one probe of the (uid, user_id) index, in plain SQL (bench/README.md row
    # "HTTP POST /api/annotations, a real create").
    bound = database.obj  # not through the proxy (db.py)
    p = bound.param
    return [(author, visibility, group, bool(hidden), site)
            for author, visibility, group, hidden, site
            in bound.execute_sql(f"SELECT user_id, visibility, group_id, hidden, site_id "
                                 f"FROM annotation WHERE uid = {p}", [uid]).fetchall()]


def _taken_for(user: User, holders: list[tuple[int, str, int | None, bool, int | None]]
               ) -> bool:
    """Say whether the id is taken for `user`: by their own, or one they may see.

    Another reader's private annotation, one in a group `user` is not in, or a public one a
    site's moderators withhold (pending or hidden) from all but them and its author, takes
    nothing: it does not exist for them. Such ones are only marked as sharing the id once the
    new one is stored.
    """
    if any(author == user.id for author, *_ in holders):
        return True
    for _, visibility, _, hidden, site in holders:
        if visibility == "public" and (not hidden or moderation.is_site_moderator(user, site)):
            return True
    if not any(visibility == "group" for _, visibility, *_ in holders):
        return False
    roles = groups.group_ids_of(user)
    return any(visibility == "group" and group in roles
               and (not hidden or roles[group] in MODERATING_ROLES)
               for _, visibility, group, hidden, _ in holders)


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
        if annotation.parent is not None:
            changes = _reply_patch(annotation, fields, group)
        else:
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
            else:
                _may_move(user, annotation)
        if not changes:
            return annotation
        shares = "visibility" in changes and changes["visibility"] != "private"
        if shares and _shared_by_another(annotation, changes["visibility"],
                                         changes["group_id"]):
            raise _SharedIdTaken
        widens = "visibility" in changes and changes["visibility"] == "public"
        # The thread follows its first annotation: who may see it, and a hiding by the group
        # it leaves is undone for its replies too.
        moves = {c: changes[c] for c in THREAD_SHARED if c in changes}
        if "group_id" in moves:
            moves["hidden"] = False
        if (annotation.visibility == "public" and not widens
                and REWORDING & changes.keys()):
            # New words in a public note on a registered site's post: refused to a barred
            # author; under pre-moderation read by a moderator again before others see them.
            held = moderation.rewording(user, annotation)
            changes |= held
            moves |= held
        if widens:
            # Made public on a registered site's post: as a new public note there (its site;
            # pending under pre-moderation, and the thread below with it; barred; limited).
            published = moderation.publishing(user, annotation.post)
            changes |= published
            moves |= {"hidden": published["hidden"], "pending": published["pending"],
                      "site_id": published["site_id"]}
        changes |= {"version": annotation.version + 1,
                    "updated_us": max(now_us(), annotation.updated_us + 1)}
        if shares:
            try:
                with database.atomic():  # a savepoint: a lost race leaves the rest intact
                    written = _write_if_unchanged(annotation, changes)
                    if written and moves:
                        thread_follows(annotation, moves)
            except IntegrityError:
                # Another reader shared an annotation with this id since the check (PostgreSQL),
                # or one of the thread's replies has the id of a shared annotation.
                raise _SharedIdTaken from None
        else:
            written = _write_if_unchanged(annotation, changes)
            if written and moves:
                thread_follows(annotation, moves)
        if not written:
            return None
        change_log.record("update", annotation.pk, annotation.post_id, uid, before=annotation)
        if widens:
            # The post is everyone's business from now on, as if a public annotation named it.
            Post.update(shared_us=changes["updated_us"], updated_us=changes["updated_us"]).where(
                (Post.id == annotation.post_id) & Post.shared_us.is_null()).execute()
        if "tags" in changes:
            _set_tag_rows(annotation, changes["tags"])
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


def _may_move(user: User, annotation: Annotation) -> None:
    """Refuse to change who may see an annotation that a moderator hid, or whose thread holds
    another reader's reply: the hiding would be undone by a move out of the group and back,
    and a reply was written for the readers its thread had (made public, a group's reply
    would be published by someone who may not even be in the group any more; made private,
    the replies would be cut off from their own thread)."""
    if annotation.hidden and annotation.visibility == "public":
        raise Conflict(("this annotation waits for a moderator of the site's approval"
                        if annotation.pending else "a moderator of the site hid this annotation")
                       + ", so it stays public (and out of others' sight); delete it, or write "
                       "a new one")
    if annotation.hidden:
        raise Conflict("a moderator of its group hid this annotation, so it stays where it is; "
                       "delete it, or write a new one")
    answered = Annotation.select(SQL("1")).where(
        (Annotation.root == annotation.pk) & (Annotation.user != user.id)
        & (Annotation.deleted == False)).exists()  # noqa: E712
    if answered:
        raise Conflict("others have replied to this annotation, so who may see its thread "
                       "stays as it was when they wrote; write a new annotation to share it "
                       "with other readers")


def _reply_patch(reply: Annotation, fields: dict, group: Group | None) -> dict:
    """Check a patch of a reply: its note and tags may change; it has no passage, and who may
    see it is its thread's (sent unchanged, it is ignored, as a read-only field sent back is).

    `group`: the group the patch names, if any.
    """
    patch = dict(fields)
    if "visibility" in patch:
        if patch["visibility"] != reply.visibility or (
                group is not None and group.id != reply.group_id):
            raise Invalid("visibility", "a reply has the visibility of its thread; change it "
                                        "on the annotation that starts the thread")
        del patch["visibility"]
    if patch.get("selectors") or patch.get("quote"):
        raise Invalid("selectors" if patch.get("selectors") else "quote",
                      "a reply has no passage of its own: leave out selectors and quote")
    patch.pop("selectors", None)
    patch.pop("quote", None)
    if "note" in patch and not patch["note"].strip():
        raise Invalid("note", "a reply needs a note; delete the reply instead")
    return patch


def thread_follows(first: Annotation, moves: dict) -> list[int]:
    """Give every reply in the thread that `first` starts the columns in `moves` (who may see
    it), in the write that changes `first`; return the pks of the replies changed.

    Each changed reply's version and update time move on, so clients syncing with
    `updated_since` learn that it is now shown to others, or no longer.

    `first` may be a reply itself (a reworded reply held for approval again: `moves` is then
    `hidden` and `pending` only): the replies below it follow it.
    """
    stamp = now_us()
    if first.parent is None:
        below = Annotation.root == first.pk
    else:
        from .replies import _below, _children

        below = Annotation.pk.in_(_below(first.pk, _children({first.root})) or [0])
    if "visibility" not in moves and moves.get("pending") is True:
        # Held for approval again (reworded): a reply withheld already keeps its own state, so
        # that a moderator's hiding of it outlasts the thread's approval.
        below &= Annotation.hidden == False  # noqa: E712
    changed = [pk for (pk,) in Annotation.select(Annotation.pk).where(below).tuples()]
    if changed:
        # Each reply as it was, for live streams: who could see it before, who may now.
        change_log.record_each("update", below)
        columns = Annotation._meta.columns
        Annotation.update({
            **{columns[c]: v for c, v in moves.items()},
            Annotation.version: Annotation.version + 1,
            Annotation.updated_us: Case(None, [(Annotation.updated_us >= stamp,
                                                Annotation.updated_us + 1)], stamp),
        }).where(below).execute()
    return changed


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
    """Replace the annotation by a tombstone; deleting a tombstone again is a no-op.

    An annotation that live replies answer keeps its passage (selectors and quote) and its
    author in the tombstone, so the thread under it stays readable where it was; its note and
    tags go. Any other tombstone keeps nothing of what was written.
    """
    def write() -> bool:
        annotation = get_owned(user, uid, allow_deleted=True)
        if annotation.deleted:
            return True
        check_version(annotation, if_match)
        emptied = dict(deleted=True, note="", note_html="", tags=[], tags_text="",
                       version=annotation.version + 1,
                       updated_us=max(now_us(), annotation.updated_us + 1))
        if not has_live_replies(annotation.pk):
            emptied |= dict(quote="", selectors=[])
        if not _write_if_unchanged(annotation, emptied):
            return False
        change_log.record("delete", annotation.pk, annotation.post_id, uid, before=annotation)
        _empty_heads_above(annotation)
        _set_tag_rows(annotation, [])
        return True

    for _attempt in range(3):
        if run_write(write):
            return
    raise Conflict("the annotation kept changing; try again")


def _empty_heads_above(reply: Annotation) -> None:
    """Empty the tombstones above a deleted reply that now head nothing live: the passage they
    kept for their thread goes too, and their version moves on for clients that sync; a note
    without a passage (a page note) has none to lose, and its version moves on all the same, so
    that open pages hear it heads no thread any more (its event's `reply_count` is 0)."""
    parent = reply.parent
    while parent is not None and not has_live_replies(parent):
        head = Annotation.get_or_none(Annotation.pk == parent)
        if head is None or not head.deleted:
            return
        change_log.record("update", head.pk, head.post_id, head.uid, before=head)
        Annotation.update(quote="", selectors=[], version=head.version + 1,
                          updated_us=max(now_us(), head.updated_us + 1)).where(
            Annotation.pk == head.pk).execute()
        parent = head.parent


def has_live_replies(pk: int) -> bool:
    """Say whether any live annotation answers the annotation `pk`."""
    return Annotation.select().where((Annotation.parent == pk)
                                     & (Annotation.deleted == False)).exists()  # noqa: E712


def _set_tag_rows(annotation: Annotation, tags: list[str]) -> None:
    AnnotationTag.delete().where(AnnotationTag.annotation == annotation.pk).execute()
    _insert_tag_rows(annotation.pk, tags, annotation.created_us)


def _insert_tag_rows(pk: int, tags: list[str], created_us: int) -> None:
    """One row per tag, lower-cased, with the annotation's creation time (for `tag=` order)."""
    # Speed: equals AnnotationTag.insert_many(rows).execute(), in plain SQL
    # (bench/README.md row "HTTP POST /api/annotations, a real create").
    if tags:
        bound = database.obj  # not through the proxy (db.py)
        p = bound.param
        bound.execute_sql(
            "INSERT INTO annotation_tag (annotation_id, name, created_us) VALUES "
            + ", ".join([f"({p}, {p}, {p})"] * len(tags)),
            [x for t in tags for x in (pk, t.lower(), created_us)])
