"""Reading groups: make and manage them, join by invite, leave, roles, and hiding annotations.

Rules, enforced here (the views only parse and present):
- A group you do not belong to does not exist for you (NotFound), so ids cannot be probed;
  holding an invite token is the one way to learn of a group from outside.
- Roles: the owner manages the group, its roles and its invites; moderators invite, remove
  plain members and hide annotations; members read and write. A group always keeps an owner:
  the last owner can neither leave nor step down (they delete the group, or make another owner
  first).
- Deleting a group deletes no annotation: each one made in it becomes its author's private
  annotation again (version and update time move on, so a syncing client hears of it), and
  nothing another member wrote vanishes for its author.
- Leaving (or being removed) takes effect at once, as `Annotation.visible_to` asks for the
  membership on every read. One's own annotations in the group stay in it, and stay one's own.

Every change of who belongs to a group, or in what role, goes through `_membership_changed`,
inside the write that makes it; code that must hear of those changes (the live stream) adds a
listener with `on_membership_change`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from peewee import JOIN, Case, fn

from ..db import database, is_postgres, run_write
from ..domain_errors import Conflict, Forbidden, Gone, Invalid, NotFound
from ..models import (
    MODERATING_ROLES,
    Annotation,
    Group,
    Invite,
    Membership,
    User,
    hash_token,
    now_us,
)
from . import changes as change_log

INVITE_PREFIX = "pgi_"

# ------------------------------------------------------------------ membership changes

# Called as listener(group_pk, user_pk, change) with change one of "joined", "left",
# "removed", "role", "deleted" (the group went: every member left), inside the write.
MembershipListener = Callable[[int, int, str], None]
_listeners: list[MembershipListener] = []


def on_membership_change(listener: MembershipListener) -> None:
    """Call `listener` for every change of who is in a group or in what role."""
    _listeners.append(listener)


def _membership_changed(group_pk: int, user_pk: int, change: str) -> None:
    if change in ("left", "removed", "role"):
        _revoke_invites_of_those_who_may_not(group_pk, user_pk)
    for listener in _listeners:
        listener(group_pk, user_pk, change)


def _revoke_invites_of_those_who_may_not(group_pk: int, user_pk: int) -> None:
    """Revoke the invites a member made once they may invite no longer (they left, were
    removed, or now have a role that may not invite): else a removed moderator could come
    back through a link of their own."""
    role = Membership.select(Membership.role).where(
        (Membership.group == group_pk) & (Membership.user == user_pk)).scalar()
    if role in MODERATING_ROLES:
        return
    Invite.update(revoked=True).where(
        (Invite.group == group_pk) & (Invite.created_by == user_pk)
        & (Invite.revoked == False)).execute()  # noqa: E712


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class GroupView:
    """A group as one member sees it: with their role and how many members it has."""

    group: Group
    role: str
    members: int


def _membership(user: User | None, gid: str) -> tuple[Group, Membership]:
    """Return the group and the user's membership; NotFound for a group they are not in."""
    if user is None or not isinstance(gid, str) or len(gid) > 32 or "\x00" in gid:
        # A NUL (from a path) names no group, and PostgreSQL cannot compare a string with one.
        raise NotFound("no such group")
    row = (Membership.select(Membership, Group).join(Group)
           .where((Group.gid == gid) & (Membership.user == user.id)).first())
    if row is None:
        raise NotFound("no such group")
    return row.group, row


def _count_members(group_pk: int) -> int:
    return Membership.select().where(Membership.group == group_pk).count()


def get_group(viewer: User | None, gid: str) -> GroupView:
    """Return a group the viewer belongs to."""
    group, membership = _membership(viewer, gid)
    return GroupView(group, membership.role, _count_members(group.id))


def my_groups(viewer: User) -> list[GroupView]:
    """Return the groups the viewer belongs to, by name."""
    counts = (Membership.select(Membership.group, fn.COUNT(Membership.id).alias("n"))
              .group_by(Membership.group))
    rows = (Membership.select(Membership, Group).join(Group)
            .where(Membership.user == viewer.id).order_by(fn.LOWER(Group.name), Group.id))
    n = {group_pk: count for group_pk, count in counts.tuples()}
    return [GroupView(m.group, m.role, n.get(m.group_id, 1)) for m in rows]


def group_ids_of(viewer: User) -> dict[int, str]:
    """Return {group pk: role} of the viewer's groups."""
    return {g: role for g, role in Membership.select(Membership.group, Membership.role)
            .where(Membership.user == viewer.id).tuples()}


