"""Annotation queries: the filters of `parse.Filters` as SQL, keyset pages, and batch walks.

Every query starts from `Annotation.visible_to(viewer)` (in `condition`), so the API's query,
its counts, the exports and the W3C containers all see exactly what the viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import SimpleNamespace

from peewee import SQL, Case, CharField, ForeignKeyField, IntegerField, TextField, fn

from ..contract import LIMITS
from ..db import is_postgres, read_prepared
from ..models import (
    TAG_CARRIES,
    Annotation,
    AnnotationTag,
    Group,
    JSONField,
    Membership,
    Post,
    PostUrl,
    User,
)
from ..parse import Filters, encode_cursor, search_words
from ..reading_order import reading_key

# A tag's rows (`AnnotationTag`) as the annotations they stand for: the copies of the
# annotation's columns they carry (migration 0019), named as `Annotation`'s, so that
# `condition` and `Annotation.visible_to` read them as they read an annotation.
TAG_ROWS = SimpleNamespace(pk=AnnotationTag.annotation, created_us=AnnotationTag.created_us,
                           **{name: getattr(AnnotationTag, name) for name in TAG_CARRIES})


def source(f: Filters, viewer: User | None = None):
    """Return `TAG_ROWS` when the first tag's rows answer every filter of `f` and the rule for
    `viewer` (None: the annotation table must).

    Speed: the tag's index carries the rule's columns, so its rows are found, checked, counted
    and ordered without reading one annotation (bench/README.md, "Tags carry the rule"); a
    filter on what they do not carry (post, site, url, color, update times) reads the table,
    and so does an embed session, whose rule reads the annotation's post (`User.embed_site`).
    """
    if getattr(viewer, "embed_site", None) is not None:
        return None
    if (f.tags and f.sort == "created" and f.updated_since is None and f.post_pk is None
            and f.site is None and f.post_id is None and f.url is None and f.color is None):
        return TAG_ROWS
    return None


def condition(viewer: User | None, f: Filters, a=None, fts_joined: bool = False):
    """Return the WHERE clause for a reader and filters, visibility first.

    `a`: what the clause reads for an annotation's columns, the annotation table (None) or
    `source(f, viewer)`'s rows. `fts_joined`: the query reads SQLite's full-text index beside the
    annotation table (`_query`), so `q` joins it instead of asking it in a subquery.
    """
    rows = a or Annotation
    cond = Annotation.visible_to(viewer, alias=a)
    if not f.include_deleted:
        live = rows.deleted == False  # noqa: E712
        if f.replies != "exclude":
            # With replies, a tombstone that live replies answer stays: it heads their thread.
            # Speed: correlated, so only a tombstone asks, through the index of replies.
            answer = Annotation.alias("answer")
            live |= fn.EXISTS(answer.select(SQL("1")).where(
                (answer.parent == rows.pk) & (answer.deleted == False)  # noqa: E712
                & Annotation.visible_to(viewer, alias=answer)))
        cond &= live
    if f.replies == "exclude":
        cond &= rows.parent.is_null()
    elif f.replies == "only":
        cond &= rows.parent.is_null(False)
    if f.updated_since is not None:
        cond &= rows.updated_us >= f.updated_since
    if f.created_after is not None:
        cond &= rows.created_us >= f.created_after
    if f.created_before is not None:
        cond &= rows.created_us < f.created_before
    if f.user is not None:
        author = User.by_name(f.user)
        cond &= rows.user == (author.id if author else -1)
    if f.post_pk is not None:
        cond &= Annotation.post == f.post_pk
    posts = posts_matching(viewer, f)
    if posts is not None:
        cond &= Annotation.post.in_(posts)
    if f.color is not None:
        cond &= Annotation.color == f.color
    if f.visibility is not None:
        cond &= rows.visibility == f.visibility
    if f.group is not None:
        cond &= rows.group.in_(Group.select(Group.id).where(Group.gid == f.group))
    tags = list(f.tags)
    if a is TAG_ROWS:
        cond &= AnnotationTag.name == tags.pop(0).lower()
    for tag in tags:
        cond &= rows.pk.in_(AnnotationTag.select(AnnotationTag.annotation)
                            .where(AnnotationTag.name == tag.lower()))
    if f.q is not None:
        match = f.q if isinstance(f.q, _Match) else fulltext_match(f.q, viewer)
        if fts_joined:
            cond &= (rows.pk == SQL('"annotation_fts"."rowid"')) & SQL(
                '"annotation_fts" MATCH ?', [match])
        else:
            cond &= rows.pk.in_(_fulltext(match))
    return cond


def posts_matching(viewer: User | None, f: Filters):
    """Return the query of the posts `f`'s site, post_id and url name (None: none given).

    The one rule of which posts a query names; a live-update stream follows the same posts.
    """
    if f.site is None and f.post_id is None and f.url is None:
        return None
    post_cond = True
    if f.site is not None:
        post_cond = Post.site == f.site
    if f.post_id is not None:
        post_cond &= Post.post_id == f.post_id
    if f.url is not None:
        earlier = PostUrl.select(PostUrl.post).where(
            (PostUrl.url_key == f.url) & PostUrl.url_user.in_([0, viewer.id if viewer else 0]))
        shown = (Post.link_key == f.url) & Post.shown_url_to(viewer)
        by_url = (Post.url_key == f.url) | shown | Post.id.in_(earlier)
        if f.url_shortlink is not None:
            site, post_id = f.url_shortlink
            by_url |= (Post.site == site) & (Post.post_id == post_id)
        post_cond &= by_url
    return Post.select(Post.id).where(post_cond)


class _Match(str):
    """A `q` that is the full-text index's query already (`fulltext_match`'s)."""


def fulltext_match(q: str, viewer: User | None) -> str:
    """The full-text index's query for the words of `q` (as `_fulltext` asks it)."""
    # Whole words unless the reader writes `word*`: an implicit prefix on every word turns a
    # short common word into most of the table, and then into a slow count.
    words = search_words(q)
    if is_postgres():
        return " & ".join(f"{w}:*" if star else w for w, star in words)
    expr = " ".join('"' + w.replace('"', '""') + '"' + ("*" if star else "")
                    for w, star in words)
    # Speed: a public annotation's words are in columns of their own, any other's beside the
    # `access` words naming who may read it at most (migrations 0020, 0021): its author, its
    # group. So the index finds the public ones by the words alone and the others by the words
    # and the reader's own short lists, and the rule (`condition`), which still decides, reads
    # about a fifth of the word's rows (bench/README.md, "Full-text knows its readers", "Public
    # words in columns of their own"). The viewer's groups are read just before: one they
    # joined or left in between moves what the rule decides no further than a query a moment
    # earlier or later.
    public = f"{{public_quote public_note public_tags}}: ({expr})"
    if viewer is None:
        return public
    readers = [f"u{viewer.id}"]
    readers += [f"g{g}" for (g,) in Membership.select(Membership.group)
                .where(Membership.user == viewer.id).tuples()]
    return (f"{public} OR ({{quote note tags_text}}: ({expr}) "
            f"AND {{access}}: ({' OR '.join(readers)}))")


