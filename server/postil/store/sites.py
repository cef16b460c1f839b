"""Registered sites: add, read, change and remove them, their origins, moderators and members.

Rules, enforced here (the views and the CLI only parse and present):
- Only an operator manages sites: the shell (`SHELL`, `postil site …`) or a user marked
  operator (`postil user operator NAME`). Anyone else is refused (Forbidden) before anything is
  looked up, so nothing about sites beyond the public lookup is learnt that way.
- What a site is (key, name, origins, policy) is public: the embed and the WordPress plugin read
  it anonymously (`lookup`). Who moderates or writes there is the operators' to see; a reader is
  told only their own roles (`you`).
- A site's origins are each one site's at most (the database says so; a taken one is a
  Conflict), since an origin decides which site's policy a page's requests come under.
- Every write ends with `_sites_changed`, whose listeners (`on_change`) hear of it inside the
  write: the CORS cache of this process forgets what it knew (`site_cors`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peewee import IntegrityError

from .. import origins as site_rules
from ..contract import SITE_ROLES
from ..db import database, run_write
from ..domain_errors import Conflict, Forbidden, Invalid, NotFound
from ..models import Post, Site, SiteOrigin, SitePerson, Token, User, now_us
from ..parse import SiteFields


class _Shell:
    """The operator at the command line: may manage every site."""

    name = "(shell)"

    def __repr__(self) -> str:
        return "SHELL"


SHELL = _Shell()
Actor = User | _Shell

# ------------------------------------------------------------------ listeners

_listeners: list[Callable[[], None]] = []


def on_change(listener: Callable[[], None]) -> None:
    """Call `listener()` after every write to sites, their origins or people, in the write."""
    _listeners.append(listener)


def _sites_changed() -> None:
    for listener in _listeners:
        listener()


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class SiteView:
    """A site with its origins, as anyone may see it."""

    site: Site
    origins: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.site.key

    @property
    def policy(self) -> dict:
        return {"embed": self.site.embed, "moderation": self.site.moderation,
                "public_per_hour": self.site.public_per_hour}


def _view(site: Site) -> SiteView:
    origins = (SiteOrigin.select(SiteOrigin.origin).where(SiteOrigin.site == site.id)
               .order_by(SiteOrigin.id).tuples())
    return SiteView(site, tuple(o for (o,) in origins))


def require_operator(actor: Actor | None) -> None:
    """Refuse (Forbidden, `operator_required`) anyone but the shell and operator accounts."""
    if actor is SHELL:
        return
    if not isinstance(actor, User) or not actor.operator or actor.disabled:
        raise Forbidden("only the server's operators manage sites (an operator marks an "
                        "account with 'postil user operator NAME')", code="operator_required")


def _by_key(key: str) -> Site:
    site = Site.by_key(key)
    if site is None:
        raise NotFound(f"no site {key!r} is registered")
    return site


def get_site(key: str) -> SiteView:
    """Return the registered site of this key (public)."""
    return _view(_by_key(key))


def by_origin(origin: str) -> SiteView | None:
    """Return the site an origin (as a browser's `Origin` header says it) belongs to, or None."""
    if not isinstance(origin, str):
        return None
    row = (Site.select().join(SiteOrigin).where(SiteOrigin.origin == origin).first())
    return _view(row) if row else None


def lookup(url: str) -> SiteView:
    """Return the site an address lies under (its longest registered home); NotFound if none."""
    try:
        keys = site_rules.candidate_keys(url)
    except site_rules.OriginError as exc:
        raise Invalid("url", str(exc)) from None
    return _view(_longest(keys, f"no site is registered for {url!r}"))


def _longest(keys: list[str], missing: str) -> Site:
    rows = {s.key: s for s in Site.select().where(Site.key.in_(keys))}
    for key in keys:
        if key in rows:
            return rows[key]
    raise NotFound(missing)


def site_for_post_key(site: str, post_id: int | None, url_key: str | None) -> Site | None:
    """Return the registered site a post key belongs to, or None (an unregistered site).

    A WordPress post belongs to the site its key names; a page keyed by its URL to the longest
    registered home its URL lies under.
    """
    keys = site_rules.key_candidates_of_post(site, None if post_id is not None else url_key)
    try:
        return _longest(keys, "")
    except NotFound:
        return None


def may_annotate(viewer: User, ref) -> None:
    """Refuse (Forbidden, `embed_other_site`) a new annotation an embed session (a viewer with
    `embed_site`) names a post of another site, or of no registered site, for: such a session
    writes on its site's posts alone, as it reads them alone. Every other session writes
    anywhere (nothing is asked). `ref`: the body's `parse.PostKey`; one naming a post by its
    row id is `resolve_post`'s to find among the posts the session knows of (its site's)."""
    limited_to = getattr(viewer, "embed_site", None)
    if limited_to is None or ref.post_pk is not None:
        return
    site = site_for_post_key(ref.site, ref.post_id, ref.url_key)
    if site is None or site.id != limited_to:
        raise Forbidden("this session was made for Postil's embed on a site's pages: it writes "
                        "notes on that site's posts only; the extension writes anywhere",
                        code="embed_other_site")


def site_for_post(post: Post) -> Site | None:
    """Return the registered site a stored post belongs to, or None."""
    return site_for_post_key(post.site, post.post_id, post.url_key)


def list_sites(actor: Actor | None) -> list[SiteView]:
    """Return every registered site, by key (operators only)."""
    require_operator(actor)
    return [_view(site) for site in Site.select().order_by(Site.key)]


def people(actor: Actor | None, key: str) -> dict[str, list[str]]:
    """Return the names of a site's moderators and members (operators only)."""
    require_operator(actor)
    site = _by_key(key)
    out: dict[str, list[str]] = {role: [] for role in SITE_ROLES}
    rows = (SitePerson.select(SitePerson.role, User.name).join(User)
            .where(SitePerson.site == site.id).order_by(User.name_key).tuples())
    for role, name in rows:
        out[role].append(name)
    return out


def roles_of(viewer: User | None, site: Site) -> set[str]:
    """Return the viewer's own roles on a site ("moderator", "member"); none for anonymous."""
    if viewer is None:
        return set()
    return {role for (role,) in SitePerson.select(SitePerson.role).where(
        (SitePerson.site == site.id) & (SitePerson.user == viewer.id)).tuples()}


def you(viewer: User | None, site: Site) -> dict[str, bool]:
    """Return what the viewer is on the site: `{"moderator": bool, "member": bool}`."""
    roles = roles_of(viewer, site)
    return {role: role in roles for role in SITE_ROLES}


def is_moderator(viewer: User | None, site: Site) -> bool:
    return "moderator" in roles_of(viewer, site)


def is_member(viewer: User | None, site: Site) -> bool:
    return "member" in roles_of(viewer, site)


def embed_site(origin: str) -> SiteView:
    """Return the site whose embed runs on pages of `origin`; Forbidden (`origin_not_registered`)
    for an origin of no site, or of one whose embed is off: nothing is handed to it."""
    view = by_origin(origin)
    if view is None or view.site.embed == "off":
        raise Forbidden(f"{origin} is not the origin of a site registered on this server with "
                        "its embed on, so nothing is handed to it",
                        code="origin_not_registered")
    return view


def may_write_from_embed(viewer: User, origin: str) -> None:
    """Refuse (Forbidden) a write the policy of `origin`'s site does not let the viewer make from
    its pages: under `members`, only its members and moderators write there; under `read-only`
    and `off`, nobody does. An origin of no site is not this rule's to judge (CORS is)."""
    view = by_origin(origin)
    if view is not None:
        _may_write_on(viewer, view.site)


def may_write_from_embed_session(viewer: User, site_id: int) -> None:
    """Refuse (Forbidden) a write of a session the embed's pop-up made for the site `site_id`
    (`Token.site_id`) where that site's policy lets the viewer write from its pages no more,
    whoever sends it (with the site's `Origin`, or none: its server, or a script that took the
    token): the rule of `may_write_from_embed`."""
    site = Site.get_or_none(Site.id == site_id)
    if site is not None:
        _may_write_on(viewer, site)


def _may_write_on(viewer: User, site: Site) -> None:
    if site.embed == "signed-in":
        return
    if site.embed == "members":
        if roles_of(viewer, site):
            return
        raise Forbidden(f"on {site.name}, only the site's members write notes from its "
                        "pages; the extension writes anywhere", code="site_members_only")
    raise Forbidden(f"{site.name} shows notes on its pages but takes none from them; the "
                    "extension writes anywhere", code="embed_read_only")


def admitted_origins() -> dict[str, str]:
    """Return {origin: embed mode} of every registered site whose embed is not off."""
    rows = (SiteOrigin.select(SiteOrigin.origin, Site.embed).join(Site)
            .where(Site.embed != "off").tuples())
    return dict(rows)


# ------------------------------------------------------------------ writing


def _named(username: str, field: str) -> User:
    from ..models import ANONYMOUS_NAME

    user = User.by_name(username)
    if user is None or user.name == ANONYMOUS_NAME:
        raise Invalid(field, f"no user {username!r}")
    return user


def _set_origins(site: Site, origins: tuple[str, ...]) -> None:
    taken = (SiteOrigin.select(SiteOrigin.origin, Site.key).join(Site)
             .where(SiteOrigin.origin.in_(origins) & (SiteOrigin.site != site.id)).first())
    if taken is not None:
        raise Conflict(f"the origin {taken.origin} belongs to the site {taken.site.key}")
    SiteOrigin.delete().where((SiteOrigin.site == site.id)
                              & SiteOrigin.origin.not_in(origins)).execute()
    have = {o for (o,) in SiteOrigin.select(SiteOrigin.origin)
            .where(SiteOrigin.site == site.id).tuples()}
    for origin in origins:
        if origin not in have:
            SiteOrigin.create(site=site.id, origin=origin)


def _add_people(site: Site, role: str, users: list[User]) -> None:
    for user in users:
        if not SitePerson.select().where((SitePerson.site == site.id) & (SitePerson.role == role)
                                         & (SitePerson.user == user.id)).exists():
            SitePerson.create(site=site.id, user=user.id, role=role, added_us=now_us())


def add_site(actor: Actor | None, fields: SiteFields) -> SiteView:
    """Register a site (`fields` from `parse.site_body(…, partial=False)`)."""
    require_operator(actor)
    if fields.key is None:
        raise Invalid("url", "is required")
    moderators = [_named(n, "moderators") for n in fields.moderators]
    members = [_named(n, "members") for n in fields.members]

    def write() -> Site:
        if Site.select().where(Site.key == fields.key).exists():
            raise Conflict(f"the site {fields.key} is registered already")
        stamp = now_us()
        try:
            with database.atomic():
                site = Site.create(key=fields.key, name=fields.name or fields.key,
                                   embed=fields.embed or "off",
                                   moderation=fields.moderation or "post",
                                   public_per_hour=fields.public_per_hour or 0,
                                   created_us=stamp, updated_us=stamp)
                _set_origins(site, fields.origins or ())
        except IntegrityError:
            raise Conflict(f"the site {fields.key} or one of its origins is registered "
                           "already") from None
        _add_people(site, "moderator", moderators)
        _add_people(site, "member", members)
        _sites_changed()
        return site

    return _view(run_write(write))


def change_site(actor: Actor | None, key: str, fields: SiteFields) -> SiteView:
    """Rename a site, replace its origins or change its policy (None: left as it is)."""
    require_operator(actor)
    changes = {name: value for name, value in (
        ("name", fields.name), ("embed", fields.embed), ("moderation", fields.moderation),
        ("public_per_hour", fields.public_per_hour)) if value is not None}

    def write() -> Site:
        site = _by_key(key)
        if changes.get("name") == "":
            changes["name"] = site.key
        stamp = max(now_us(), site.updated_us + 1)
        Site.update(**changes, updated_us=stamp).where(Site.id == site.id).execute()
        if changes.get("embed") == "off":
            # Its pages no longer hold anyone's session: the ones its pop-up made end here.
            Token.delete().where(Token.site_id == site.id).execute()
        if fields.origins is not None:
            try:
                with database.atomic():
                    _set_origins(site, fields.origins)
            except IntegrityError:
                raise Conflict("one of those origins belongs to another site") from None
        _sites_changed()
        return Site.get_by_id(site.id)

    return _view(run_write(write))


def remove_site(actor: Actor | None, key: str) -> None:
    """Unregister a site: its origins and people go; its posts and annotations stay."""
    require_operator(actor)

    def write() -> None:
        from .moderation import forget_site  # moderation reads sites, as this may not

        site = _by_key(key)
        forget_site(site.id)
        SitePerson.delete().where(SitePerson.site == site.id).execute()
        SiteOrigin.delete().where(SiteOrigin.site == site.id).execute()
        Token.delete().where(Token.site_id == site.id).execute()  # its pages' sessions end
        Site.delete().where(Site.id == site.id).execute()
        _sites_changed()

    run_write(write)


def set_person(actor: Actor | None, key: str, username: str, role: str, present: bool) -> User:
    """Make a user a moderator or member of a site (`present`), or no longer one."""
    require_operator(actor)
    if role not in SITE_ROLES:
        raise Invalid("role", f"must be one of {', '.join(SITE_ROLES)}")
    field = role + "s"

    def write() -> User:
        site = _by_key(key)
        user = _named(username, field)
        if present:
            _add_people(site, role, [user])
        else:
            SitePerson.delete().where((SitePerson.site == site.id) & (SitePerson.role == role)
                                      & (SitePerson.user == user.id)).execute()
        _sites_changed()
        return user

    return run_write(write)


def set_operator(actor: Actor | None, username: str, operator: bool) -> User:
    """Mark an account as an operator of this server, or no longer (the shell only)."""
    if actor is not SHELL:
        raise Forbidden("only the shell makes operators: 'postil user operator NAME'",
                        code="operator_required")

    def write() -> User:
        user = _named(username, "name")
        User.update(operator=operator).where(User.id == user.id).execute()
        user.operator = operator
        return user

    return run_write(write)