def members(viewer: User | None, gid: str) -> list[tuple[Membership, User]]:
    """Return the members of a group the viewer belongs to: owners, moderators, then members."""
    group, _ = _membership(viewer, gid)
    rows = (Membership.select(Membership, User).join(User)
            .where(Membership.group == group.id).order_by(Membership.joined_us, Membership.id))
    order = {"owner": 0, "moderator": 1, "member": 2}
    return sorted(((m, m.user) for m in rows), key=lambda mu: order.get(mu[0].role, 3))


def member_group(viewer: User, gid: str) -> Group:
    """Return the group for an annotation the viewer puts in it; Invalid unless a member.

    The same answer for a group that does not exist and one the viewer is not in.
    """
    try:
        group, _ = _membership(viewer, gid)
    except NotFound:
        raise Invalid("group", "no such group (or you are not a member)") from None
    return group


def is_member(viewer: User, gid: str) -> bool:
    if not isinstance(gid, str) or "\x00" in gid:
        return False
    return (Membership.select().join(Group)
            .where((Group.gid == gid) & (Membership.user == viewer.id)).exists())


def find_member_group_by_name(viewer: User, name: str) -> Group | None:
    """Return the viewer's group of this name (the oldest, if several), or None."""
    return (Group.select().join(Membership)
            .where((Membership.user == viewer.id) & (fn.LOWER(Group.name) == name.lower()))
            .order_by(Group.id).first())


# ------------------------------------------------------------------ managing


def _require_role(membership: Membership, roles: tuple[str, ...], what: str) -> None:
    if membership.role not in roles:
        raise Forbidden(f"only the group's {' or '.join(r + 's' for r in roles)} may {what}")


def new_group_id() -> str:
    """A random group id (12 URL-safe characters) that never starts with "-", which a command
    line (`postil group add-member ID NAME`) would read as an option."""
    gid = secrets.token_urlsafe(9)
    return "g" + gid[1:] if gid.startswith("-") else gid


def create_group(user: User, name: str, description: str = "") -> GroupView:
    """Make a group with `user` as its owner."""
    def write() -> Group:
        stamp = now_us()
        group = Group.create(gid=new_group_id(), name=name, description=description,
                             created_us=stamp, updated_us=stamp)
        Membership.create(group=group.id, user=user.id, role="owner", joined_us=stamp)
        _membership_changed(group.id, user.id, "joined")
        return group

    return GroupView(run_write(write), "owner", 1)


def update_group(user: User, gid: str, changes: dict) -> GroupView:
    """Rename or describe a group (its owner only); `changes` holds name and/or description."""
    def write() -> GroupView:
        group, membership = _membership(user, gid)
        _require_role(membership, ("owner",), "rename or describe it")
        if changes:
            stamp = max(now_us(), group.updated_us + 1)
            Group.update(**changes, updated_us=stamp).where(Group.id == group.id).execute()
            for k, val in (changes | {"updated_us": stamp}).items():
                setattr(group, k, val)
        return GroupView(group, membership.role, _count_members(group.id))

    return run_write(write)


def delete_group(user: User, gid: str) -> int:
    """Delete a group (its owner only); return how many annotations went back to their authors.

    Every annotation made in it becomes its author's private one: nothing anyone wrote is lost.
    """
    def write() -> int:
        group, membership = _membership(user, gid)
        _require_role(membership, ("owner",), "delete it")
        return _dissolve(group)

    return run_write(write)


def _dissolve(group: Group) -> int:
    """Return the group's annotations to their authors as private ones, then delete it."""
    stamp = now_us()
    change_log.record_each("update", Annotation.group == group.id)
    moved = Annotation.update(
        visibility="private", group=None, hidden=False, version=Annotation.version + 1,
        updated_us=Case(None, [(Annotation.updated_us >= stamp, Annotation.updated_us + 1)],
                        stamp),
    ).where(Annotation.group == group.id).execute()
    for user_pk in [m for (m,) in Membership.select(Membership.user)
                    .where(Membership.group == group.id).tuples()]:
        _membership_changed(group.id, user_pk, "deleted")
    Invite.delete().where(Invite.group == group.id).execute()
    Membership.delete().where(Membership.group == group.id).execute()
    Group.delete().where(Group.id == group.id).execute()
    return moved


def _lock(group_pk: int) -> None:
    """Hold the group's row until the write ends (PostgreSQL), so that two changes of its
    members cannot both pass a check the other undoes (two owners stepping down at once, two
    accepts of one last use). SQLite's writes run one at a time already."""
    if is_postgres():
        database.execute_sql('SELECT id FROM "group" WHERE id = %s FOR UPDATE', [group_pk])