def _fulltext(match: str):
    """The pks of the annotations the full-text index finds for `fulltext_match`'s query."""
    if is_postgres():
        # Queries alias the table ("t1"), so "annotation.search" named nothing there (every q=
        # query failed); ask a subquery of its own, as the SQLite branch does.
        return SQL("(SELECT pk FROM annotation WHERE search @@ to_tsquery('simple', %s))",
                   [match])
    return SQL("(SELECT rowid FROM annotation_fts WHERE annotation_fts MATCH ?)", [match])


def _sort_key(f: Filters):
    return Annotation.created_us if f.sort == "created" else Annotation.updated_us


def count(viewer: User | None, f: Filters) -> int:
    sql, params = _compiled("count", viewer, f)
    return read_prepared(sql, params).fetchone()[0] or 0


def _query(kind: str, viewer, f: Filters):
    """The query of `count` ("count") or of `page`'s matches ("matches": pk, sort key `k` and
    the `total` of all matches), as peewee expressions.

    Speed: on SQLite, a full-text query without a tag reads the index's finds joined to the
    table; asked as `pk IN (subquery)`, SQLite first sorted the finds into a list of its own,
    ~2 ms of the ~6 ms a word's count took on the 1M bench (bench/README.md, "Full-text knows
    its readers").
    """
    a = source(f, viewer)
    model = AnnotationTag if a is TAG_ROWS else Annotation
    rows = a or Annotation
    if kind == "count":
        query = model.select(fn.COUNT(rows.pk))
    else:
        key = rows.created_us if f.sort == "created" else rows.updated_us
        query = model.select(rows.pk.alias("pk"), key.alias("k"),
                             fn.COUNT(SQL("*")).over().alias("total"))
    fts_joined = a is None and f.q is not None and not is_postgres()
    if fts_joined:
        query = query.from_(SQL('"annotation_fts"'), Annotation)
    return query.where(condition(viewer, f, a, fts_joined))


