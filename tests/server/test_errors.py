"""Every error path: one table walked by one test that checks the one error shape and that the
database is exactly as it was (every row of every table)."""

from __future__ import annotations

import base64
import json
import shutil

import pytest
from werkzeug.security import generate_password_hash

from conftest import _truncate_pg, annotation_body
from postil import create_app, db
from postil.models import MODELS, Group, Invite, Token, User, hash_token

EXISTING = "11111111-1111-4111-8111-111111111111"  # alice's, private, version 1
DELETED = "22222222-2222-4222-8222-222222222222"  # alice's tombstone
BOB_PRIVATE = "33333333-3333-4333-8333-333333333333"
BOB_PUBLIC = "44444444-4444-4444-8444-444444444444"
NOBODY = "55555555-5555-4555-8555-555555555555"
BOB_REPLY = "66666666-6666-4666-8666-666666666666"  # bob's reply to BOB_PUBLIC


def J(value):  # noqa: N802 - a JSON body
    return ("json", value)


def RAW(data, content_type="application/json"):  # noqa: N802 - bytes as sent
    return ("raw", data.encode() if isinstance(data, str) else data, content_type)


def with_(**over):
    """A create body with fields replaced; a value of ... removes the field."""
    body = annotation_body(**({"id": NOBODY} | {k: v for k, v in over.items() if v is not ...}))
    for k, v in over.items():
        if v is ...:
            del body[k]
    return J(body)


# 108 characters as typed, 400 and more in Punycode.
WIDE_HOST = "".join(chr(0x4E00 + 37 * i) for i in range(100)) + ".example"


def post_with(**over):
    body = annotation_body(id=NOBODY)
    body["post"] = {k: v for k, v in (body["post"] | over).items() if v is not ...}
    return J(body)


def cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def quote_sel(**over):
    return [{"type": "TextQuoteSelector", "exact": "words"} | over]


def pos_sel(start, end):
    return [{"type": "TextPositionSelector", "start": start, "end": end}]


def reply_(**over):
    """A reply body to bob's public annotation, fields replaced."""
    return J({"id": NOBODY, "reply_to": BOB_PUBLIC, "note": "an answer"} | over)


LD_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def ld_reply(target):
    return RAW(json.dumps({"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
                           "motivation": "replying", "bodyValue": "an answer",
                           "target": target}), LD_TYPE)


WP = {"id": 5, "link": "https://wp.example/hello/", "title": {"rendered": "Hello"},
      "_links": {"self": [{"href": "https://wp.example/wp-json/wp/v2/posts/5"}]}}
A = "/api/annotations"
E = f"/api/annotations/{EXISTING}"
GID = "grpAlice0001"  # alice's group, alice alone in it
G = f"/api/groups/{GID}"
SPENT = "pgi_used-up-invite-to-alices-group"

