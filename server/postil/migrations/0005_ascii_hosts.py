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

import idna

REGISTRATION = ("url", "title", "guid", "type", "slug", "modified_gmt", "content_html", "text")


def _ascii_host(host):
    if host.isascii():
        return host.lower()
    mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
    return ".".join(label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
                    for label in mapped.split("."))


def ascii_key(key):
    """"host[:port]/path?query" with its host in ASCII; other parts as they are."""
    if key is None or key.isascii():
        return key
    cut = min([i for i in (key.find("/"), key.find("?")) if i >= 0] or [len(key)])
    host, colon, port = key[:cut].partition(":")  # IPv6 literals are ASCII: never here
    try:
        return _ascii_host(host) + colon + port + key[cut:]
    except (idna.IDNAError, UnicodeError):
        return key  # no browser sends such a host; leave it findable as it was


def up(migrator, db):
    p = db.param
    sql = db.execute_sql
    latest = sql("SELECT MAX(updated_us) FROM annotation").fetchone()[0] or 0
    now = max(int(time.time() * 1_000_000), latest + 1)

    def touch(post_id):
        sql(f"UPDATE annotation SET version = version + 1, updated_us = {p} "
            f"WHERE post_id = {p}", [now, post_id])

    changed = []
    for pid, site, post_id, url_key, link_key in sql(
            "SELECT id, site, post_id, url_key, link_key FROM post"):
        new = (ascii_key(site), post_id, ascii_key(url_key), ascii_key(link_key))
        if new != (site, post_id, url_key, link_key):
            changed.append((pid, *new))

    for pid, site, post_id, url_key, link_key in changed:
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

    for uid, url_key, url_user, post in list(sql(
            "SELECT id, url_key, url_user, post_id FROM post_url")):
        new = ascii_key(url_key)
        if new == url_key:
            continue
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