# The filters whose values `_compiled` binds: (name, kind of value). `user` and `url` are
# looked up or expanded while the query is made, so a query naming them is made each time.
_BOUND = (("site", str), ("post_id", int), ("post_pk", int), ("color", str),
          ("visibility", str), ("group", str), ("updated_since", int), ("created_after", int),
          ("created_before", int))
# (database class, kind, shape) -> the SQL and its parameters, placeholders where values go.
_COMPILED: dict = {}
_STAND_IN_INT = -7_234_567_000


def _compiled(kind: str, viewer: User | None, f: Filters) -> tuple[str, list]:
    """The SQL and parameters of `_query(kind, viewer, f)`.

    Speed: making the SQL of the filters and the rule (a few hundred peewee nodes) cost about a
    third of a query by post's time in Python (bench/README.md, "Filters compiled once"). It
    depends only on the filters' shape (which are given, how many tags, signed in or not, an
    embed session's or not), so it is made once per shape with stand-in values, each unlike any
    real one (a negative number, a string with NUL characters), and each request puts its own
    values where the stand-ins were. A shape whose stand-ins do not come out one-for-one as
    parameters, or whose first request's SQL made from scratch differs from what the stand-ins
    give (the rule read something of the viewer the stand-in lacks), or one with `user` or
    `url` (looked up while the query is made), is made as it stands on every request. Anything
    of the viewer the rule comes to read (as `User.embed_site`) belongs in the key and the
    stand-in viewer below.
    """
    if f.user is not None or f.url is not None or f.url_shortlink is not None:
        sql, params = _query(kind, viewer, f).sql()
        return sql, list(params)
    embed_site = getattr(viewer, "embed_site", None)
    key = (type(Annotation._meta.database.obj), kind, viewer is None, embed_site is None,
           source(f, viewer) is not None,
           f.include_deleted, f.replies, f.sort, len(f.tags), f.q is None,
           tuple(getattr(f, name) is None for name, _ in _BOUND))
    made = _COMPILED.get(key)
    if made is not None:
        if made[0] is None:  # not one-for-one: as it stands
            sql, params = _query(kind, viewer, f).sql()
            return sql, list(params)
        # The request's values in the order `_shape` numbers their stand-ins.
        values = [] if viewer is None else [viewer.id]
        if embed_site is not None:
            values.append(embed_site)
        for name, _ in _BOUND:
            value = getattr(f, name)
            if value is not None:
                values.append(value)
        values += [tag.lower() for tag in f.tags]
        if f.q is not None:
            values.append(fulltext_match(f.q, viewer))
        sql, slots = made
        return sql, _bind(slots, values)
    shape_viewer, shape, stand_ins, values = _shape(viewer, embed_site, f)
    made = _make(kind, shape_viewer, shape, stand_ins)
    fresh_sql, fresh_params = _query(kind, viewer, f).sql()
    if made[0] is not None and (made[0], _bind(made[1], values)) != (
            fresh_sql, list(fresh_params)):
        made = (None, [])
    _COMPILED[key] = _constants_inlined(*made) if made[0] is not None else made
    return fresh_sql, list(fresh_params)