# (name, method, path, who, extra headers, body, status, code)
ROWS = [
    # routes and methods
    ("unknown api route", "GET", "/api/nope", "alice", {}, None, 404, "not_found"),
    ("unknown page", "GET", "/nope", "anon", {}, None, 404, "not_found"),
    ("post id not a number", "GET", "/api/posts/abc", "alice", {}, None, 404, "not_found"),
    ("PUT on the collection", "PUT", A, "alice", {}, with_(), 405, "method_not_allowed"),
    ("DELETE posts", "DELETE", "/api/posts", "alice", {}, None, 405, "method_not_allowed"),
    ("POST me", "POST", "/api/me", "alice", {}, J({}), 405, "method_not_allowed"),
    ("POST an annotation id", "POST", E, "alice", {}, J({}), 405, "method_not_allowed"),
    # a Host the server does not answer to (POSTIL_ALLOWED_HOSTS), before anything else
    ("create at a forged host", "POST", A, "alice", {"Host": "evil.example"}, with_(), 400,
     "unknown_host"),
    ("delete at a forged host", "DELETE", E, "alice", {"Host": "evil.example"}, None, 400,
     "unknown_host"),
    # auth
    ("create anonymously", "POST", A, "anon", {}, with_(), 401, "unauthorized"),
    ("create with a forged token", "POST", A, "forged", {}, with_(), 401, "invalid_token"),
    ("read with a forged token", "GET", A, "forged", {}, None, 401, "invalid_token"),
    ("patch anonymously", "PATCH", E, "anon", {}, J({"note": "x"}), 401, "unauthorized"),
    ("delete anonymously", "DELETE", E, "anon", {}, None, 401, "unauthorized"),
    ("me anonymously", "GET", "/api/me", "anon", {}, None, 401, "unauthorized"),
    ("sign out anonymously", "DELETE", "/api/tokens/current", "anon", {}, None, 401,
     "unauthorized"),
    ("register a post anonymously", "PUT", "/api/posts", "anon", {}, J(WP), 401, "unauthorized"),
    ("register a post, not an editor", "PUT", "/api/posts", "bob", {}, J(WP), 403, "forbidden"),
    ("wrong password", "POST", "/api/tokens", "anon", {},
     J({"username": "alice", "password": "wrong"}), 401, "invalid_credentials"),
    ("sign-up closed", "POST", "/api/users", "anon", {},
     J({"username": "eve", "password": "long enough pw"}), 403, "signup_closed"),
    # sessions and passwords
    ("sessions anonymously", "GET", "/api/tokens", "anon", {}, None, 401, "unauthorized"),
    ("sessions with a forged token", "GET", "/api/tokens", "forged", {}, None, 401,
     "invalid_token"),
    ("sign out elsewhere anonymously", "DELETE", "/api/tokens", "anon", {}, None, 401,
     "unauthorized"),
    ("end a session anonymously", "DELETE", "/api/tokens/1", "anon", {}, None, 401,
     "unauthorized"),
    ("end another user's session", "DELETE", "/api/tokens/2", "alice", {}, None, 404,
     "not_found"),
    ("end an unknown session", "DELETE", "/api/tokens/999", "alice", {}, None, 404,
     "not_found"),
    ("session id not a number", "DELETE", "/api/tokens/abc", "alice", {}, None, 404,
     "not_found"),
    ("change password anonymously", "PUT", "/api/me/password", "anon", {},
     J({"current_password": "correct horse", "new_password": "long enough pw"}), 401,
     "unauthorized"),
    ("change password, wrong current", "PUT", "/api/me/password", "alice", {},
     J({"current_password": "not it", "new_password": "long enough pw"}), 403,
     "wrong_password"),
    ("change password, new too short", "PUT", "/api/me/password", "alice", {},
     J({"current_password": "correct horse", "new_password": "short"}), 400,
     "validation_error"),
    ("change password without the current", "PUT", "/api/me/password", "alice", {},
     J({"new_password": "long enough pw"}), 400, "validation_error"),
    ("change password as text", "PUT", "/api/me/password", "alice", {},
     RAW("long enough pw", "text/plain"), 415, "unsupported_media_type"),
    ("POST a password", "POST", "/api/me/password", "alice", {}, J({}), 405,
     "method_not_allowed"),
    # deleting one's account, and exporting everything
    ("delete an account anonymously", "DELETE", "/api/me", "anon", {},
     J({"password": "correct horse", "public_annotations": "delete"}), 401, "unauthorized"),
    ("delete an account with a wrong password", "DELETE", "/api/me", "alice", {},
     J({"password": "wrong", "public_annotations": "delete"}), 403, "wrong_password"),
    ("delete an account, no choice for public ones", "DELETE", "/api/me", "alice", {},
     J({"password": "correct horse"}), 400, "validation_error"),
    ("delete an account, an unknown choice", "DELETE", "/api/me", "alice", {},
     J({"password": "correct horse", "public_annotations": "keep"}), 400, "validation_error"),
    ("delete an account without a password", "DELETE", "/api/me", "alice", {},
     J({"public_annotations": "anonymise"}), 400, "validation_error"),
    ("delete an account, an unknown field", "DELETE", "/api/me", "alice", {},
     J({"password": "correct horse", "public_annotations": "delete", "now": True}), 400,
     "validation_error"),
    ("delete an account without a body", "DELETE", "/api/me", "alice", {}, None, 415,
     "unsupported_media_type"),
    ("delete an account, JSON null", "DELETE", "/api/me", "alice", {}, RAW("null"), 400,
     "validation_error"),
    ("export everything anonymously", "GET", "/api/me/export", "anon", {}, None, 401,
     "unauthorized"),
    # the body itself
    ("text/plain body", "POST", A, "alice", {}, RAW("{}", "text/plain"), 415,
     "unsupported_media_type"),
    ("form body", "POST", A, "alice", {}, RAW("a=1", "application/x-www-form-urlencoded"), 415,
     "unsupported_media_type"),
    ("no content type", "POST", A, "alice", {}, RAW("{}", None), 415, "unsupported_media_type"),
    ("text/plain patch", "PATCH", E, "alice", {}, RAW('{"note": "x"}', "text/plain"), 415,
     "unsupported_media_type"),
    ("malformed JSON", "POST", A, "alice", {}, RAW('{"id": '), 400, "invalid_json"),
    ("trailing garbage", "POST", A, "alice", {}, RAW('{"note": "x"} x'), 400, "invalid_json"),
    ("not UTF-8", "POST", A, "alice", {}, RAW(b'{"note": "\xff\xfe"}'), 400, "invalid_json"),
    ("nested too deeply", "POST", A, "alice", {}, RAW("[" * 100_000 + "]" * 100_000), 400,
     "invalid_json"),
    ("body over the limit", "POST", A, "alice", {},
     J(annotation_body(id=NOBODY, note="x" * 1_100_000)), 413, "payload_too_large"),
    ("JSON null", "POST", A, "alice", {}, RAW("null"), 400, "validation_error"),
    ("JSON array", "POST", A, "alice", {}, J([]), 400, "validation_error"),
    ("JSON string", "POST", A, "alice", {}, J("note"), 400, "validation_error"),
    ("unknown field", "POST", A, "alice", {}, with_(colour="red"), 400, "validation_error"),
    # wrong types and bad values
    ("note a number", "POST", A, "alice", {}, with_(note=5), 400, "validation_error"),
    ("note with NUL", "POST", A, "alice", {}, with_(note="a\x00b"), 400, "validation_error"),
    ("quote a list", "POST", A, "alice", {}, with_(quote=["x"]), 400, "validation_error"),
    ("tags a string", "POST", A, "alice", {}, with_(tags="a,b"), 400, "validation_error"),
    ("tag a number", "POST", A, "alice", {}, with_(tags=[1]), 400, "validation_error"),
    ("empty tag", "POST", A, "alice", {}, with_(tags=["  "]), 400, "validation_error"),
    ("too many tags", "POST", A, "alice", {}, with_(tags=[f"t{i}" for i in range(21)]), 400,
     "validation_error"),
    ("tag too long", "POST", A, "alice", {}, with_(tags=["x" * 65]), 400, "validation_error"),
    ("colour red", "POST", A, "alice", {}, with_(color="red"), 400, "validation_error"),
    ("colour upper-case", "POST", A, "alice", {}, with_(color="YELLOW"), 400, "validation_error"),
    ("colour null", "POST", A, "alice", {}, with_(color=None), 400, "validation_error"),
    ("visibility secret", "POST", A, "alice", {}, with_(visibility="secret"), 400,
     "validation_error"),
    ("visibility true", "POST", A, "alice", {}, with_(visibility=True), 400, "validation_error"),
    ("selectors an object", "POST", A, "alice", {}, with_(selectors={}), 400, "validation_error"),
    ("selector a string", "POST", A, "alice", {}, with_(selectors=["x"]), 400,
     "validation_error"),
    ("unknown selector type", "POST", A, "alice", {},
     with_(selectors=[{"type": "MagicSelector", "value": "x"}]), 400, "validation_error"),
    ("selector without type", "POST", A, "alice", {}, with_(selectors=[{"exact": "x"}]), 400,
     "validation_error"),
    ("too many selectors", "POST", A, "alice", {}, with_(selectors=quote_sel() * 9), 400,
     "validation_error"),
    ("quote selector without exact", "POST", A, "alice", {},
     with_(selectors=[{"type": "TextQuoteSelector", "prefix": "a"}]), 400, "validation_error"),
    ("selector type an object", "POST", A, "alice", {}, with_(selectors=[{"type": {}}]), 400,
     "validation_error"),
    ("empty exact", "POST", A, "alice", {}, with_(selectors=quote_sel(exact="")), 400,
     "validation_error"),
    ("prefix too long", "POST", A, "alice", {}, with_(selectors=quote_sel(prefix="p" * 1001)),
     400, "validation_error"),
    ("negative start", "POST", A, "alice", {}, with_(selectors=pos_sel(-1, 5)), 400,
     "validation_error"),
    ("inverted positions", "POST", A, "alice", {}, with_(selectors=pos_sel(9, 3)), 400,
     "validation_error"),
    ("empty range", "POST", A, "alice", {}, with_(selectors=pos_sel(4, 4)), 400,
     "validation_error"),
    ("fractional position", "POST", A, "alice", {}, with_(selectors=pos_sel(1.5, 4)), 400,
     "validation_error"),
    ("position as string", "POST", A, "alice", {}, with_(selectors=pos_sel("1", 4)), 400,
     "validation_error"),
    ("position beyond any text", "POST", A, "alice", {}, with_(selectors=pos_sel(0, 10**12)),
     400, "validation_error"),
    ("range selector without ends", "POST", A, "alice", {},
     with_(selectors=[{"type": "RangeSelector"}]), 400, "validation_error"),
    ("note too long", "POST", A, "alice", {}, with_(note="n" * 50_001), 400, "validation_error"),
    ("quote too long", "POST", A, "alice", {}, with_(quote="q" * 10_001), 400,
     "validation_error"),
    ("invalid UUID", "POST", A, "alice", {}, with_(id="not-a-uuid"), 400, "validation_error"),
    ("UUID without dashes", "POST", A, "alice", {}, with_(id="1" * 32), 400, "validation_error"),
    ("UUID a number", "POST", A, "alice", {}, with_(id=12345), 400, "validation_error"),
    # the post an annotation is about
    ("no post", "POST", A, "alice", {}, with_(post=...), 400, "validation_error"),
    ("post a string", "POST", A, "alice", {}, with_(post="blog.example.org/42"), 400,
     "validation_error"),
    ("post without site", "POST", A, "alice", {}, post_with(site=...), 400, "validation_error"),
    ("post site not a URL", "POST", A, "alice", {}, post_with(site="ftp://x.org"), 400,
     "validation_error"),
    # Under 255 characters as typed, over once in Punycode (PostgreSQL said 500).
    ("post site too long in Punycode", "POST", A, "alice", {},
     post_with(site=WIDE_HOST), 400, "validation_error"),
    ("post url host too long in Punycode", "POST", A, "alice", {},
     post_with(post_id=None, url=f"https://{WIDE_HOST}/a"), 400,
     "validation_error"),
    ("post_id a string", "POST", A, "alice", {}, post_with(post_id="42"), 400,
     "validation_error"),
    ("post_id zero", "POST", A, "alice", {}, post_with(post_id=0), 400, "validation_error"),
    ("post_id negative", "POST", A, "alice", {}, post_with(post_id=-4), 400, "validation_error"),
    ("no post_id and no url", "POST", A, "alice", {}, post_with(post_id=None, url=...), 400,
     "validation_error"),
    ("post url not http", "POST", A, "alice", {}, post_with(url="javascript:alert(1)"), 400,
     "validation_error"),
    ("post url a broken IPv6 host", "POST", A, "alice", {},
     post_with(post_id=None, url="http://[::1/page"), 400, "validation_error"),
    ("post url too long", "POST", A, "alice", {},
     post_with(url="https://x.org/" + "a" * 2100), 400, "validation_error"),
    ("post title too long", "POST", A, "alice", {}, post_with(title="t" * 1001), 400,
     "validation_error"),
    ("post modified_gmt not a time", "POST", A, "alice", {}, post_with(modified_gmt="zzz"), 400,
     "validation_error"),
    ("post id unknown", "POST", A, "alice", {}, with_(post={"id": 999_999}), 400,
     "validation_error"),
    ("post id of a private post", "POST", A, "bob", {}, with_(post={"id": 1}), 400,
     "validation_error"),
    # conflicts, versions, tombstones, other people's annotations
    # Bob may see it, so the 409 tells him nothing (an id only a private annotation of someone
    # else has is free for him: tests/server/test_id_oracles.py).
    ("someone else's public id", "POST", A, "alice", {}, J(annotation_body(id=BOB_PUBLIC)), 409,
     "conflict"),
    ("someone else's public id, private", "POST", A, "alice", {},
     J(annotation_body(id=BOB_PUBLIC, visibility="private")), 409, "conflict"),
    ("stale If-Match on patch", "PATCH", E, "alice", {"If-Match": '"7"'}, J({"note": "x"}), 412,
     "precondition_failed"),
    ("stale If-Match on delete", "DELETE", E, "alice", {"If-Match": '"7"'}, None, 412,
     "precondition_failed"),
    # RFC 9110 13.1.1: If-Match is true only for "*" or a strong tag of the current version;
    # anything else (a tag never issued, a weak tag, no tag at all) is a failed precondition.
    ("If-Match not an ETag", "PATCH", E, "alice", {"If-Match": "seven"}, J({"note": "x"}), 412,
     "precondition_failed"),
    ("If-Match never issued on patch", "PATCH", E, "alice", {"If-Match": '"stale-version-0"'},
     J({"note": "x"}), 412, "precondition_failed"),
    ("If-Match weak on patch", "PATCH", E, "alice", {"If-Match": 'W/"1"'}, J({"note": "x"}), 412,
     "precondition_failed"),
    ("If-Match unclosed on patch", "PATCH", E, "alice", {"If-Match": '"1'}, J({"note": "x"}),
     412, "precondition_failed"),
    ("If-Match never issued on delete", "DELETE", E, "alice", {"If-Match": '"stale-version-0"'},
     None, 412, "precondition_failed"),
    ("If-Match weak on delete", "DELETE", E, "alice", {"If-Match": 'W/"1"'}, None, 412,
     "precondition_failed"),
    ("If-Match not an ETag on delete", "DELETE", E, "alice", {"If-Match": "seven"}, None, 412,
     "precondition_failed"),
    ("W3C delete, If-Match never issued", "DELETE", f"/w3c/annotations/{EXISTING}", "alice",
     {"If-Match": '"stale-version-0"'}, None, 412, "precondition_failed"),
    ("W3C delete, If-Match weak", "DELETE", f"/w3c/annotations/{EXISTING}", "alice",
     {"If-Match": 'W/"1"'}, None, 412, "precondition_failed"),
    ("W3C delete, If-Match not an ETag", "DELETE", f"/w3c/annotations/{EXISTING}", "alice",
     {"If-Match": "garbage"}, None, 412, "precondition_failed"),
    ("read a tombstone", "GET", f"{A}/{DELETED}", "alice", {}, None, 410, "gone"),
    ("patch a tombstone", "PATCH", f"{A}/{DELETED}", "alice", {}, J({"note": "x"}), 410, "gone"),
    ("read someone's private one", "GET", f"{A}/{BOB_PRIVATE}", "alice", {}, None, 404,
     "not_found"),
    ("patch someone's private one", "PATCH", f"{A}/{BOB_PRIVATE}", "alice", {}, J({"note": "x"}),
     404, "not_found"),
    ("delete someone's private one", "DELETE", f"{A}/{BOB_PRIVATE}", "alice", {}, None, 404,
     "not_found"),
    ("read someone's tombstone", "GET", f"{A}/{DELETED}", "bob", {}, None, 404, "not_found"),
    ("read an unknown id", "GET", f"{A}/{NOBODY}", "alice", {}, None, 404, "not_found"),
    ("read a malformed id", "GET", f"{A}/not-a-uuid", "alice", {}, None, 404, "not_found"),
    ("patch an unknown id", "PATCH", f"{A}/{NOBODY}", "alice", {}, J({"note": "x"}), 404,
     "not_found"),
    ("patch someone's public one", "PATCH", f"{A}/{BOB_PUBLIC}", "alice", {}, J({"note": "x"}),
     403, "forbidden"),
    ("delete someone's public one", "DELETE", f"{A}/{BOB_PUBLIC}", "alice", {}, None, 403,
     "forbidden"),
    # patches
    ("patch a list", "PATCH", E, "alice", {}, J([]), 400, "validation_error"),
    ("patch an unknown field", "PATCH", E, "alice", {}, J({"colour": "red"}), 400,
     "validation_error"),
    ("patch a bad colour", "PATCH", E, "alice", {}, J({"color": "red"}), 400, "validation_error"),
    ("patch bad selectors", "PATCH", E, "alice", {}, J({"selectors": pos_sel(5, 1)}), 400,
     "validation_error"),
    ("patch too many tags", "PATCH", E, "alice", {}, J({"tags": [str(i) for i in range(21)]}),
     400, "validation_error"),
    ("patch note too long", "PATCH", E, "alice", {}, J({"note": "n" * 50_001}), 400,
     "validation_error"),
    # query parameters
    ("limit over 200", "GET", f"{A}?limit=201", "alice", {}, None, 400, "validation_error"),
    ("limit negative", "GET", f"{A}?limit=-1", "alice", {}, None, 400, "validation_error"),
    ("limit a word", "GET", f"{A}?limit=ten", "alice", {}, None, 400, "validation_error"),
    ("limit a superscript digit", "GET", f"{A}?limit=%C2%B2", "alice", {}, None, 400,
     "validation_error"),
    ("limit twice", "GET", f"{A}?limit=1&limit=2", "alice", {}, None, 400, "validation_error"),
    ("post_id a word", "GET", f"{A}?post_id=abc", "alice", {}, None, 400, "validation_error"),
    ("post_id a superscript digit", "GET", f"{A}?post_id=%C2%B2", "alice", {}, None, 400,
     "validation_error"),
    ("post_id beyond 64 bits", "GET", f"{A}?post_id=99999999999999999999999", "alice", {}, None,
     400, "validation_error"),
    ("cursor garbage", "GET", f"{A}?cursor=%%%", "alice", {}, None, 400, "validation_error"),
    ("cursor not base64 JSON", "GET", f"{A}?cursor=bm90IGpzb24", "alice", {}, None, 400,
     "validation_error"),
    ("cursor of the wrong shape", "GET", f"{A}?cursor={cursor({'a': 1})}", "alice", {}, None,
     400, "validation_error"),
    ("cursor with a huge number", "GET", f"{A}?cursor={cursor(['created', 'desc', 10**30, 1])}",
     "alice", {}, None, 400, "validation_error"),
    ("cursor for another order", "GET", f"{A}?cursor={cursor(['created', 'asc', 1, 1])}",
     "alice", {}, None, 400, "validation_error"),
    ("sort by name", "GET", f"{A}?sort=name", "alice", {}, None, 400, "validation_error"),
    ("order sideways", "GET", f"{A}?order=sideways", "alice", {}, None, 400, "validation_error"),
    ("colour filter red", "GET", f"{A}?color=red", "alice", {}, None, 400, "validation_error"),
    ("visibility filter", "GET", f"{A}?visibility=secret", "alice", {}, None, 400,
     "validation_error"),
    ("updated_since a word", "GET", f"{A}?updated_since=yesterday", "alice", {}, None, 400,
     "validation_error"),
    ("updated_since month 13", "GET", f"{A}?updated_since=2026-13-01", "alice", {}, None, 400,
     "validation_error"),
    ("include_deleted maybe", "GET", f"{A}?include_deleted=maybe", "alice", {}, None, 400,
     "validation_error"),
    ("unknown parameter", "GET", f"{A}?colour=red", "alice", {}, None, 400, "validation_error"),
    ("empty q", "GET", f"{A}?q=", "alice", {}, None, 400, "validation_error"),
    ("q without words", "GET", f"{A}?q=%21%21%21", "alice", {}, None, 400, "validation_error"),
    ("q too long", "GET", f"{A}?q={'w' * 501}", "alice", {}, None, 400, "validation_error"),
    ("too many tag filters", "GET", A + "?" + "&".join(f"tag=t{i}" for i in range(21)), "alice",
     {}, None, 400, "validation_error"),
    ("site filter not a URL", "GET", f"{A}?site=ftp://x.org", "alice", {}, None, 400,
     "validation_error"),
    ("url filter not a URL", "GET", f"{A}?url=example.org/a", "alice", {}, None, 400,
     "validation_error"),
    ("empty user filter", "GET", f"{A}?user=", "alice", {}, None, 400, "validation_error"),
    ("site filter with a NUL", "GET", f"{A}?site=a%00b", "alice", {}, None, 400,
     "validation_error"),
    ("url filter with an encoded NUL", "GET", f"{A}?url=https://e.org/a%2500b", "alice", {}, None,
     400, "validation_error"),
    # posts
    ("posts limit over 200", "GET", "/api/posts?limit=500", "alice", {}, None, 400,
     "validation_error"),
    ("posts bad cursor", "GET", "/api/posts?cursor=xyz", "alice", {}, None, 400,
     "validation_error"),
    ("posts huge cursor", "GET", f"/api/posts?cursor={cursor(['post', 'asc', 0, 10**30])}",
     "alice", {}, None, 400, "validation_error"),
    ("posts unknown parameter", "GET", "/api/posts?sort=title", "alice", {}, None, 400,
     "validation_error"),
    ("posts site not a URL", "GET", "/api/posts?site=ftp://x", "alice", {}, None, 400,
     "validation_error"),
    ("unknown post", "GET", "/api/posts/999", "alice", {}, None, 404, "not_found"),
    ("popular of an unknown post", "GET", "/api/posts/999/popular", "alice", {}, None, 404,
     "not_found"),
    ("post known only privately", "GET", "/api/posts/1", "bob", {}, None, 404, "not_found"),
    ("PUT post a list", "PUT", "/api/posts", "alice", {}, J([]), 400, "validation_error"),
    ("PUT post without id", "PUT", "/api/posts", "alice", {}, J({"_links": WP["_links"]}), 400,
     "validation_error"),
    ("PUT post without links", "PUT", "/api/posts", "alice", {}, J({"id": 5}), 400,
     "validation_error"),
    ("PUT post links a string", "PUT", "/api/posts", "alice", {}, J({"id": 5, "_links": "x"}),
     400, "validation_error"),
    ("PUT post self of another id", "PUT", "/api/posts", "alice", {}, J(WP | {"id": 6}), 400,
     "validation_error"),
    ("PUT post link not http", "PUT", "/api/posts", "alice", {},
     J(WP | {"link": "javascript:alert(1)"}), 400, "validation_error"),
    ("PUT post bad modified_gmt", "PUT", "/api/posts", "alice", {},
     J(WP | {"modified_gmt": "last week"}), 400, "validation_error"),
    ("PUT post title a number", "PUT", "/api/posts", "alice", {}, J(WP | {"title": 5}), 400,
     "validation_error"),
    ("PUT post content with a NUL", "PUT", "/api/posts", "alice", {},
     J(WP | {"content": {"rendered": "<p>a\x00b</p>"}}), 400, "validation_error"),
    ("PUT post self with a NUL host", "PUT", "/api/posts", "alice", {},
     J(WP | {"_links": {"self": [{"href": "https://wp\x00.example/wp-json/wp/v2/posts/5"}]}}),
     400, "validation_error"),
    ("posts site with a NUL", "GET", "/api/posts?site=a%00b", "alice", {}, None, 400,
     "validation_error"),
    ("PUT post as text", "PUT", "/api/posts", "alice", {}, RAW(json.dumps(WP), "text/plain"),
     415, "unsupported_media_type"),
    # tokens
    ("sign in without a body", "POST", "/api/tokens", "anon", {}, J({}), 400, "validation_error"),
    ("sign in with a number", "POST", "/api/tokens", "anon", {},
     J({"username": 5, "password": "x"}), 400, "validation_error"),
    ("sign in with extras", "POST", "/api/tokens", "anon", {},
     J({"username": "alice", "password": "correct horse", "admin": True}), 400,
     "validation_error"),
    ("sign in as text", "POST", "/api/tokens", "anon", {}, RAW("alice", "text/plain"), 415,
     "unsupported_media_type"),
    # export and import
    ("export without a format", "GET", "/api/export", "alice", {}, None, 400, "validation_error"),
    ("export in an unknown format", "GET", "/api/export?format=docx", "alice", {}, None, 400,
     "validation_error"),
    ("export flavor without csv", "GET", "/api/export?format=json&flavor=readwise", "alice", {},
     None, 400, "validation_error"),
    ("export with a limit", "GET", "/api/export?format=json&limit=5", "alice", {}, None, 400,
     "validation_error"),
    ("export in the query's order", "GET", "/api/export?format=json&sort=created", "alice", {},
     None, 400, "validation_error"),
    ("export newest first", "GET", "/api/export?format=csv&order=desc", "alice", {}, None, 400,
     "validation_error"),
    ("export a bad colour", "GET", "/api/export?format=csv&color=red", "alice", {}, None, 400,
     "validation_error"),
    ("export anonymously without an author", "GET", "/api/export?format=json", "anon", {}, None,
     401, "unauthorized"),
    ("import anonymously", "POST", "/api/import", "anon", {}, J({"annotations": []}), 401,
     "unauthorized"),
    ("import broken JSON", "POST", "/api/import", "alice", {}, RAW("{\"annotations\": ["), 400,
     "invalid_json"),
    ("import something that is no annotation file", "POST", "/api/import", "alice", {},
     J({"hello": "world"}), 400, "unsupported_import"),
    ("import in an unknown format", "POST", "/api/import?format=docx", "alice", {},
     J({"annotations": []}), 400, "validation_error"),
    ("import as text", "POST", "/api/import", "alice", {}, RAW("{}", "text/plain"), 415,
     "unsupported_media_type"),
    ("import a JSON-LD @graph that is a number", "POST", "/api/import", "alice", {},
     J({"@context": "http://www.w3.org/ns/anno.jsonld", "@graph": 5}), 400, "unsupported_import"),
    ("import a JSON-LD @included that is a string", "POST", "/api/import", "alice", {},
     J({"@context": "http://www.w3.org/ns/anno.jsonld", "@included": "x"}), 400,
     "unsupported_import"),
    ("import a collection typed with an object", "POST", "/api/import", "alice", {},
     J({"type": [{}, "AnnotationCollection"], "total": 1, "first": "https://x.example/1"}), 400,
     "unsupported_import"),
    # replies
    ("reply to nothing", "POST", A, "alice", {}, reply_(reply_to=NOBODY), 404, "not_found"),
    ("reply to another's private annotation", "POST", A, "alice", {},
     reply_(reply_to=BOB_PRIVATE), 404, "not_found"),
    ("reply to one's own deleted annotation", "POST", A, "alice", {}, reply_(reply_to=DELETED),
     410, "gone"),
    ("reply_to not a UUID", "POST", A, "alice", {}, reply_(reply_to="not-a-uuid"), 400,
     "validation_error"),
    ("reply_to a number", "POST", A, "alice", {}, reply_(reply_to=7), 400, "validation_error"),
    ("reply without a note", "POST", A, "alice", {}, reply_(note="  "), 400,
     "validation_error"),
    ("reply with selectors", "POST", A, "alice", {}, reply_(selectors=quote_sel()), 400,
     "validation_error"),
    ("reply with a quote", "POST", A, "alice", {}, reply_(quote="words"), 400,
     "validation_error"),
    ("reply with a visibility of its own", "POST", A, "alice", {},
     reply_(visibility="private"), 400, "validation_error"),
    ("reply, anonymous", "POST", A, "anon", {}, reply_(), 401, "unauthorized"),
    ("reply's visibility changed", "PATCH", f"{A}/{BOB_REPLY}", "bob", {},
     J({"visibility": "private"}), 400, "validation_error"),
    ("reply's note emptied", "PATCH", f"{A}/{BOB_REPLY}", "bob", {}, J({"note": ""}), 400,
     "validation_error"),
    ("reply given selectors", "PATCH", f"{A}/{BOB_REPLY}", "bob", {},
     J({"selectors": quote_sel()}), 400, "validation_error"),
    ("thread of another's private annotation", "GET", f"{A}/{BOB_PRIVATE}/replies", "alice", {},
     None, 404, "not_found"),
    ("thread of nothing", "GET", f"{A}/{NOBODY}/replies", "alice", {}, None, 404, "not_found"),
    ("thread of an id that is no UUID", "GET", f"{A}/nope/replies", "alice", {}, None, 404,
     "not_found"),
    ("thread of one's own tombstone", "GET", f"{A}/{DELETED}/replies", "alice", {}, None, 410,
     "gone"),
    ("query replies=maybe", "GET", f"{A}?replies=maybe", "alice", {}, None, 400,
     "validation_error"),
    ("replies to me, anonymous", "GET", "/api/me/replies", "anon", {}, None, 401,
     "unauthorized"),
    ("replies to me, bad cursor", "GET", "/api/me/replies?cursor=zzz", "alice", {}, None, 400,
     "validation_error"),
    ("replies to me, limit too large", "GET", "/api/me/replies?limit=201", "alice", {}, None,
     400, "validation_error"),
    ("replies to me, unknown parameter", "GET", "/api/me/replies?tag=x", "alice", {}, None,
     400, "validation_error"),
    ("mark replies read, anonymous", "POST", "/api/me/replies/read", "anon", {}, J({}), 401,
     "unauthorized"),
    ("mark replies read, until not a time", "POST", "/api/me/replies/read", "alice", {},
     J({"until": "soon"}), 400, "validation_error"),
    ("mark replies read, unknown field", "POST", "/api/me/replies/read", "alice", {},
     J({"since": "2026-01-01T00:00:00Z"}), 400, "validation_error"),
    ("mark replies read, not an object", "POST", "/api/me/replies/read", "alice", {}, J([1]),
     400, "validation_error"),
    ("mark replies read, not JSON", "POST", "/api/me/replies/read", "alice", {},
     RAW("until=now", "text/plain"), 415, "unsupported_media_type"),
    ("W3C reply whose target is no annotation IRI", "POST", "/w3c/annotations/", "alice", {},
     ld_reply("https://elsewhere.example/page"), 400, "validation_error"),
    ("W3C reply to another's private annotation", "POST", "/w3c/annotations/", "alice", {},
     ld_reply(f"http://localhost/w3c/annotations/{BOB_PRIVATE}"), 404, "not_found"),
    ("import more entries than one import may", "POST", "/api/import", "alice", {},
     RAW('{"format": "postil-export", "annotations": [' + ",".join(["0"] * 100_001) + "]}"),
     413, "payload_too_large"),
    # groups (alice owns G alone; bob is in no group)
    ("make a group anonymously", "POST", "/api/groups", "anon", {}, J({"name": "x"}), 401,
     "unauthorized"),
    ("make a group without a name", "POST", "/api/groups", "alice", {}, J({}), 400,
     "validation_error"),
    ("make a group named by a number", "POST", "/api/groups", "alice", {}, J({"name": 5}), 400,
     "validation_error"),
    ("make a group with extras", "POST", "/api/groups", "alice", {},
     J({"name": "x", "public": True}), 400, "validation_error"),
    ("make a group as text", "POST", "/api/groups", "alice", {}, RAW("x", "text/plain"), 415,
     "unsupported_media_type"),
    ("read a group one is not in", "GET", G, "bob", {}, None, 404, "not_found"),
    ("rename a group one is not in", "PATCH", G, "bob", {}, J({"name": "mine"}), 404,
     "not_found"),
    ("delete a group one is not in", "DELETE", G, "bob", {}, None, 404, "not_found"),
    ("list members of a group one is not in", "GET", f"{G}/members", "bob", {}, None, 404,
     "not_found"),
    ("invite to a group one is not in", "POST", f"{G}/invites", "bob", {}, J({}), 404,
     "not_found"),
    ("rename a group to nothing", "PATCH", G, "alice", {}, J({"name": " "}), 400,
     "validation_error"),
    ("a role that does not exist", "PATCH", f"{G}/members/alice", "alice", {},
     J({"role": "king"}), 400, "validation_error"),
    ("the last owner steps down", "PATCH", f"{G}/members/alice", "alice", {},
     J({"role": "member"}), 409, "conflict"),
    ("the last owner leaves", "DELETE", f"{G}/members/alice", "alice", {}, None, 409,
     "conflict"),
    ("remove someone not in the group", "DELETE", f"{G}/members/bob", "alice", {}, None, 404,
     "not_found"),
    ("an invite used no times at most", "POST", f"{G}/invites", "alice", {},
     J({"max_uses": 0}), 400, "validation_error"),
    ("revoke an invite that does not exist", "DELETE", f"{G}/invites/999", "alice", {}, None,
     404, "not_found"),
    ("preview an invite anonymously", "GET", f"/api/invites/{SPENT}", "anon", {}, None, 401,
     "unauthorized"),
    ("preview a made-up invite", "GET", "/api/invites/pgi_madeup", "bob", {}, None, 404,
     "not_found"),
    ("accept a used-up invite", "POST", f"/api/invites/{SPENT}/accept", "bob", {}, None, 410,
     "gone"),
    ("annotate in a group one is not in", "POST", A, "bob", {},
     with_(visibility="group", group=GID), 400, "validation_error"),
    ("annotate in a group without naming it", "POST", A, "alice", {},
     with_(visibility="group"), 400, "validation_error"),
    ("a group with a public annotation", "POST", A, "alice", {},
     with_(visibility="public", group=GID), 400, "validation_error"),
    ("move one's annotation to another's group", "PATCH", f"{A}/{BOB_PRIVATE}", "bob", {},
     J({"group": GID}), 400, "validation_error"),
    ("query a group id too long", "GET", f"{A}?group={'g' * 33}", "alice", {}, None, 400,
     "validation_error"),
    ("hide anonymously", "PUT", f"{A}/{BOB_PUBLIC}/hidden", "anon", {}, None, 401,
     "unauthorized"),
    ("hide a public annotation", "PUT", f"{A}/{BOB_PUBLIC}/hidden", "alice", {}, None, 403,
     "forbidden"),
    ("hide another's private annotation", "PUT", f"{A}/{BOB_PRIVATE}/hidden", "alice", {}, None,
     404, "not_found"),
    # sites (alice is an operator; blog.example is registered)
    ("look up a site without a url", "GET", "/api/sites/lookup", "anon", {}, None, 400,
     "validation_error"),
    ("look up a site by a mail address", "GET", "/api/sites/lookup?url=mailto:a@b.example",
     "anon", {}, None, 400, "validation_error"),
    ("look up an unregistered site", "GET", "/api/sites/lookup?url=https://else.example/",
     "bob", {}, None, 404, "site_not_registered"),
    ("list sites anonymously", "GET", "/api/sites", "anon", {}, None, 401, "unauthorized"),
    ("list sites as a reader", "GET", "/api/sites", "bob", {}, None, 403, "operator_required"),
    ("register a site as a reader", "POST", "/api/sites", "bob", {},
     J({"url": "https://x.example"}), 403, "operator_required"),
    ("register a site without a url", "POST", "/api/sites", "alice", {}, J({}), 400,
     "validation_error"),
    ("register a site with an unknown embed", "POST", "/api/sites", "alice", {},
     J({"url": "https://x.example", "policy": {"embed": "on"}}), 400, "validation_error"),
    ("register a site as text", "POST", "/api/sites", "alice", {}, RAW("x", "text/plain"), 415,
     "unsupported_media_type"),
    ("register a site twice", "POST", "/api/sites", "alice", {},
     J({"url": "https://blog.example"}), 409, "conflict"),
    ("register a site with another's origin", "POST", "/api/sites", "alice", {},
     J({"url": "https://x.example", "origins": ["https://blog.example"]}), 409, "conflict"),
    ("read a site as a reader", "GET", "/api/sites/blog.example", "bob", {}, None, 403,
     "operator_required"),
    ("change an unregistered site", "PATCH", "/api/sites/else.example", "alice", {},
     J({"name": "x"}), 404, "not_found"),
    ("change a site's url", "PATCH", "/api/sites/blog.example", "alice", {},
     J({"url": "https://x.example"}), 400, "validation_error"),
    ("change a site as a reader", "PATCH", "/api/sites/blog.example", "bob", {},
     J({"policy": {"embed": "off"}}), 403, "operator_required"),
    ("make a nobody a site's moderator", "PUT", "/api/sites/blog.example/moderators/nobody",
     "alice", {}, None, 400, "validation_error"),
    ("remove a site as a reader", "DELETE", "/api/sites/blog.example", "bob", {}, None, 403,
     "operator_required"),
    ("write from a members' site's page as no member", "POST", A, "bob",
     {"Origin": "https://members.example"}, with_(), 403, "site_members_only"),
    ("edit from a members' site's page as no member", "PATCH", f"{A}/{BOB_PRIVATE}", "bob",
     {"Origin": "https://members.example"}, J({"note": "x"}), 403, "site_members_only"),
]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def error_app(request, tmp_path_factory):
    """One seeded app per backend for the whole table: no row may change it, and each row checks
    exactly that, so sharing it is safe (and spares a fresh database for every row)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("errors") / "postil.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        _truncate_pg(request.getfixturevalue("pg_database"))
        url = request.getfixturevalue("pg_url")
    app = create_app({"DATABASE_URL": url, "TESTING": True, "CORS_ORIGINS": [],
                      "OPEN_SIGNUP": False, "SAMPLE": False, "POST_EDITORS": ["alice"]})
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        headers = {}
        for name in ("alice", "bob"):
            user = User(name=name,
                        password_hash=generate_password_hash("correct horse",
                                                             method="pbkdf2:sha256:1000"))
            user.save()
            headers[name] = {"Authorization": f"Bearer {Token.issue(user, 'test')}"}
        db.database.close()
    client = app.test_client()

    def make(who, uid, **over):
        res = client.post("/api/annotations", json=annotation_body(id=uid, **over),
                          headers=headers[who])
        assert res.status_code == 201

    # Post 1 is known only through alice's private annotation.
    make("alice", EXISTING, post={"site": "private.example", "post_id": 1})
    make("alice", DELETED)
    assert client.delete(f"/api/annotations/{DELETED}",
                         headers=headers["alice"]).status_code == 204
    make("bob", BOB_PRIVATE)
    make("bob", BOB_PUBLIC, visibility="public")
    res = client.post("/api/annotations", json={"id": BOB_REPLY, "reply_to": BOB_PUBLIC,
                                                "note": "my own answer"}, headers=headers["bob"])
    assert res.status_code == 201
    res = client.post("/api/groups", json={"name": "Alice's"}, headers=headers["alice"])
    token = client.post(f"/api/groups/{res.get_json()['id']}/invites", json={"max_uses": 1},
                        headers=headers["alice"]).get_json()["token"]
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        Group.update(gid=GID).execute()
        User.update(operator=True).where(User.name == "alice").execute()
        Invite.update(token_hash=hash_token(SPENT), uses=1).where(
            Invite.token_hash == hash_token(token)).execute()
        db.database.close()
    assert client.post("/api/sites", json={"url": "https://blog.example"},
                       headers=headers["alice"]).status_code == 201
    assert client.post("/api/sites", json={"url": "https://members.example",
                                           "policy": {"embed": "members"}},
                       headers=headers["alice"]).status_code == 201
    headers |= {"anon": {}, "forged": {"Authorization": "Bearer pst_forged-token"}}
    yield app, headers
    if not db.database.is_closed():
        db.database.close()
    close_all = getattr(db.database.obj, "close_all", None)
    if close_all:
        close_all()


# What an error may change by design: a failed sign-in is counted (that is the throttle), and a
# token's last use is noted (at most once a minute). Everything else must stay as it was.
BOOKKEEPING = {"sign_in_throttle", ("token", "last_used_us")}


def snapshot(app) -> dict:
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            return {m._meta.table_name: sorted(
                (sorted((k, v) for k, v in row.items()
                        if (m._meta.table_name, k) not in BOOKKEEPING)
                 for row in m.select().dicts()), key=repr)
                for m in MODELS if m._meta.table_name not in BOOKKEEPING}
        finally:
            db.database.close()


def test_every_row_has_a_unique_name():
    names = [row[0] for row in ROWS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name, method, path, who, extra, body, status, code", ROWS,
                         ids=[row[0] for row in ROWS])
def test_error_paths_have_one_shape_and_change_nothing(error_app, name, method, path, who, extra,
                                                       body, status, code):
    app, readers = error_app
    client = app.test_client()
    before = snapshot(app)
    headers = dict(readers[who]) | extra
    kwargs = {}
    if body is not None and body[0] == "json":
        kwargs["json"] = body[1]
    elif body is not None:
        kwargs["data"] = body[1]
        if body[2]:
            headers["Content-Type"] = body[2]
    res = client.open(path, method=method, headers=headers, **kwargs)

    assert res.status_code == status, res.get_data(as_text=True)[:300]
    assert res.mimetype == "application/json"
    payload = res.get_json()
    assert set(payload) == {"error"}
    error = payload["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert error["code"] == code
    assert error["message"].strip()
    if status == 405:
        assert "Allow" in res.headers
    if status == 401:
        assert res.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(app) == before
