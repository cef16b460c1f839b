"""Moderation of public notes on registered sites' posts: flags, actions, bars, limits, the log.

Rules, enforced here (the views only parse and present):
- A public annotation on a registered site's post carries the site (`Annotation.site_id`, set
  as it becomes public there: `publishing`). Under `moderation: pre` it starts withheld
  (`hidden` and `pending`) unless its author moderates the site; a site moderator approves it,
  or hides one shown. A withheld public annotation is shown only to its author and to the
  site's moderators (`Annotation._rule`), so for everyone else it does not exist: every read
  path, count and stream event follows from that rule; `hidden` and `moderation` in its JSON
  tell only those who may see it.
- Acting on an annotation acts on its thread below it, as a group's hiding does
  (`store.groups.set_hidden`): a reply shown under a withheld annotation would reveal it.
  Approving or unhiding a reply under a withheld annotation is a Conflict (act on that one).
  Approving or unhiding leaves a reply a moderator hid on its own (its last action in the log)
  hidden, with what answers it; holding a thread for approval leaves it hidden, not pending.
- Flags: any signed-in reader may flag a public annotation they can see, on a registered
  site's post, once. One they cannot see does not exist for them (NotFound). Its author may not
  (Invalid, `own_annotation`: it tells the moderators nothing), nor a reader barred from the
  site (Forbidden, `barred`), and one reader's flags on a site's notes are held to the site's
  `public_per_hour` as their public notes are (`_check_rate`, counting flags), so that no reader
  floods the moderators' queue; the site's moderators are not limited.
- A barred user's new public notes on the site's posts are refused (Forbidden, `barred`); what
  they wrote before stays as it is: they may delete it, not reword it (each note is the
  moderators' to hide, one by one, logged).
- Under `moderation: pre` new words in a shown public note (note, tags, passage) make it pending
  again, its thread below with it, until a moderator approves them (`rewording`).
- `public_per_hour`: new public annotations one user makes on a site's posts within the last
  hour, counted from the stored rows (`published_us`), so every server process agrees; every
  path counts (API, W3C, an import item by item); site moderators are not limited. On
  PostgreSQL the author's row is locked while counting, so two
  concurrent creates cannot both take the last place.
- Only the site's moderators act, read the queue and read the log; each action is logged in
  the same write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from peewee import JOIN, Case, IntegrityError, fn

from ..contract import FLAG_REASONS
from ..db import database, is_postgres, run_write
from ..domain_errors import Conflict, Forbidden, Invalid, NotFound, TooManyAttempts
from ..models import (
    ANONYMOUS_NAME,
    Annotation,
    Flag,
    ModerationLog,
    Post,
    Site,
    SiteBar,
    SitePerson,
    User,
    now_us,
)
from ..validation import string
from . import changes as change_log
from . import sites as site_store

HOUR_US = 3600 * 1_000_000
QUEUES = ("flagged", "pending", "recent")


def is_site_moderator(user: User | None, site_id: int | None) -> bool:
    if user is None or site_id is None:
        return False
    return SitePerson.select().where((SitePerson.site == site_id) & (SitePerson.user == user.id)
                                     & (SitePerson.role == "moderator")).exists()


def publishing(user: User, post: Post, *, withheld_above: tuple[bool, bool] | None = None
               ) -> dict:
    """The columns of an annotation `user` makes public on `post` now, inside the write.

    None of them for a post of no registered site. Raises Forbidden (barred) or TooManyAttempts
    (`public_per_hour`, whatever the path: API, W3C or an import, item by item).
    `withheld_above`: (hidden, pending) of the annotation a reply answers.
    """
    site = site_store.site_for_post(post)
    hidden, pending = withheld_above or (False, False)
    if site is None:
        return {"site_id": None, "published_us": None, "pending": pending, "hidden": hidden}
    stamp = now_us()
    if not is_site_moderator(user, site.id):
        if _is_barred(user, site):
            raise Forbidden(f"the moderators of {site.name or site.key} barred you from writing "
                            "public notes on its posts; keep it private or share it with a "
                            "group", code="barred")
        if site.public_per_hour > 0:
            _check_rate(user, site, stamp, _published_times)
        if site.moderation == "pre":
            pending = True
    return {"site_id": site.id, "published_us": stamp, "pending": pending,
            "hidden": hidden or pending}


def rewording(user: User, annotation: Annotation) -> dict:
    """The columns an edit of a shown public note's words changes, inside the write: none for
    its site's moderators; Forbidden for a barred author; under pre-moderation, pending again
    (its thread below with it) until a moderator approves the new words.

    A note made public before its post's site was registered carries no site yet: the post's
    site is found, and the note becomes that site's (`site_id`), as a flag makes it."""
    if annotation.site_id is not None:
        site = Site.get_or_none(Site.id == annotation.site_id)
    else:
        site = site_store.site_for_post(annotation.post)
    if site is None:
        return {}
    taken = {"site_id": site.id} if annotation.site_id is None else {}
    if is_site_moderator(user, site.id):
        return taken
    if SiteBar.select().where((SiteBar.site == site.id) & (SiteBar.user == user.id)).exists():
        raise Forbidden(f"the moderators of {site.name or site.key} barred you from writing "
                        "public notes on its posts, so this one stays as it is; you may delete "
                        "it", code="barred")
    if site.moderation == "pre" and not annotation.hidden:
        return {**taken, "hidden": True, "pending": True}
    return taken