def _shape(viewer: User | None, embed_site, f: Filters):
    """The stand-in viewer and filters of `_compiled`, the stand-ins (to their numbers) and the
    request's values (by number: the viewer's id, its embed site, `_BOUND`'s given, the tags,
    the full-text query; `_compiled` reads them in this order)."""
    values: list = []
    stand_ins: dict = {}

    def stand_in(kind_of, value):
        token = (f"\x00postil-{len(stand_ins)}\x00" if kind_of is str
                 else _STAND_IN_INT - len(stand_ins))
        stand_ins[token] = len(values)
        values.append(value)
        return token

    shape = replace(f, tags=[], q=None)
    if viewer is not None:
        shape_viewer = SimpleNamespace(id=stand_in(int, viewer.id), embed_site=None)
        if embed_site is not None:
            shape_viewer.embed_site = stand_in(int, embed_site)
    else:
        shape_viewer = None
    for name, kind_of in _BOUND:
        value = getattr(f, name)
        if value is not None:
            setattr(shape, name, stand_in(kind_of, value))
    shape.tags = [stand_in(str, tag.lower()) for tag in f.tags]
    if f.q is not None:
        shape.q = _Match(stand_in(str, fulltext_match(f.q, viewer)))
    return shape_viewer, shape, stand_ins, values


def _constants_inlined(sql: str, slots: list) -> tuple[str, list]:
    """On SQLite, a compiled shape's SQL with its constants (the rule's 'public', 'group',
    roles, true and false: every parameter that is not a request's value) written as literals.

    Speed: SQLite plans a statement for the values bound to it where a partial index's
    condition may depend on them (`annotation_uid_public`: `visibility = 'public'`), and then
    prepares it again, from its text, every time a value is bound anew: ~80% of a query by
    post's statement was that (bench/README.md, "By post: a statement prepared once"). With the
    rule's constants in the text, what SQLite planned with stays true and the statement kept
    in the driver's cache runs as prepared. The request's values (`_Slot`s) stay parameters;
    a statement whose placeholders do not match its parameters one-for-one is left as it is.
    """
    if is_postgres():
        return sql, slots
    parts = sql.split("?")
    if len(parts) != len(slots) + 1:
        return sql, slots
    out, kept = [parts[0]], []
    for slot, part in zip(slots, parts[1:], strict=True):
        literal = _literal(slot)
        if literal is None:
            out.append("?")
            kept.append(slot)
        else:
            out.append(literal)
        out.append(part)
    return "".join(out), kept


def _literal(value) -> str | None:
    """`value` as an SQLite literal that means what it means bound, or None."""
    if type(value) is bool:
        return "1" if value else "0"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _bind(slots: list, values: list) -> list:
    return [values[slot[1]] if type(slot) is _Slot else slot for slot in slots]


class _Slot(tuple):
    """Where `_compiled` puts a request's value: ("slot", its number)."""


def _make(kind: str, viewer, shape: Filters, stand_ins: dict) -> tuple[str | None, list]:
    """The SQL of a shape's query made with stand-ins, and its parameters with a `_Slot` in
    place of each stand-in; (None, []) unless every stand-in is a parameter of its own."""
    query = _query(kind, viewer, shape)
    sql, params = query.sql()
    slots, seen = [], set()
    for param in params:
        try:
            at = stand_ins.get(param) if isinstance(param, (str, int)) else None
        except TypeError:
            at = None
        if at is None:
            slots.append(param)
        else:
            slots.append(_Slot(("slot", at)))
            seen.add(at)
    text = str(sql)
    if seen != set(stand_ins.values()) or any(
            isinstance(token, str) and token in text for token in stand_ins):
        return None, []
    return sql, slots


