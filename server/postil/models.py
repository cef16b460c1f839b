"""The stored things — users, tokens, posts, annotations and their tags — and the queries on them.

Times are integer microseconds since the epoch (UTC): they sort and compare the same way on SQLite
and PostgreSQL, which keyset cursors and `updated_since` rely on.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time

import orjson
from peewee import (
    JOIN,
    SCOPE_NORMAL,
    SQL,
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    ColumnBase,
    FieldAlias,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    TextField,
    fn,
)
from werkzeug.security import check_password_hash, generate_password_hash

from . import jsonio
from .contract import ROLES  # noqa: F401 - a member's roles, listed with the contract
from .db import database
from .validation import username_key

TOKEN_PREFIX = "pst_"
# The author of the public annotations a deleted account left behind, anonymised: one account
# for all of them, so nothing groups them by who wrote them. The name breaks the username rule
# (validation.USERNAME), the password hash matches no password and the account is disabled, so
# nobody can sign up or in as it; answers show its annotations with no author at all
# (`present.author_name`).
ANONYMOUS_NAME = "(anonymous)"
NO_PASSWORD = "!no-password"


def now_us() -> int:
    return time.time_ns() // 1000


class JSONField(TextField):
    """A JSON value kept as text, so both databases store it the same way."""

    def db_value(self, value):
        if value is None:
            return None
        # Speed: equals json.dumps(value, ensure_ascii=False, separators=(",", ":")), through
        # orjson where it can (bench/README.md row "HTTP POST /api/annotations, a real create").
        try:
            return orjson.dumps(value).decode()
        except TypeError:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else jsonio.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class User(BaseModel):
    id = AutoField()
    name = CharField(max_length=64, unique=True)
    # `validation.username_key(name)`: one key for every spelling of a name (migration 0009).
    name_key = CharField(max_length=255, unique=True)
    password_hash = CharField(max_length=255)
    created_us = BigIntegerField(default=now_us)
    # A disabled user's tokens answer 401 and signing in answers 403 (`postil user disable`).
    disabled = BooleanField(default=False)
    # May register and change sites over the API (`postil user operator NAME`; migration 0015).
    operator = BooleanField(default=False)
    # Not a column: the site an embed session is limited to (its token's `site_id`, set by
    # `store.accounts.session_for` and `store.changes.redeem_ticket`); None for every other
    # session. Such a viewer sees only what lies on that site's posts (`Annotation.visible_to`,
    # `Post.known_to`): a note anywhere else does not exist for that session.
    embed_site: int | None = None

    def save(self, *args, **kwargs):
        if not self.name_key:
            self.name_key = username_key(self.name)
        return super().save(*args, **kwargs)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @classmethod
    def by_name(cls, name: str) -> User | None:
        """Return the user of this name in any case or Unicode spelling.

        The exact name first: two users whose names collided before names were keyed keep
        their own accounts (migration 0009 gave the later one another key). A name with a NUL
        character (a path's or a query's) names nobody: no stored name holds one, and
        PostgreSQL cannot compare a string that does.
        """
        if not isinstance(name, str) or "\x00" in name:
            return None
        return (cls.get_or_none(cls.name == name)
                or cls.get_or_none(cls.name_key == username_key(name)))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Token(BaseModel):
    """A bearer token; only its SHA-256 is stored, so a leaked database leaks no sessions."""

    id = AutoField()
    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    label = CharField(max_length=100, default="")
    created_us = BigIntegerField(default=now_us)
    # When the token was last seen, to about a minute (`store.accounts.touch`); None: not since
    # it was issued. Idle expiry counts from here.
    last_used_us = BigIntegerField(null=True)
    # The site whose pages the embed's sign-in pop-up made this session for (migration 0018);
    # None for every other session. Such a session reaches only what the embed needs (auth.py).
    site_id = IntegerField(null=True)

    @classmethod
    def issue(cls, user: User, label: str = "", site_id: int | None = None) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        cls.create(user=user, token_hash=hash_token(token), label=label[:100], created_us=now_us(),
                   site_id=site_id)
        return token

    @classmethod
    def user_for(cls, token: str) -> tuple[User, Token] | None:
        """Return the token's user and the token (with its times), or None for an unknown one.

        Whether it has expired or its user is disabled is `store.accounts.session_for`'s to say.
        """
        # Speed: equals Token.select(Token, User).join(User).where(Token.token_hash == h).first(),
        # in plain SQL (bench/README.md row "HTTP   + signed in (token looked up)").
        bound = database.obj  # not through the proxy (db.py)
        p = bound.param
        row = bound.execute_sql(
            'SELECT t.id, t.created_us, t.last_used_us, t.label, u.id, u.name, u.name_key, '
            'u.password_hash, u.created_us, u.disabled, u.operator, t.site_id FROM token t '
            f'JOIN "user" u ON u.id = t.user_id WHERE t.token_hash = {p}',
            [hash_token(token)]).fetchone()
        if row is None:
            return None
        # Every field given: no defaults to fill in first (`created_us`'s would read the clock).
        user = User(__no_default__=True, id=row[4], name=row[5], name_key=row[6],
                    password_hash=row[7], created_us=row[8], disabled=bool(row[9]),
                    operator=bool(row[10]))
        return user, cls(__no_default__=True, id=row[0], user=user, created_us=row[1],
                         last_used_us=row[2], label=row[3], site_id=row[11])


class SignInThrottle(BaseModel):
    """Failed sign-ins counted per username key and per client address (`store.throttle`).

    Kept in the database, not in a process, so that every server process sees the same counts.
    """

    id = AutoField()
    key = CharField(max_length=255, unique=True)  # "user:<username key>" or "addr:<address>"
    failures = IntegerField(default=0)
    last_failure_us = BigIntegerField(default=0, index=True)

    class Meta:
        table_name = "sign_in_throttle"


def row_to(model: type[Model], columns: list[str], row) -> Model:
    """Make a model instance from a plain-SQL row, converting values as peewee would."""
    fields = model._meta.fields
    return model(__no_default__=True,
                 **{c: fields[c].python_value(v) for c, v in zip(columns, row, strict=True)})


class Post(BaseModel):
    """A WordPress post (site, post_id), or a page that is not one, keyed by its normalised URL."""

    id = AutoField()
    site = CharField(max_length=255)  # indexed as the first column of (site, post_id)
    post_id = BigIntegerField(null=True)
    url_key = TextField(null=True, unique=True)
    link_key = TextField(null=True, index=True)
    url = TextField(default="")
    title = TextField(default="")
    guid = TextField(default="")
    type = CharField(max_length=64, default="")
    slug = TextField(default="")
    modified_gmt = CharField(max_length=32, null=True)
    content_html = TextField(default="")
    text = TextField(default="")
    registered = BooleanField(default=False)
    created_us = BigIntegerField(default=now_us)
    updated_us = BigIntegerField(default=now_us)
    # The user whose private annotation gave `url` and `title`; None once WordPress or a public
    # annotation gave them. Only that user is shown them (see `shown_url_to`).
    url_user = IntegerField(null=True)
    # When the post became everyone's: registered, or named by a public annotation; None while
    # only private annotations name it. Everyone is shown it as the post's `created`, and
    # `updated_us` changes only with what everyone is shown (migration 0010).
    shared_us = BigIntegerField(null=True)
    # `modified_gmt` is what WordPress or a public annotation said; a private annotation's newer
    # one is kept here, shown to its author (`modified_user`) alone.
    private_modified_gmt = CharField(max_length=32, null=True)
    modified_user = IntegerField(null=True)

    class Meta:
        indexes = ((("site", "post_id"), True),)

    # What annotating needs of a post; never its body (for a registered post, the whole
    # article), which a create does not use.
    KEY_FIELDS = ("id", "site", "post_id", "url_key", "link_key", "url", "title", "modified_gmt",
                  "registered", "url_user", "shared_us", "private_modified_gmt", "modified_user")

    @classmethod
    def by_key(cls, site: str | None, post_id: int | None, url_key: str | None, *,
               for_update: bool = False) -> Post | None:
        """Return the post with this key, without its body: (site, post_id), or url_key.

        `for_update` locks the row on PostgreSQL until the transaction ends, for a write that
        decides from what it read (SQLite's write transaction excludes other writers already).
        """
        # Speed: equals Post.select(*KEY_FIELDS).where(the key).first(), in plain SQL
        # (bench/README.md row "HTTP POST /api/annotations, a real create").
        bound = database.obj  # not through the proxy (db.py)
        p = bound.param
        select = "SELECT " + ", ".join(f'"{c}"' for c in cls.KEY_FIELDS)
        lock = " FOR UPDATE" if for_update and isinstance(bound, PostgresqlDatabase) else ""
        if post_id is not None:
            row = bound.execute_sql(
                f"{select} FROM post WHERE site = {p} AND post_id = {p}{lock}",
                [site, post_id]).fetchone()
        else:
            row = bound.execute_sql(f"{select} FROM post WHERE url_key = {p}{lock}",
                                    [url_key]).fetchone()
        return row_to(cls, cls.KEY_FIELDS, row) if row else None

    @classmethod
    def known_to(cls, viewer: User | None):
        """Return the condition "the viewer may know of this post".

        Registered from WordPress, or holding an annotation the viewer sees: a post that only
        another reader's private annotation created would tell who read what.
        """
        seen = (Annotation.select(Annotation.post)
                .where(Annotation.visible_to(viewer) & (Annotation.deleted == False)))  # noqa: E712
        known = (cls.registered == True) | cls.id.in_(seen)  # noqa: E712
        site = getattr(viewer, "embed_site", None)
        if site is not None:
            # An embed session knows of its site's posts alone (`User.embed_site`).
            known &= cls.on_site(site, cls.id)
        return known

    @classmethod
    def on_site(cls, site_id: int, post):
        """Return the condition "the post `post` (a post id column) belongs to the site
        `site_id`": `store.sites.site_for_post`'s rule in SQL, read when the query runs.

        A WordPress post belongs to the site its key's `site` names; a page keyed by its URL
        to the registered site with the longest key its URL lies under (the key itself, or
        the key followed by "/" or "?"), so a subsite's pages are not its parent site's.
        Correlated: each row asks for its own post by id, and the site table is small.
        """
        p = cls.alias("scope_post")
        s = Site.alias("scope_site")
        prefix = fn.SUBSTR(p.url_key, 1, fn.LENGTH(s.key) + 1)
        under = ((p.post_id.is_null(False) & (s.key == p.site))
                 | (p.post_id.is_null() & ((p.url_key == s.key)
                                           | (prefix == s.key.concat("/"))
                                           | (prefix == s.key.concat("?")))))
        longest = (s.select(s.id).where(under).order_by(fn.LENGTH(s.key).desc()).limit(1))
        return fn.EXISTS(p.select(SQL("1")).where((p.id == post) & (longest == site_id)))

    @classmethod
    def shown_url_to(cls, viewer: User | None):
        """Return the condition "the viewer is shown the post's own URL and title".

        True unless another reader's private annotation gave them (`url_user`); the Python
        side of the same rule is `present.post_summary`.
        """
        if viewer is None:
            return cls.url_user.is_null()
        return cls.url_user.is_null() | (cls.url_user == viewer.id)

    def own_address(self, viewer_id: int) -> tuple[str, str] | None:
        """The address and title the viewer's own private annotations last gave this post."""
        p = database.param
        row = database.execute_sql(
            f"SELECT url_key, title, scheme FROM post_url WHERE post_id = {p} "
            f"AND url_user = {p} ORDER BY created_us DESC, id DESC LIMIT 1",
            [self.id, viewer_id]).fetchone()
        if row is None:
            return None
        return f"{row[2] or 'https'}://{row[0]}", row[1]

    def own_times(self, viewer_id: int) -> tuple[int | None, int | None]:
        """When the viewer's own annotations first and last named this post (None: never)."""
        p = database.param
        return tuple(database.execute_sql(
            f"SELECT MIN(created_us), MAX(created_us) FROM annotation WHERE post_id = {p} "
            f"AND user_id = {p}", [self.id, viewer_id]).fetchone())

    def key_url(self) -> str:
        """An address of the post made from its key alone: the shortlink, or the page's URL."""
        scheme = "http" if (self.url or "").startswith("http:") else "https"
        if self.post_id is not None:
            return f"{scheme}://{self.site}/?p={self.post_id}"
        return f"{scheme}://{self.url_key or self.site + '/'}"

class Group(BaseModel):
    """A reading group: its members see the annotations made in it (`Annotation.visible_to`).

    `gid` is the id clients see: random, so group ids cannot be walked or counted.
    """

    id = AutoField()
    gid = CharField(max_length=32, unique=True)
    name = CharField(max_length=100)
    description = TextField(default="")
    created_us = BigIntegerField(default=now_us)
    updated_us = BigIntegerField(default=now_us)

    class Meta:
        table_name = "group"


# Who may hide and unhide annotations in a group.
MODERATING_ROLES = ("owner", "moderator")


class Membership(BaseModel):
    """One user in one group with a role; `store.groups` keeps at least one owner per group."""

    id = AutoField()
    group = ForeignKeyField(Group, backref="memberships", on_delete="CASCADE", index=False)
    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE", index=False)
    role = CharField(max_length=16, default="member")
    joined_us = BigIntegerField(default=now_us)

    class Meta:
        indexes = ((("group", "user"), True), (("user", "group"), False))


class Invite(BaseModel):
    """A link that lets whoever holds it join a group; only the token's SHA-256 is stored."""

    id = AutoField()
    group = ForeignKeyField(Group, backref="invites", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(User, backref="invites", on_delete="CASCADE")
    created_us = BigIntegerField(default=now_us)
    expires_us = BigIntegerField(null=True)
    max_uses = IntegerField(null=True)
    uses = IntegerField(default=0)
    revoked = BooleanField(default=False)

    def status(self, at_us: int | None = None) -> str:
        """Say whether the invite still works: "active", "revoked", "expired" or "used up"."""
        if self.revoked:
            return "revoked"
        if self.expires_us is not None and self.expires_us <= (at_us or now_us()):
            return "expired"
        if self.max_uses is not None and self.uses >= self.max_uses:
            return "used up"
        return "active"


class Annotation(BaseModel):
    pk = AutoField()
    # Unique per author; among public annotations; and among one group's (migrations 0010,
    # 0012): an annotation you may not see does not exist for you, so its id must not be taken
    # for you.
    uid = CharField(max_length=36)
    # Indexed as the first columns of (post, created_us) and (user, created_us) below.
    post = ForeignKeyField(Post, backref="annotations", on_delete="CASCADE", index=False)
    user = ForeignKeyField(User, backref="annotations", on_delete="CASCADE", index=False)
    quote = TextField(default="")
    selectors = JSONField(default=list)
    note = TextField(default="")
    note_html = TextField(default="")
    color = CharField(max_length=16, default="yellow")
    tags = JSONField(default=list)
    tags_text = TextField(default="")
    visibility = CharField(max_length=16, default="private")
    deleted = BooleanField(default=False)
    created_us = BigIntegerField(default=now_us)
    updated_us = BigIntegerField(default=now_us)
    version = IntegerField(default=1)
    # The IRI a W3C client gave the annotation when the server minted its own (migration 0008).
    via = TextField(null=True)
    # Another author has an annotation with this uid too (migration 0010): only then may a
    # public one be shadowed for a viewer (`visible_to`), so only then is that looked up.
    shares_id = BooleanField(default=False)
    # The group of a "group" annotation (else None), and whether its moderators hid it: a hidden
    # one is shown only to its author and the group's owner and moderators (migration 0012).
    group = ForeignKeyField(Group, null=True, backref="annotations", column_name="group_id",
                            index=True)
    hidden = BooleanField(default=False)
    # A reply (migration 0013): `parent` is the pk of the annotation it answers, `root` the pk
    # of its thread's first annotation, `reply_to` the parent's id as clients know it; all None
    # for an annotation that answers nothing. A reply has no passage of its own, is on its
    # parent's post, and has its thread's visibility and group (`store.annotations` keeps them
    # in step). Each has a partial index, of replies alone (migration 0013): every query of
    # replies says `IS NOT NULL` or compares the column, so it can use it, and the default
    # "answers nothing" (`parent IS NULL`) is never read through it.
    parent = IntegerField(null=True)
    root = IntegerField(null=True)
    reply_to = CharField(max_length=36, null=True)
    # Moderation by a registered site (migration 0016): `site` is the site whose posts a public
    # annotation is on (set when it becomes public there; None elsewhere), `published_us` when
    # it did (the site's `public_per_hour` counts these), and `pending` says it waits for a site
    # moderator's approval. A public annotation withheld by its site (`hidden`: pending, or
    # hidden by a site moderator) is shown only to its author and the site's moderators.
    site_id = IntegerField(null=True)
    published_us = BigIntegerField(null=True)
    pending = BooleanField(default=False)

    class Meta:
        indexes = (
            (("uid", "user"), True),
            # Carries the visibility rule's columns too (migration 0017): a query by post
            # reads this index alone.
            (("post", "created_us"), False),
            (("user", "created_us"), False),
            (("user", "updated_us"), False),
            (("visibility", "created_us"), False),
            (("updated_us",), False),
        )

    @classmethod
    def visible_to(cls, viewer: User | None, alias=None):
        """Return the condition "the viewer may see this annotation".

        Their own; a public one; one in a group the viewer belongs to now — but a hidden one
        (`hidden`, set by the group's moderators) only to its author and the group's owner and
        moderators. The one place the rule is written (`_rule`): every read path (queries,
        counts, posts, popular passages, exports, W3C containers, reading one, the stream)
        filters with it. `alias`: the rule for another alias of the table (a subquery's).
        An embed session's viewer (`User.embed_site`) sees, of all that, what lies on its
        site's posts alone (`Post.on_site`).

        Ids are unique per author, among public annotations and within a group, so a viewer
        could be shown two annotations with one id (one of their own made while another
        reader's was out of their sight, or one in each of two groups). One of them is shown:
        their own first, else the oldest (lowest pk) they may see; so what a viewer sees has
        each id once, and an id names one annotation for them everywhere
        (`store.annotations.resolve`). An id is marked `shares_id` as soon as a second author
        holds it, so only those rare rows pay for the lookup.
        """
        a = alias or cls
        if viewer is None:
            return cls._rule(None, a)
        # Speed: the signed-in rule's SQL is made once per shape and reused with the viewer's
        # id bound as a parameter (`VisibleTo`; bench/README.md, "Compiled once").
        rule = VisibleTo(viewer.id, a)
        site = getattr(viewer, "embed_site", None)  # viewers other than a User have none
        if site is not None:
            # An embed session (`User.embed_site`) sees what lies on its site's posts, nothing
            # else: the rule, and the annotation's post one of the site's.
            return rule & Post.on_site(site, a.post)
        return rule

    @classmethod
    def _rule(cls, viewer_id: int | None, a):
        """The rule as peewee expressions, for the viewer with this id (None: signed out).

        A new way of being allowed to see belongs in SQLite's full-text `access` words too
        (migrations 0020, 0021, `store.queries.fulltext_match`), which name who may read a row at
        most; a column read here belongs in `TAG_CARRIES` (migration 0019).
        """
        if viewer_id is None:
            # A public one withheld by its site (pending, or hidden) is not shown to anyone
            # signed out.
            return (a.visibility == "public") & (a.hidden == False)  # noqa: E712
        other = Annotation.alias("same_id")
        # Speed: `shares_id` first, so the lookup runs only for the rare id two authors hold
        # (bench/README.md, "Ids per author").
        shadowed = (a.shares_id == True) & fn.EXISTS(other.select(SQL("1")).where(  # noqa: E712
            (other.uid == a.uid) & (other.pk != a.pk)
            & ((other.user == viewer_id)
               | ((other.pk < a.pk) & cls._others_visible(viewer_id, other)))))
        # Speed: three terms joined by OR, each one an index can find (author; visibility;
        # group), so SQLite reads them by index instead of scanning the table (bench/README.md,
        # "With groups in the rule").
        mine, moderated = cls._groups_of(viewer_id)
        in_group = (a.group.in_(mine) & (a.visibility == "group")
                    & ((a.hidden == False) | a.group.in_(moderated)))  # noqa: E712
        return ((a.user == viewer_id) | (cls._public_seen(viewer_id, a) & ~shadowed)
                | (in_group & ~shadowed))

    @classmethod
    def _public_seen(cls, viewer_id: int, a):
        """Public, and not withheld by its site (pending or hidden) unless the viewer moderates
        that site (`store.moderation`)."""
        m = SitePerson.alias("vis_site_moderator")
        moderated = m.select(m.site).where((m.user == viewer_id) & (m.role == "moderator"))
        return (a.visibility == "public") & ((a.hidden == False)  # noqa: E712
                                             | a.site_id.in_(moderated))

    @classmethod
    def _groups_of(cls, viewer_id: int):
        """The viewer's groups, and those they moderate, as subqueries (read at query time).

        Named aliases, so the rule's SQL names no table by peewee's numbering (`VisibleTo`)."""
        m = Membership.alias("vis_member")
        mine = m.select(m.group).where(m.user == viewer_id)
        m = Membership.alias("vis_moderator")
        moderated = m.select(m.group).where(
            (m.user == viewer_id) & m.role.in_(MODERATING_ROLES))
        return mine, moderated

    @classmethod
    def _others_visible(cls, viewer_id: int, a):
        """Visible to the viewer though not theirs: public, or in a group of theirs; not hidden
        unless they moderate that group."""
        mine, moderated = cls._groups_of(viewer_id)
        in_group = (a.visibility == "group") & a.group.in_(mine)
        return (cls._public_seen(viewer_id, a)
                | (in_group & ((a.hidden == False) | a.group.in_(moderated))))  # noqa: E712

    INSERT_COLUMNS = ("uid", "post_id", "user_id", "quote", "selectors", "note", "note_html",
                      "color", "tags", "tags_text", "visibility", "deleted", "created_us",
                      "updated_us", "version", "via", "group_id", "hidden", "parent", "root",
                      "reply_to", "site_id", "published_us", "pending")

    @classmethod
    def insert_new(cls, values: dict) -> int | None:
        """Insert one annotation (every column in INSERT_COLUMNS given); return its pk.

        None when the author has an annotation with this uid already, or a public one (or one
        in the same group) has it and this one is public (in that group) too (nothing is
        written then).
        """
        # Speed: equals Annotation.insert(values).on_conflict_ignore(), in plain SQL
        # (bench/README.md row "HTTP POST /api/annotations, a real create").
        bound = database.obj  # not through the proxy (db.py)
        fields = cls._meta.columns
        params = [fields[c].db_value(values[c]) for c in cls.INSERT_COLUMNS]
        sql = (f'INSERT INTO annotation ({", ".join(cls.INSERT_COLUMNS)}) VALUES '
               f'({", ".join([bound.param] * len(params))}) ON CONFLICT DO NOTHING')
        if isinstance(bound, PostgresqlDatabase):
            row = bound.execute_sql(sql + " RETURNING pk", params).fetchone()
            return row[0] if row else None
        cursor = bound.execute_sql(sql, params)
        return cursor.lastrowid if cursor.rowcount == 1 else None

    @classmethod
    def with_post_and_user(cls):
        """Select annotations with their post, author and group loaded in the same query."""
        return (cls.select(cls, Post, User, Group).join(Post).switch(cls).join(User)
                .switch(cls).join(Group, JOIN.LEFT_OUTER))

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

# The columns of an annotation (or of what stands for one: an alias, the change log's row as it
# was, `store.changes.AS_BEFORE`) that `Annotation._rule` reads.
RULE_COLUMNS = ("pk", "uid", "user", "visibility", "shares_id", "group", "hidden", "site_id")
# What a tag row copies of its annotation (migration 0019): the rule's columns but the pk (the
# row's `annotation`), and the default filters' (`deleted`, `parent`).
TAG_CARRIES = ("uid", "user", "visibility", "group", "hidden", "shares_id", "site_id", "deleted",
               "parent")
# A viewer id no account has, bound where the rule names the viewer while its SQL is made.
_VIEWER = -7_123_456_787
_OUTER = "__postil_rule__"


class VisibleTo(ColumnBase):
    """`Annotation.visible_to(viewer, alias)` for a signed-in viewer, as one node of a query.

    The rule is a tree of a few hundred peewee nodes, and making its SQL cost several times
    what SQLite takes to run a query by post (bench/README.md, "Compiled once"). Its SQL
    depends only on the database's dialect and on which columns `alias` names; the viewer is
    only a value. So it is made once per (dialect, columns) from `Annotation._rule` itself, with
    `_VIEWER` for the viewer and `_OUTER` for the table the rule reads, and each query puts
    in the table's alias there and binds this viewer's id for `_VIEWER`. The viewer's groups
    are subqueries of the membership table, read when the query runs, so they are never part
    of the SQL either. Where the query is in an unusual state (the rule as a selected column,
    inside a function, values written inline) the rule's tree is compiled as it stands.
    """

    _made: dict = {}

    def __init__(self, viewer_id: int, alias) -> None:
        super().__init__()
        self.viewer_id = viewer_id
        self.alias_of = alias

    def __sql__(self, ctx):
        state = ctx.state
        if (state.scope != SCOPE_NORMAL or not state.subquery or state.in_function
                or state.in_projection or state.bare_subquery or state.value_literals):
            return ctx.sql(Annotation._rule(self.viewer_id, self.alias_of))
        fields = [getattr(self.alias_of, name) for name in RULE_COLUMNS]
        sources = {id(f.source if isinstance(f, FieldAlias) else f.column.source): (
            f.source if isinstance(f, FieldAlias) else f.column.source) for f in fields}
        if len(sources) != 1:
            return ctx.sql(Annotation._rule(self.viewer_id, self.alias_of))
        (source,) = sources.values()
        key = (type(database.obj), state.param, state.quote, tuple(
            (f.model._meta.table_name, f.column_name) for f in fields))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make(ctx, source)
        sql, params = made
        # The table's alias in this query, as peewee writes it for any of its columns here.
        probe = ctx.as_new()
        probe.alias_manager = ctx.alias_manager
        with probe.scope_column():
            outer = probe.sql(source).query()[0]
        ctx.literal(sql.replace(self._quoted(ctx), outer))
        viewer = self.viewer_id
        for param in params:
            ctx.value(viewer if param == _VIEWER else param, False, add_param=False)
        return ctx

    def _make(self, ctx, source) -> tuple[str, list]:
        """The rule's SQL for `_VIEWER`, its table named `_OUTER`, as within a query's WHERE."""
        fresh = ctx.as_new()
        fresh.alias_manager[source] = _OUTER
        with fresh(scope=SCOPE_NORMAL, subquery=True, in_function=False, in_projection=False,
                   bare_subquery=False, in_expr=False, converter=None):
            fresh.sql(Annotation._rule(_VIEWER, self.alias_of))
        sql, params = fresh.query()
        if _VIEWER not in params or self._quoted(ctx) not in sql:
            raise AssertionError("the visibility rule names neither its viewer nor its table")
        return sql, list(params)

    @staticmethod
    def _quoted(ctx) -> str:
        quote = (ctx.state.quote or '""')[0]
        return f"{quote}{_OUTER}{quote}"


class AnnotationTag(BaseModel):
    """One tag of one annotation, lower-cased, for `tag=` filters; display order lives in `tags`."""

    id = AutoField()
    annotation = ForeignKeyField(Annotation, backref="tag_rows", on_delete="CASCADE")
    name = CharField(max_length=64)
    # The annotation's creation time (which never changes), so a tag's annotations can be
    # read newest first from the index below and a page stops early (migration 0007).
    created_us = BigIntegerField(default=0)
    # Copies of the annotation's columns that the visibility rule and the default filters
    # read, written by triggers only (migration 0019, `TAG_CARRIES`): a query by tag reads the
    # index on (name, created_us, annotation) alone, candidates' rule check included
    # (`store.queries`). Never written by the application.
    uid = CharField(max_length=36, default="")
    user = IntegerField(default=0, column_name="user_id")
    visibility = CharField(max_length=16, default="private")
    group = IntegerField(null=True, column_name="group_id")
    hidden = BooleanField(default=False)
    shares_id = BooleanField(default=False)
    site_id = IntegerField(null=True)
    deleted = BooleanField(default=False)
    parent = IntegerField(null=True)

    class Meta:
        indexes = (
            (("name", "annotation"), True),
            # Carries the copies above too (migration 0019).
            (("name", "created_us", "annotation"), False),
        )


class PostUrl(BaseModel):
    """An address a post was read at besides its own `link_key`, so `url=` keeps finding it.

    `url_user` is 0 when everyone may match it, else the user whose private annotation it came
    from (a preview link must not be probed for by others).
    """

    id = AutoField()
    post = ForeignKeyField(Post, backref="urls", on_delete="CASCADE", index=False)
    url_key = TextField()
    url_user = IntegerField(default=0)
    created_us = BigIntegerField(default=now_us)
    # What the reader's page said its title was, and its scheme, for a reader's own address
    # (url_user > 0): shown to them in place of another reader's private URL and title.
    title = TextField(default="")
    scheme = CharField(max_length=8, default="")

    class Meta:
        table_name = "post_url"
        indexes = ((("url_key", "url_user", "post"), True),)

    @classmethod
    def remember(cls, post_pk: int, url_key: str, url_user: int | None, title: str = "",
                 url: str = "") -> None:
        """Record an address of the post; a reader's own one again becomes their latest, with
        the title and scheme of their page's `url` (an empty title keeps the one before)."""
        p = database.param
        if url_user is None or url_user <= 0:
            database.execute_sql(
                f"INSERT INTO post_url (post_id, url_key, url_user, created_us) "
                f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT DO NOTHING",
                [post_pk, url_key, url_user or 0, now_us()])
            return
        scheme = "http" if url.lower().startswith("http:") else "https"
        database.execute_sql(
            f"INSERT INTO post_url (post_id, url_key, url_user, created_us, title, scheme) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}) "
            "ON CONFLICT (url_key, url_user, post_id) DO UPDATE SET "
            "created_us = excluded.created_us, scheme = excluded.scheme, "
            "title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE post_url.title END",
            [post_pk, url_key, url_user, now_us(), title or "", scheme])


class PostRegistration(BaseModel):
    """A reader who registered a post (`PUT /api/posts`), for the export of what they made."""

    id = AutoField()
    post = ForeignKeyField(Post, backref="registrations", on_delete="CASCADE", index=False)
    user = ForeignKeyField(User, backref="registrations", on_delete="CASCADE")
    created_us = BigIntegerField(default=now_us)

    class Meta:
        table_name = "post_registration"
        indexes = ((("post", "user"), True),)


class ReplyMarker(BaseModel):
    """Up to when a reader has read the replies to their annotations (`GET /api/me/replies`).

    Kept on the server, so the unread count is the same on every device they sign in from.
    """

    id = AutoField()
    user = ForeignKeyField(User, backref="reply_marker", on_delete="CASCADE", unique=True)
    read_us = BigIntegerField(default=0)

    class Meta:
        table_name = "reply_marker"


class ChangeLog(BaseModel):
    """One change of an annotation, or of a reader's access, for live-update streams
    (`store.changes`; migration 0014).

    The columns named as `Annotation`'s hold the annotation as it was BEFORE the change (NULL
    for a create), so `Annotation.visible_to` applies to them unchanged: "could this viewer see
    it before?" (`store.changes.BEFORE` lists them; a column the visibility rule comes to read,
    such as a group, is added there, here and in a migration).
    """

    seq = AutoField()
    kind = CharField(max_length=16)  # create | update | delete | purge | access
    annotation = IntegerField(null=True, column_name="annotation_id")
    post = IntegerField(null=True, column_name="post_id")
    uid = CharField(max_length=36, null=True)
    at_us = BigIntegerField(default=now_us)
    user = IntegerField(null=True, column_name="user_id")  # kind "access": whose access
    visibility = CharField(max_length=16, null=True)
    shares_id = BooleanField(default=False)
    group = IntegerField(null=True, column_name="group_id")
    hidden = BooleanField(default=False)
    site = IntegerField(null=True, column_name="site_id")

    class Meta:
        table_name = "change_log"


class ChangeLogState(BaseModel):
    """The change log's one row of bookkeeping: what retention pruned, the event-id secret."""

    id = IntegerField(primary_key=True)
    pruned_through = BigIntegerField(default=0)
    secret = CharField(max_length=64)

    class Meta:
        table_name = "change_log_state"


class StreamTicket(BaseModel):
    """A one-use, short-lived ticket that opens one stream as its user (`store.changes`)."""

    id = AutoField()
    ticket_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, on_delete="CASCADE", index=False)
    token = ForeignKeyField(Token, on_delete="CASCADE", index=False)
    expires_us = BigIntegerField(index=True)

    class Meta:
        table_name = "stream_ticket"


class Site(BaseModel):
    """A registered publication (`store.sites`; migration 0015): the posts whose key's `site` is
    `key` (or, for pages keyed by URL, whose URL lies under it) are its posts, and its policy
    says what its pages' embed may do and how public notes there are moderated."""

    id = AutoField()
    key = CharField(max_length=255, unique=True)
    name = CharField(max_length=200, default="")
    embed = CharField(max_length=16, default="off")  # contract.EMBED_MODES
    moderation = CharField(max_length=8, default="post")  # contract.MODERATION_MODES
    public_per_hour = IntegerField(default=0)  # 0: no limit
    created_us = BigIntegerField(default=now_us)
    updated_us = BigIntegerField(default=now_us)

    @classmethod
    def by_key(cls, key) -> Site | None:
        """The site of this key, or None; a key with a NUL character (from a path) names none,
        as no stored key holds one and PostgreSQL cannot compare a string that does."""
        if not isinstance(key, str) or "\x00" in key:
            return None
        return cls.get_or_none(cls.key == key)


class SiteOrigin(BaseModel):
    """An origin a site's pages are served from; one site's at most."""

    id = AutoField()
    site = ForeignKeyField(Site, backref="origins", on_delete="CASCADE")
    origin = CharField(max_length=255, unique=True)

    class Meta:
        table_name = "site_origin"


class SitePerson(BaseModel):
    """A user with a role on a site: "moderator" or "member" (both: two rows)."""

    id = AutoField()
    site = ForeignKeyField(Site, backref="people", on_delete="CASCADE", index=False)
    user = ForeignKeyField(User, backref="site_roles", on_delete="CASCADE")
    role = CharField(max_length=16)
    added_us = BigIntegerField(default=now_us)

    class Meta:
        table_name = "site_person"
        indexes = ((("site", "role", "user"), True),)


class Flag(BaseModel):
    """A reader's flag on a public annotation of a registered site's post: once per reader."""

    id = AutoField()
    annotation = ForeignKeyField(Annotation, backref="flags", on_delete="CASCADE", index=False)
    user = ForeignKeyField(User, backref="flags", on_delete="CASCADE")
    reason = CharField(max_length=16)  # contract.FLAG_REASONS
    note = TextField(default="")
    created_us = BigIntegerField(default=now_us)

    class Meta:
        table_name = "flag"
        indexes = ((("annotation", "user"), True),)


class SiteBar(BaseModel):
    """A user barred by a site's moderators from writing public notes on its posts."""

    id = AutoField()
    site = ForeignKeyField(Site, backref="bars", on_delete="CASCADE", index=False)
    user = ForeignKeyField(User, backref="site_bars", on_delete="CASCADE")
    reason = TextField(default="")
    at_us = BigIntegerField(default=now_us)

    class Meta:
        table_name = "site_bar"
        indexes = ((("site", "user"), True),)


class ModerationLog(BaseModel):
    """One moderation action on a site: who did what to which annotation or user, when, why.

    Ids, not foreign keys, for the moderator, the annotation and the user acted on: the log
    outlives an account or annotation deleted since (shown as gone)."""

    id = AutoField()
    site = ForeignKeyField(Site, backref="moderation_log", on_delete="CASCADE", index=False)
    moderator = IntegerField(null=True, column_name="moderator_id")
    action = CharField(max_length=16)  # contract.MODERATION_ACTIONS
    annotation = IntegerField(null=True, column_name="annotation_pk")
    annotation_uid = CharField(max_length=36, null=True)
    target = IntegerField(null=True, column_name="target_user_id")
    reason = TextField(default="")
    at_us = BigIntegerField(default=now_us)

    class Meta:
        table_name = "moderation_log"
        indexes = ((("site", "at_us"), False),)


MODELS = [User, Token, Post, Group, Membership, Invite, Annotation, AnnotationTag, PostUrl,
          SignInThrottle, PostRegistration, ReplyMarker, ChangeLog, ChangeLogState,
          StreamTicket, Site, SiteOrigin, SitePerson, Flag, SiteBar, ModerationLog]
