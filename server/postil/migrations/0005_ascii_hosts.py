"""Write the host names in stored post keys as browsers do: Punycode for non-ASCII labels.

The extension takes a page's host from the browser's URL parser, which writes "Bücher.example"
as "xn--bcher-kva.example"; the server kept it as typed ("bücher.example"), so a post registered
from WordPress's own JSON and the same post met in the browser were two posts. Keys are now
ASCII on both sides (postkey.ascii_host). This rewrites the keys already stored: `post.site`,
`post.url_key`, `post.link_key` and `post_url.url_key`.

A post whose new key is already taken by another (the browser's copy of the same post) is merged
into that one: its annotations and remembered addresses move over, WordPress's metadata too when
only the old row had it, and the old row goes. Annotations whose post key changed get a new
version and update time, so clients syncing with `updated_since` or holding an ETag see the
change.

The conversion is frozen here (a later change to postkey must not change what this did).
"""

import time
from urllib.parse import unquote

import idna

SITE_MAX = 255  # post.site's width on PostgreSQL
REGISTRATION = ("url", "title", "guid", "type", "slug", "modified_gmt", "content_html", "text")


def _ascii_host(host):
    """The host part of a key as postkey now writes it (percent-decoded, UTS #46, Punycode,
    lower-cased, without trailing dots or "www.")."""
    if "%" in host:
        host = unquote(host)
    if not host.isascii():
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
        host = ".".join(label if label.isascii()
                        else "xn--" + label.encode("punycode").decode("ascii")
                        for label in mapped.split("."))
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def ascii_key(key):
    """"host[:port]/path?query" with its host as browsers write it; other parts as they are."""
    if key is None or key.startswith("["):  # an IPv6 literal: ASCII already
        return key
    cut = min([i for i in (key.find("/"), key.find("?")) if i >= 0] or [len(key)])
    if key[:cut].isascii() and "%" not in key[:cut]:
        return key
    host, colon, port = key[:cut].partition(":")  # IPv6 literals are ASCII: never here
    try:
        host = _ascii_host(host)
    except (idna.IDNAError, UnicodeError):
        return key  # no browser sends such a host; leave it findable as it was
    return host + colon + port + key[cut:] if host else key


def up(migrator, db):
    p = db.param
    sql = db.execute_sql
    latest = sql("SELECT MAX(updated_us) FROM annotation").fetchone()[0] or 0
    now = max(int(time.time() * 1_000_000), latest + 1)

    def touch(post_id):
        sql(f"UPDATE annotation SET version = version + 1, updated_us = {p} "
            f"WHERE post_id = {p}", [now, post_id])

    # Ids only: each row is read again when its turn comes, since a merge before it may have
    # changed it (a new link key) or removed it.
    ids = [pid for pid, *keys in sql("SELECT id, site, url_key, link_key FROM post")
           if any(ascii_key(k) != k for k in keys)]
    for pid in ids:
        row = sql(f"SELECT site, post_id, url_key, link_key FROM post WHERE id = {p}",
                  [pid]).fetchone()
        if row is None:
            continue
        site, post_id, url_key, link_key = row
        site, url_key, link_key = ascii_key(site), ascii_key(url_key), ascii_key(link_key)
        if (site, url_key, link_key) == (row[0], row[2], row[3]) or len(site) > SITE_MAX:
            continue  # nothing left to do, or a site the column cannot hold: left as it was
        if post_id is not None:
            other = sql(f"SELECT id FROM post WHERE site = {p} AND post_id = {p} AND id <> {p}",
                        [site, post_id, pid]).fetchone()
        else:
            other = sql(f"SELECT id FROM post WHERE url_key = {p} AND id <> {p}",
                        [url_key, pid]).fetchone()
        if other is None:
            sql(f"UPDATE post SET site = {p}, url_key = {p}, link_key = {p} WHERE id = {p}",
                [site, url_key, link_key, pid])
        else:
            _merge(db, pid, other[0], link_key)
            pid = other[0]
        touch(pid)

    renamed = [(uid, url_key, url_user, post) for uid, url_key, url_user, post in sql(
        "SELECT id, url_key, url_user, post_id FROM post_url") if ascii_key(url_key) != url_key]
    for uid, url_key, url_user, post in renamed:
        new = ascii_key(url_key)
        taken = sql(f"SELECT 1 FROM post_url WHERE url_key = {p} AND url_user = {p} "
                    f"AND post_id = {p}", [new, url_user, post]).fetchone()
        if taken:
            sql(f"DELETE FROM post_url WHERE id = {p}", [uid])
        else:
            sql(f"UPDATE post_url SET url_key = {p} WHERE id = {p}", [new, uid])


def _merge(db, old, keep, old_link_key):
    """Move everything of post `old` to post `keep`, then delete `old`."""
    p = db.param
    sql = db.execute_sql
    cols = ", ".join(f'"{c}"' for c in REGISTRATION)
    old_row = sql(f'SELECT registered, url_user, {cols} FROM post WHERE id = {p}',
                  [old]).fetchone()
    keep_row = sql(f"SELECT registered, link_key, url_user FROM post WHERE id = {p}",
                   [keep]).fetchone()
    if old_row[0] and not keep_row[0]:
        # Only the old row was registered from WordPress: its metadata is the post's.
        sets = ", ".join(f'"{c}" = {p}' for c in REGISTRATION)
        sql(f"UPDATE post SET {sets}, registered = {p}, url_user = NULL, link_key = {p} "
            f"WHERE id = {p}", [*old_row[2:], old_row[0], old_link_key, keep])
        if keep_row[1] and keep_row[1] != old_link_key:
            _remember(db, keep, keep_row[1], keep_row[2])  # still only its reader's
    elif old_link_key and old_link_key != keep_row[1]:
        _remember(db, keep, old_link_key, old_row[1])
    sql(f"UPDATE annotation SET post_id = {p} WHERE post_id = {p}", [keep, old])
    for uid, url_key, url_user in list(sql(
            f"SELECT id, url_key, url_user FROM post_url WHERE post_id = {p}", [old])):
        _remember(db, keep, ascii_key(url_key), url_user)
        sql(f"DELETE FROM post_url WHERE id = {p}", [uid])
    sql(f"DELETE FROM post WHERE id = {p}", [old])


def _remember(db, post, url_key, url_user):
    p = db.param
    if not db.execute_sql(f"SELECT 1 FROM post_url WHERE url_key = {p} AND url_user = {p} "
                          f"AND post_id = {p}", [url_key, url_user or 0, post]).fetchone():
        db.execute_sql(f"INSERT INTO post_url (post_id, url_key, url_user, created_us) "
                       f"VALUES ({p}, {p}, {p}, {p})",
                       [post, url_key, url_user or 0, int(time.time() * 1_000_000)])


def down(migrator, db):
    pass  # Punycode keys are what browsers send; there is nothing to go back to.