@dataclass
class Page:
    """One keyset page of a query, with what the API answers beside it.

    `total`: every match, not only this page's. `quiet`: the pks of rows whose whole thread
    holds no live reply, whose `reply_count` is 0 without asking (`replies.reply_counts`).
    """

    rows: list[Annotation]
    total: int
    next_cursor: str | None
    quiet: frozenset[int] = frozenset()


def page(viewer: User | None, f: Filters) -> Page:
    """Return one keyset page, the total of all matches and the cursor for the next page.

    Speed: one statement (bench/README.md, "One statement per page"): the matches' keys with
    their count as a window (`COUNT(*) OVER ()`, the count of every match, before the cursor
    and the limit), the page's rows joined to them, and whether each row's thread has a live
    reply. Only an empty page (a limit of 0, a cursor past the end) asks for the total alone.
    """
    if f.limit == 0:
        return Page([], count(viewer, f), None)
    inner_sql, params = _compiled("matches", viewer, f)
    outer, columns = _page_sql(f.order, f.cursor is not None)
    params = [False, *params]
    if f.cursor is not None:
        params += list(f.cursor)
    params.append(f.limit + 1)
    cursor = read_prepared(outer.replace("{matches}", inner_sql), params)
    rows, total, quiet = [], None, set()
    for row in cursor.fetchall():
        total, threaded = row[0], row[1]
        annotation = _annotation_from(columns, row)
        if not threaded:
            quiet.add(annotation.pk)
        rows.append(annotation)
    if total is None:
        return Page([], count(viewer, f), None)
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        key = last.created_us if f.sort == "created" else last.updated_us
        next_cursor = encode_cursor(f.sort, f.order, key, last.pk)
    return Page(rows, total, next_cursor, frozenset(quiet))


# What a page loads of each row's post, author and group: what an answer shows of them
# (`present.annotation_json`), never a post's body (a registered post's whole article).
_PAGE_COLUMNS = ((Annotation, "t1", tuple(Annotation._meta.columns)),
                 (Post, "t2", Post.KEY_FIELDS),
                 (User, "t3", ("id", "name", "name_key", "created_us", "disabled")),
                 (Group, "t4", ("id", "gid", "name", "description", "created_us", "updated_us")))
# (database class, order, with a cursor) -> the page's SQL around its matches, and its columns.
_PAGE_SQL: dict = {}


def _page_sql(order: str, after: bool) -> tuple[str, list]:
    """The SQL of `page` around `{matches}` (the matches' pk, sort key `k` and `total`).

    Made once per dialect, order and cursor-or-not; its parameters, in order: False ("not
    deleted"), the matches' own, the cursor's two (with `after`), the limit.
    """
    database = Annotation._meta.database
    key = (type(database.obj), order, after)
    made = _PAGE_SQL.get(key)
    if made is not None:
        return made
    p = database.param

    def quoted(name: str) -> str:  # both databases quote names in double quotes
        return f'"{name}"'

    columns = [(model, [model._meta.columns[c] for c in names], alias)
               for model, alias, names in _PAGE_COLUMNS]
    select = ", ".join(f"{alias}.{quoted(f.column_name)}"
                       for _, fields, alias in columns for f in fields)
    direction = "DESC" if order == "desc" else "ASC"
    compare = "<" if order == "desc" else ">"
    where = f" WHERE (w.k, w.pk) {compare} ({p}, {p})" if after else ""
    sql = (
        # Whether the row's thread (replies answer it, or it is one of them) has a live reply:
        # the index of replies alone, as `replies.in_threads` reads it.
        "SELECT m.total, EXISTS(SELECT 1 FROM annotation r WHERE r.root IS NOT NULL "
        f"AND r.root = COALESCE(t1.root, t1.pk) AND r.deleted = {p}), {select} "
        "FROM (SELECT w.pk, w.k, w.total FROM ({matches}) AS w" + where
        + f" ORDER BY w.k {direction}, w.pk {direction} LIMIT {p}) AS m "
        "JOIN annotation t1 ON t1.pk = m.pk "
        "JOIN post t2 ON t2.id = t1.post_id "
        f"JOIN {quoted('user')} t3 ON t3.id = t1.user_id "
        f"LEFT JOIN {quoted('group')} t4 ON t4.id = t1.group_id "
        f"ORDER BY m.k {direction}, m.pk {direction}")
    made = _PAGE_SQL[key] = (sql, [
        (model, tuple(f.name for f in fields),
         tuple((f.name, _converter(f)) for f in fields if _converter(f) is not None))
        for model, fields, _ in columns])
    return made