def will_wait(user: User, ref) -> bool:
    """Say whether a public annotation `user` writes on the post `ref` (a `parse.PostKey`)
    would wait for approval: the post's site pre-moderates and `user` does not moderate it."""
    if ref.post_pk is not None:
        return False
    site = site_store.site_for_post_key(ref.site, ref.post_id, ref.url_key)
    return (site is not None and site.moderation == "pre"
            and not is_site_moderator(user, site.id))


def _is_barred(user: User, site: Site) -> bool:
    return SiteBar.select().where((SiteBar.site == site.id) & (SiteBar.user == user.id)).exists()


def _published_times(user: User, site: Site, since: int):
    return (Annotation.select(Annotation.published_us)
            .where((Annotation.site_id == site.id) & (Annotation.user == user.id)
                   & (Annotation.published_us > since))
            .order_by(Annotation.published_us.desc()))


def _flag_times(user: User, site: Site, since: int):
    return (Flag.select(Flag.created_us).join(Annotation, on=(Flag.annotation == Annotation.pk))
            .where((Flag.user == user.id) & (Annotation.site_id == site.id)
                   & (Flag.created_us > since))
            .order_by(Flag.created_us.desc()))


def _check_rate(user: User, site: Site, stamp: int, times_of=_published_times,
                what: str = "new public notes", instead: str = " (or keep this one private)"
                ) -> None:
    """Refuse (TooManyAttempts) one more of what `times_of` lists once the user made
    `site.public_per_hour` of them within the hour before `stamp`."""
    if is_postgres():
        database.execute_sql('SELECT id FROM "user" WHERE id = %s FOR UPDATE', [user.id])
    rows = times_of(user, site, stamp - HOUR_US).limit(site.public_per_hour).tuples()
    times = [t for (t,) in rows]
    if len(times) >= site.public_per_hour:
        wait = max(1, math.ceil((times[-1] + HOUR_US - stamp) / 1_000_000))
        raise TooManyAttempts(
            f"{site.name or site.key} takes {site.public_per_hour} {what} per reader "
            f"an hour; try again in {wait} seconds{instead}", wait,
            code="rate_limited")


# ------------------------------------------------------------------ flags


@dataclass(frozen=True)
class FlagInput:
    reason: str
    note: str


def parse_flag(body) -> FlagInput:
    if not isinstance(body, dict):
        raise Invalid(None, "send a JSON object: {\"reason\": ..., \"note\": ...}")
    unknown = set(body) - {"reason", "note"}
    if unknown:
        raise Invalid(sorted(unknown)[0], "is not a field of a flag (reason, note)")
    reason = body.get("reason")
    if reason not in FLAG_REASONS:
        raise Invalid("reason", f"must be one of {', '.join(FLAG_REASONS)}")
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 1000:
        raise Invalid("note", "must be text of at most 1000 characters")
    string(note, "note", 1000)  # no NUL or lone surrogate: a database cannot store them
    if reason == "other" and not note.strip():
        raise Invalid("note", "say what is wrong when the reason is 'other'")
    return FlagInput(reason, note.strip())