def _owners(group_pk: int) -> int:
    return Membership.select().where((Membership.group == group_pk)
                                     & (Membership.role == "owner")).count()


def set_role(user: User, gid: str, username: str, role: str) -> tuple[Membership, User]:
    """Give a member another role (the owner only); the last owner cannot step down."""
    def write() -> tuple[Membership, User]:
        group, mine = _membership(user, gid)
        _lock(group.id)
        target, theirs = _member_named(group, username)
        _require_role(mine, ("owner",), "change roles")
        if theirs.role == role:
            return theirs, target
        if theirs.role == "owner" and _owners(group.id) == 1:
            raise Conflict("a group needs an owner: make another member owner first")
        Membership.update(role=role).where(Membership.id == theirs.id).execute()
        theirs.role = role
        _membership_changed(group.id, target.id, "role")
        return theirs, target

    return run_write(write)


def _member_named(group: Group, username: str) -> tuple[User, Membership]:
    target = User.by_name(username) if isinstance(username, str) else None
    membership = target and Membership.get_or_none(
        (Membership.group == group.id) & (Membership.user == target.id))
    if not membership:
        raise NotFound(f"{username!r} is not a member of this group")
    return target, membership


def remove_member(user: User, gid: str, username: str) -> None:
    """Remove a member: oneself (leaving), or another (the owner; moderators remove members).

    Access ends with the write: every read asks for the membership.
    """
    def write() -> None:
        group, mine = _membership(user, gid)
        _lock(group.id)
        target, theirs = _member_named(group, username)
        leaving = target.id == user.id
        if leaving:
            if theirs.role == "owner" and _owners(group.id) == 1:
                raise Conflict("you are the group's only owner: make another member owner "
                               "first, or delete the group")
        elif mine.role == "moderator":
            if theirs.role != "member":
                raise Forbidden("moderators may remove members, not moderators or owners")
        else:
            _require_role(mine, ("owner",), "remove members")
        Membership.delete().where(Membership.id == theirs.id).execute()
        _membership_changed(group.id, target.id, "left" if leaving else "removed")

    run_write(write)


def group_for_import(user: User, name: str) -> str:
    """Return the id of the user's group of this name (any case), made with them as owner if
    they are in none: an import's group annotations go there."""
    found = find_member_group_by_name(user, name)
    if found is not None:
        return found.gid
    return create_group(user, name).group.gid


# ------------------------------------------------------------------ invites


def create_invite(user: User, gid: str, expires_us: int | None, max_uses: int | None
                  ) -> tuple[Invite, str]:
    """Make an invite link's token (owner and moderators); return it once: only its hash stays."""
    def write() -> tuple[Invite, str]:
        group, mine = _membership(user, gid)
        _require_role(mine, MODERATING_ROLES, "invite")
        token = INVITE_PREFIX + secrets.token_urlsafe(24)
        invite = Invite.create(group=group.id, token_hash=hash_token(token), created_by=user.id,
                               created_us=now_us(), expires_us=expires_us, max_uses=max_uses)
        invite.group = group
        return invite, token

    return run_write(write)


def invites(user: User, gid: str) -> list[Invite]:
    """List a group's invites, newest first (owner and moderators)."""
    group, mine = _membership(user, gid)
    _require_role(mine, MODERATING_ROLES, "see its invites")
    return list(Invite.select(Invite, User)
                .join(User, JOIN.INNER, on=(Invite.created_by == User.id))
                .where(Invite.group == group.id).order_by(Invite.id.desc()))


def revoke_invite(user: User, gid: str, invite_id: int) -> None:
    """Revoke an invite: its link stops working (owner and moderators)."""
    def write() -> None:
        group, mine = _membership(user, gid)
        _require_role(mine, MODERATING_ROLES, "revoke invites")
        if not Invite.update(revoked=True).where(
                (Invite.id == invite_id) & (Invite.group == group.id)).execute():
            raise NotFound("no such invite")

    run_write(write)


def _find_invite(token: str) -> Invite:
    """Return the invite of this token, working or not; NotFound for none."""
    if not isinstance(token, str) or not token.startswith(INVITE_PREFIX) or len(token) > 100:
        raise NotFound("no such invite")
    invite = (Invite.select(Invite, Group).join(Group)
              .where(Invite.token_hash == hash_token(token)).first())
    if invite is None:
        raise NotFound("no such invite")
    return invite