def _annotation_from(columns, row) -> Annotation:
    """An annotation with its post, author and group, from a row of `_page_sql`'s columns.

    Speed: made as peewee's `Model(__no_default__=True, **values)` makes them, without going
    through each field's descriptor (a page of 50 rows set ~3,000 attributes that way); the
    values are taken as they come, and only the few fields whose database value differs from
    Python's (JSON, SQLite's 0/1 booleans) are converted after (bench/README.md, "By post: a
    statement prepared once").
    """
    at = 2
    made = []
    for model, names, converts in columns:
        end = at + len(names)
        if row[at] is None:  # no group
            made.append(None)
            at = end
            continue
        data = dict(zip(names, row[at:end], strict=True))
        at = end
        for name, convert in converts:
            data[name] = convert(data[name])
        instance = model.__new__(model)
        instance.__data__ = data
        instance._dirty = set()
        instance.__rel__ = {}
        made.append(instance)
    annotation, post, user, group = made
    rel = annotation.__rel__
    rel["post"] = post
    rel["user"] = user
    if group is not None:
        rel["group"] = group
    return annotation


# Fields whose Python value is their database value as the drivers return it.
_PLAIN = (CharField, TextField, IntegerField)


def _converter(field):
    """None where a database value is already the Python one, else the field's conversion."""
    if isinstance(field, (ForeignKeyField, *_PLAIN)) and not isinstance(field, JSONField):
        return None
    return field.python_value


def _load_in_order(pk_query) -> list[Annotation]:
    """Load full rows, with post and author, for an ordered query of primary keys.

    Sorting and limiting on keys alone, then joining only the page, keeps a query whose filter
    matches thousands of rows (a common tag or word) from joining them all before the sort.
    """
    pks = [pk for (pk,) in pk_query.tuples()]
    if not pks:
        return []
    rows = {a.pk: a for a in _rows_by_pk(pks)}
    return [rows[pk] for pk in pks if pk in rows]


# (database class, number of keys) -> the query loading that many rows and its SQL.
_BY_PK: dict = {}
_BY_PK_MAX = LIMITS["page"] + 1


def _rows_by_pk(pks: list[int]):
    """Annotations (with post, author and group) whose pk is in `pks`, in no order.

    Speed: the SQL of a page's load (three tables' columns, ~350 peewee nodes) depends only on
    how many keys it has, so it is made once per size and run with the keys bound
    (bench/README.md, "Compiled once").
    """
    database = Annotation._meta.database
    key = (type(database.obj), len(pks))
    made = _BY_PK.get(key)
    if made is None:
        query = Annotation.with_post_and_user().where(Annotation.pk.in_(pks))
        if len(pks) > _BY_PK_MAX:
            return query
        sql, params = query.sql()
        if list(params) != pks:  # the keys are the only values, as they are
            return query
        made = _BY_PK[key] = (query, sql)
    query, sql = made
    return query._get_cursor_wrapper(database.execute_sql(sql, pks))