def flag(user: User, annotation: Annotation, flag_in: FlagInput) -> Flag:
    """Flag an annotation `user` may see (the caller resolved it for them)."""
    if annotation.deleted:
        raise NotFound("no such annotation")
    if annotation.visibility != "public":
        raise Invalid(None, "only public annotations are flagged; this one is shared with a "
                            "group or private", code="not_public")
    site = (Site.get_or_none(Site.id == annotation.site_id) if annotation.site_id is not None
            else site_store.site_for_post(annotation.post))
    if site is None:
        raise Invalid(None, "this annotation is on a post of no registered site, so no "
                            "moderator would read a flag", code="not_moderated")
    if annotation.user_id == user.id:
        raise Invalid(None, "this is your own annotation: edit or delete it instead of "
                            "flagging it", code="own_annotation")
    moderates = is_site_moderator(user, site.id)
    if not moderates and _is_barred(user, site):
        raise Forbidden(f"the moderators of {site.name or site.key} barred you from its public "
                        "notes, flagging them included", code="barred")

    def write() -> Flag:
        stamp = now_us()
        if annotation.site_id is None:
            # Public before its site was registered: it belongs to the site's queue from now
            # on (and the reader's flags on it count towards the site's limit).
            Annotation.update(site_id=site.id).where(
                (Annotation.pk == annotation.pk) & Annotation.site_id.is_null()).execute()
        if not moderates and site.public_per_hour > 0:
            _check_rate(user, site, stamp, _flag_times, "flags", "")
        try:
            with database.atomic():
                return Flag.create(annotation=annotation.pk, user=user.id,
                                   reason=flag_in.reason, note=flag_in.note,
                                   created_us=stamp)
        except IntegrityError:
            raise Conflict("you flagged this annotation already") from None

    made = run_write(write)
    annotation.site_id = site.id
    return made


# ------------------------------------------------------------------ acting


ACTIONS = ("approve", "hide", "unhide")


def _moderated_site(moderator: User, annotation: Annotation) -> Site:
    """The site whose moderator `moderator` is, that `annotation` (visible to them) is on."""
    if annotation.visibility != "public" or annotation.deleted:
        raise Forbidden("site moderators act on public annotations only", code="not_moderated")
    site = (Site.get_or_none(Site.id == annotation.site_id) if annotation.site_id is not None
            else site_store.site_for_post(annotation.post))
    if site is None or not is_site_moderator(moderator, site.id):
        raise Forbidden("only the moderators of the site this annotation's post is on may "
                        "moderate it", code="not_site_moderator")
    return site