def _check_usable(invite: Invite) -> None:
    """Gone for a spent invite: whoever holds a token was given it, so telling them it expired
    reveals nothing."""
    status = invite.status()
    if status != "active":
        raise Gone(f"this invite is {status}; ask the group for a new one")


def preview_invite(viewer: User, token: str) -> tuple[GroupView, bool]:
    """Return the group an invite is for and whether the viewer is in it already.

    A member is answered even when the invite no longer works (they are in already).
    """
    invite = _find_invite(token)
    mine = Membership.get_or_none((Membership.group == invite.group_id)
                                  & (Membership.user == viewer.id))
    if mine is None:
        _check_usable(invite)
    view = GroupView(invite.group, mine.role if mine else "", _count_members(invite.group_id))
    return view, mine is not None


def accept_invite(user: User, token: str) -> GroupView:
    """Join the invite's group as a member; a member already joins nothing and uses nothing."""
    def write() -> GroupView:
        invite = _find_invite(token)
        group = invite.group
        _lock(group.id)
        mine = Membership.get_or_none((Membership.group == group.id)
                                      & (Membership.user == user.id))
        if mine is not None:
            return GroupView(group, mine.role, _count_members(group.id))
        _check_usable(invite)
        # Counted in the same statement that checks the limit: two last uses cannot both pass.
        limit_ok = (Invite.max_uses.is_null() | (Invite.uses < Invite.max_uses))
        if not Invite.update(uses=Invite.uses + 1).where(
                (Invite.id == invite.id) & (Invite.revoked == False) & limit_ok  # noqa: E712
        ).execute():
            raise Gone("this invite is used up; ask the group for a new one")
        Membership.create(group=group.id, user=user.id, role="member", joined_us=now_us())
        _membership_changed(group.id, user.id, "joined")
        return GroupView(group, "member", _count_members(group.id))

    return run_write(write)


# ------------------------------------------------------------------ the operator's (CLI)


def _by_gid(gid: str) -> Group:
    group = Group.get_or_none(Group.gid == gid)
    if group is None:
        raise NotFound(f"no group {gid!r}")
    return group


def all_groups() -> list[GroupView]:
    """Every group on the server, by name, with its member count (the operator's list)."""
    counts = dict(Membership.select(Membership.group, fn.COUNT(Membership.id))
                  .group_by(Membership.group).tuples())
    return [GroupView(g, "", counts.get(g.id, 0))
            for g in Group.select().order_by(fn.LOWER(Group.name), Group.id)]


def group_by_id(gid: str) -> GroupView:
    group = _by_gid(gid)
    return GroupView(group, "", _count_members(group.id))


def member_list(gid: str) -> list[tuple[Membership, User]]:
    """The members of a group, for the operator (who needs no membership)."""
    group = _by_gid(gid)
    owner = Membership.get((Membership.group == group.id) & (Membership.role == "owner"))
    return members(owner.user, gid)


def operator_set_role(gid: str, username: str, role: str, *, add: bool = False
                      ) -> tuple[Group, User]:
    """Put a user in a group in `role` (`add`), or change a member's role; no invite needed.

    The last owner cannot step down, here either.
    """
    def write() -> tuple[Group, User]:
        group = _by_gid(gid)
        _lock(group.id)
        target = User.by_name(username)
        if target is None:
            raise NotFound(f"no user {username!r}")
        mine = Membership.get_or_none((Membership.group == group.id)
                                      & (Membership.user == target.id))
        if mine is None:
            if not add:
                raise NotFound(f"{username!r} is not a member of this group")
            Membership.create(group=group.id, user=target.id, role=role, joined_us=now_us())
            _membership_changed(group.id, target.id, "joined")
        elif mine.role != role:
            if mine.role == "owner" and _owners(group.id) == 1:
                raise Conflict("a group needs an owner: make another member owner first")
            Membership.update(role=role).where(Membership.id == mine.id).execute()
            _membership_changed(group.id, target.id, "role")
        return group, target

    return run_write(write)


def operator_remove(gid: str, username: str) -> None:
    """Take a member out of a group; the last owner stays (delete the group instead)."""
    def write() -> None:
        group = _by_gid(gid)
        _lock(group.id)
        target, theirs = _member_named(group, username)
        if theirs.role == "owner" and _owners(group.id) == 1:
            raise Conflict(f"{target.name} is the group's only owner: make another member "
                           "owner first, or delete the group")
        Membership.delete().where(Membership.id == theirs.id).execute()
        _membership_changed(group.id, target.id, "removed")

    run_write(write)