def iterate_by_post(viewer: User | None, f: Filters, batch: int = 500) -> Iterator[Annotation]:
    """Yield every matching annotation grouped by post, each post's in reading order.

    Posts come most recently annotated first, as the notebook shows them: it pages newest first
    and draws a post where its first annotation arrives, so an export of what the notebook shows
    lists the posts in the same order. Within a post, `reading_order.reading_key` (the passage's
    place in the article, then page notes oldest first). Memory holds two numbers per post and
    about `batch` annotations (a post's are sorted together, so one post may bring more).
    """
    cond = condition(viewer, f)
    # By the newest annotation that answers nothing, as the notebook (which lists those) does;
    # a post with replies alone in the export comes after the rest.
    newest = fn.MAX(Case(None, [(Annotation.parent.is_null(), Annotation.created_us)], -1))
    posts = (Annotation.select(Annotation.post, fn.COUNT(Annotation.pk)).where(cond)
             .group_by(Annotation.post).order_by(newest.desc(), fn.MAX(Annotation.pk).desc()))
    chosen: list[int] = []
    size = 0
    for post, count in list(posts.tuples()) + [(None, 0)]:
        if chosen and (post is None or size + count > batch):
            yield from _in_reading_order(cond, chosen)
            chosen, size = [], 0
        if post is not None:
            chosen.append(post)
            size += count


def _in_reading_order(cond, posts: list[int]) -> Iterator[Annotation]:
    """Yield the annotations of `posts` matching `cond`, post by post, each in reading order.

    Replies follow the annotation they answer (`in_threads`).
    """
    groups: dict[int, list[Annotation]] = {post: [] for post in posts}
    for row in _load_in_order(Annotation.select(Annotation.pk)
                              .where(cond & Annotation.post.in_(posts))):
        groups[row.post_id].append(row)
    for post in posts:
        yield from in_threads(groups[post])


def in_threads(rows: list[Annotation]) -> list[Annotation]:
    """Order one post's annotations: those that answer nothing in reading order, each followed
    by its thread (a reply, then the replies to it; replies to one annotation oldest first).

    A reply whose parent is not among `rows` (another reader's annotation, left out of an
    export of one author's) starts a thread of its own after the others, oldest first.
    """
    present = {a.pk for a in rows}
    children: dict[int, list[Annotation]] = {}
    heads = []
    for a in rows:
        if a.parent is not None and a.parent in present:
            children.setdefault(a.parent, []).append(a)
        else:
            heads.append(a)
    heads.sort(key=lambda a: (a.parent is not None,
                              reading_key(a.selectors, a.created_us, a.uid)))
    for replies in children.values():
        replies.sort(key=lambda a: (a.created_us, a.pk))
    out: list[Annotation] = []
    stack = list(reversed(heads))
    while stack:
        a = stack.pop()
        out.append(a)
        stack.extend(reversed(children.get(a.pk, [])))
    return out


def newest_update(viewer: User | None, f: Filters) -> int | None:
    """Return when the newest change (deletions too) to what the viewer sees matching `f` was."""
    return (Annotation.select(fn.MAX(Annotation.updated_us))
            .where(condition(viewer, replace(f, include_deleted=True))).scalar())


def numbered_page(viewer: User | None, f: Filters, number: int, size: int) -> list[Annotation]:
    """Return page `number` (from 0) of `size` matches, oldest first: the W3C container's pages."""
    return list(Annotation.with_post_and_user().where(condition(viewer, f))
                .order_by(Annotation.created_us, Annotation.pk)
                .offset(number * size).limit(size))


def stored_notes(user: User, uids: list[str]) -> dict[str, tuple[str, str]]:
    """Return {id: (note, note_html)} of the user's own annotations among `uids`.

    An import sent again names the same ids with the same notes: their HTML is at hand here and
    need not be rendered again.
    """
    if not uids:
        return {}
    rows = (Annotation.select(Annotation.uid, Annotation.note, Annotation.note_html)
            .where((Annotation.user == user) & Annotation.uid.in_(uids)).tuples())
    return {uid: (note, note_html) for uid, note, note_html in rows}