def act(moderator: User, annotation: Annotation, action: str, reason: str) -> Annotation:
    """Approve, hide or unhide a public annotation (and its thread below it); log it."""
    if action not in ACTIONS:
        raise Invalid("action", f"must be one of {', '.join(ACTIONS)}")
    site = _moderated_site(moderator, annotation)
    if action == "approve" and not annotation.pending:
        raise Conflict("this annotation waits for no approval" + (
            ": it is hidden; unhide it" if annotation.hidden else ""))
    if action == "unhide" and (annotation.pending or not annotation.hidden):
        raise Conflict("this annotation is not hidden" + (
            ": it waits for approval; approve it" if annotation.pending else ""))
    if action == "hide" and annotation.hidden and not annotation.pending:
        raise Conflict("this annotation is hidden already")
    hide = action == "hide"

    def write() -> Annotation:
        root = annotation.root or annotation.pk
        if is_postgres():
            database.execute_sql("SELECT pk FROM annotation WHERE pk = %s FOR UPDATE", [root])
        from .replies import _below, _children

        rows = {pk: (parent, bool(was)) for pk, parent, was in (
            Annotation.select(Annotation.pk, Annotation.parent, Annotation.hidden)
            .where((Annotation.pk == root) | (Annotation.root == root)).tuples())}
        if not hide:
            parent = rows[annotation.pk][0]
            while parent is not None and parent in rows:
                if rows[parent][1]:
                    raise Conflict("an annotation above this reply is withheld, and withholds "
                                   "its whole thread: act on that one")
                parent = rows[parent][0]
        children = _children({root})
        if hide:
            which = [annotation.pk, *_below(annotation.pk, children)]
        else:
            # A reply a moderator hid on its own stays hidden, with what answers it: showing
            # its thread again must not undo that hiding.
            kept = _hidden_on_their_own(_below(annotation.pk, children))
            which = [annotation.pk, *_below(annotation.pk, {
                parent: [pk for pk in pks if pk not in kept] for parent, pks in children.items()})]
        stamp = now_us()
        change_log.record_each("update", Annotation.pk.in_(which))
        Annotation.update(
            hidden=hide, pending=False, site_id=site.id,
            version=Annotation.version + 1,
            updated_us=Case(None, [(Annotation.updated_us >= stamp, Annotation.updated_us + 1)],
                            stamp),
        ).where(Annotation.pk.in_(which)).execute()
        if not hide:
            # Shown now: its post is everyone's business, as when a public note names it.
            Post.update(shared_us=stamp, updated_us=stamp).where(
                (Post.id == annotation.post_id) & Post.shared_us.is_null()).execute()
        _log(site, moderator, action, annotation=annotation, target=annotation.user_id,
             reason=reason)
        fresh = Annotation.get_by_id(annotation.pk)
        for k in ("hidden", "pending", "site_id", "version", "updated_us"):
            setattr(annotation, k, getattr(fresh, k))
        return annotation

    return run_write(write)


def _hidden_on_their_own(pks: list[int]) -> set[int]:
    """Those of `pks` whose last moderation, by the log, was a hide of their own."""
    last: dict[int, str] = {}
    if pks:
        for pk, action in (ModerationLog.select(ModerationLog.annotation, ModerationLog.action)
                           .where(ModerationLog.annotation.in_(pks)
                                  & ModerationLog.action.in_(ACTIONS))
                           .order_by(ModerationLog.at_us, ModerationLog.id).tuples()):
            last[pk] = action
    return {pk for pk, action in last.items() if action == "hide"}


def _log(site: Site, moderator: User, action: str, *, annotation: Annotation | None = None,
         target: int | None = None, reason: str = "") -> None:
    ModerationLog.create(site=site.id, moderator=moderator.id, action=action,
                         annotation=annotation.pk if annotation else None,
                         annotation_uid=annotation.uid if annotation else None,
                         target=target, reason=reason, at_us=now_us())


def parse_reason(body, *, allowed: tuple[str, ...] = ("reason",)) -> dict:
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise Invalid(None, "send a JSON object")
    unknown = set(body) - set(allowed)
    if unknown:
        raise Invalid(sorted(unknown)[0], f"is not a field here ({', '.join(allowed)})")
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 1000:
        raise Invalid("reason", "must be text of at most 1000 characters")
    string(reason, "reason", 1000)  # no NUL or lone surrogate: a database cannot store them
    return {**body, "reason": reason.strip()}


def require_site_moderator(viewer: User | None, key: str) -> Site:
    """The site of this key, if the viewer moderates it: NotFound (no such site) or
    Forbidden (not its moderator); a site's existence is public (`sites.lookup`)."""
    site = Site.by_key(key)
    if site is None:
        raise NotFound(f"no site {key!r} is registered")
    if not is_site_moderator(viewer, site.id):
        raise Forbidden("only the site's moderators may do this", code="not_site_moderator")
    return site


def set_bar(moderator: User, key: str, username: str, barred: bool, reason: str) -> User:
    """Bar a user from writing public notes on the site's posts, or lift the bar; log it."""
    site = require_site_moderator(moderator, key)
    user = User.by_name(username) if isinstance(username, str) else None
    if user is None or user.name == ANONYMOUS_NAME:
        raise NotFound(f"no user {username!r}")
    if barred and is_site_moderator(user, site.id):
        raise Conflict("a moderator of the site cannot be barred from it; an operator removes "
                       "moderators ('postil site remove-moderator')")

    def write() -> User:
        have = SiteBar.get_or_none((SiteBar.site == site.id) & (SiteBar.user == user.id))
        if barred and have is None:
            SiteBar.create(site=site.id, user=user.id, reason=reason, at_us=now_us())
        elif not barred and have is not None:
            SiteBar.delete().where(SiteBar.id == have.id).execute()
        else:
            return user  # as asked already: nothing to log
        _log(site, moderator, "bar" if barred else "unbar", target=user.id, reason=reason)
        return user

    return run_write(write)