def operator_delete(gid: str) -> int:
    """Delete a group as its owner would: its annotations go back to their authors."""
    return run_write(lambda: _dissolve(_by_gid(gid)))


def operator_invite(gid: str, expires_us: int | None, max_uses: int | None
                    ) -> tuple[Invite, str]:
    """Make an invite in the name of the group's longest-standing owner."""
    group = _by_gid(gid)
    owner = (Membership.select().where((Membership.group == group.id)
                                       & (Membership.role == "owner"))
             .order_by(Membership.joined_us, Membership.id).first())
    return create_invite(owner.user, gid, expires_us, max_uses)


# ------------------------------------------------------------------ moderation


def set_hidden(user: User, annotation: Annotation, hidden: bool) -> Annotation:
    """Hide or show an annotation of a group the user moderates (`annotation` visible to them),
    and with it the whole thread below it (replies of replies too).

    A hidden annotation is shown only to its author and the group's owner and moderators; so a
    reply below a hidden one is hidden too (else a member would read the thread's replies, and
    reply to them, under an annotation that does not exist for them), and a reply made under a
    hidden one is made hidden (`store.annotations`). Showing an annotation shows the thread
    below it again, a reply hidden on its own before included (one flag; hide it again after).
    A reply cannot be shown while an annotation above it is hidden (Conflict): show that one.
    Each row whose state changes moves its version on and goes to the change log, so clients
    syncing with `updated_since` and the live stream hear of every one.
    """
    def write() -> Annotation:
        if annotation.visibility != "group" or annotation.group_id is None:
            raise Forbidden("only an annotation in a group can be hidden, by its moderators")
        role = Membership.select(Membership.role).where(
            (Membership.group == annotation.group_id) & (Membership.user == user.id)).scalar()
        if role not in MODERATING_ROLES:
            raise Forbidden("only the group's owners or moderators may hide or show "
                            "annotations")
        root = annotation.root or annotation.pk
        if is_postgres():
            # A reply being written under it waits, and then takes the thread's new state.
            database.execute_sql("SELECT pk FROM annotation WHERE pk = %s FOR UPDATE", [root])
        from .replies import _below, _children  # replies imports annotations, as we may not

        rows = {pk: (parent, was, post, uid) for pk, parent, was, post, uid in (
            Annotation.select(Annotation.pk, Annotation.parent, Annotation.hidden,
                              Annotation.post, Annotation.uid)
            .where((Annotation.pk == root) | (Annotation.root == root)).tuples())}
        if not hidden:
            if not rows[annotation.pk][1]:
                return annotation  # shown already: the replies hidden below it stay hidden
            parent = rows[annotation.pk][0]
            while parent is not None and parent in rows:
                if rows[parent][1]:
                    raise Conflict("an annotation above this reply is hidden, and hides its "
                                   "whole thread: show that one instead")
                parent = rows[parent][0]
        which = [pk for pk in [annotation.pk, *_below(annotation.pk, _children({root}))]
                 if bool(rows[pk][1]) != hidden]
        if not which:
            return annotation
        stamp = now_us()
        change_log.record_each("update", Annotation.pk.in_(which))
        Annotation.update(
            hidden=hidden, version=Annotation.version + 1,
            updated_us=Case(None, [(Annotation.updated_us >= stamp, Annotation.updated_us + 1)],
                            stamp),
        ).where(Annotation.pk.in_(which)).execute()
        if annotation.pk in which:
            fresh = Annotation.get_by_id(annotation.pk)
            for k in ("hidden", "version", "updated_us"):
                setattr(annotation, k, getattr(fresh, k))
        return annotation

    return run_write(write)


def before_account_deletion(user_pk: int) -> None:
    """Keep every group the user owns alone owned: the oldest other member becomes its owner,
    and a group with nobody else in it is dissolved (its annotations go to their authors)."""
    owned = [g for (g,) in Membership.select(Membership.group).where(
        (Membership.user == user_pk) & (Membership.role == "owner")).tuples()]
    for group_pk in owned:
        if _owners(group_pk) > 1:
            continue
        heir = (Membership.select().where((Membership.group == group_pk)
                                          & (Membership.user != user_pk))
                .order_by(Case(None, [(Membership.role == "moderator", 0)], 1),
                          Membership.joined_us, Membership.id).first())
        if heir is None:
            _dissolve(Group.get_by_id(group_pk))
        else:
            Membership.update(role="owner").where(Membership.id == heir.id).execute()
            _membership_changed(group_pk, heir.user_id, "role")