def bars(moderator: User, key: str) -> list[tuple[SiteBar, User]]:
    site = require_site_moderator(moderator, key)
    rows = (SiteBar.select(SiteBar, User).join(User).where(SiteBar.site == site.id)
            .order_by(SiteBar.at_us.desc()))
    return [(row, row.user) for row in rows]


# ------------------------------------------------------------------ reading


def queue(moderator: User, key: str, which: str, limit: int = 50
          ) -> tuple[Site, list[Annotation], dict[int, list[tuple[Flag, str]]]]:
    """The site's queue: `flagged` (most flagged first), `pending` (oldest first) or `recent`
    (public annotations, newest first), live ones only; with each one's flags."""
    site = require_site_moderator(moderator, key)
    if which not in QUEUES:
        raise Invalid("queue", f"must be one of {', '.join(QUEUES)}")
    where = ((Annotation.site_id == site.id) & (Annotation.visibility == "public")
             & (Annotation.deleted == False))  # noqa: E712
    query = Annotation.with_post_and_user()
    if which == "pending":
        query = query.where(where & (Annotation.pending == True)).order_by(  # noqa: E712
            Annotation.published_us, Annotation.pk)
    elif which == "recent":
        query = query.where(where).order_by(Annotation.published_us.desc(), Annotation.pk.desc())
    else:
        counted = (Flag.select(Flag.annotation, fn.COUNT(Flag.id).alias("n"),
                               fn.MAX(Flag.created_us).alias("last"))
                   .group_by(Flag.annotation))
        query = (query.join(counted, on=(counted.c.annotation_id == Annotation.pk),
                            src=Annotation)
                 .where(where)
                 .order_by(counted.c.n.desc(), counted.c.last.desc()))
    rows = list(query.limit(limit))
    flags: dict[int, list[tuple[Flag, str]]] = {a.pk: [] for a in rows}
    if rows:
        for f in (Flag.select(Flag, User.name).join(User, JOIN.LEFT_OUTER)
                  .where(Flag.annotation.in_(list(flags))).order_by(Flag.created_us)):
            flags[f.annotation_id].append((f, f.user.name))
    return site, rows, flags


def log(moderator, key: str, limit: int = 100) -> list[dict]:
    """The site's moderation log, newest first (its moderators, or the shell's operator)."""
    if moderator is site_store.SHELL:
        site = site_store._by_key(key)
    else:
        site = require_site_moderator(moderator, key)
    rows = list(ModerationLog.select().where(ModerationLog.site == site.id)
                .order_by(ModerationLog.at_us.desc(), ModerationLog.id.desc()).limit(limit))
    ids = {r.moderator for r in rows} | {r.target for r in rows}
    names = dict(User.select(User.id, User.name).where(User.id.in_([i for i in ids if i]))
                 .tuples())
    return [{"action": r.action, "moderator": names.get(r.moderator),
             "annotation": r.annotation_uid, "user": names.get(r.target),
             "reason": r.reason, "at_us": r.at_us} for r in rows]


def forget_site(site_id: int) -> None:
    """A site unregistered: its withheld annotations stay withheld (author only), and no new
    site taking its id may moderate them."""
    change_log.record_each("update", (Annotation.site_id == site_id)
                           & (Annotation.hidden == True))  # noqa: E712
    Annotation.update(site_id=None).where(Annotation.site_id == site_id).execute()


def forget_user(user_id: int) -> None:
    """A deleted account: its flags and bars go with it (the database cascades too), and the log
    no longer names it (an id may be given again): shown as a deleted account."""
    Flag.delete().where(Flag.user == user_id).execute()
    SiteBar.delete().where(SiteBar.user == user_id).execute()
    ModerationLog.update(moderator=None).where(ModerationLog.moderator == user_id).execute()
    ModerationLog.update(target=None).where(ModerationLog.target == user_id).execute()
