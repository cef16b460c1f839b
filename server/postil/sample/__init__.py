"""A sample WordPress blog served by `postil serve`, to try the extension on.

Each post is a WordPress REST post JSON file beside this module (the format `postil post add`
imports). The files use the placeholder home `https://sample.postil.invalid/sample`; at request time
it becomes this server's own `/sample`, so every link the page carries (the REST API root, the REST
alternate link, the shortlink, the canonical link) points back here and the post key is
`site = <host:port>/sample, post_id = <id>`.

Routes, all under `/sample`: `/` lists the posts; `/?p=<id>` and `/<slug>/` show the same post at
two URLs, as WordPress does; `/wp-json/` and `/wp-json/wp/v2/posts[/<id>]` serve the REST JSON.
`?theme=dark` renders a dark page, `?late=1` inserts the article text a moment after load (for
trying highlights on late content) and `?embed=1` includes this server's `/embed.js` as a site
would (docs/embedding.md: its public notes, for a browser without the extension).

The pages run only the blog's own files from `static/` (no inline script or style), under a
Content-Security-Policy that refuses anything else, as a careful WordPress site would: the
extension must work on such a page.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request

from ..headers import page_policy

PLACEHOLDER_HOME = "https://sample.postil.invalid/sample"
SITE_NAME = "Field Notes"
HERE = Path(__file__).parent

bp = Blueprint("sample", __name__, url_prefix="/sample", template_folder="templates",
               static_folder="static")

PAGE_POLICY = page_policy(script_src="'self'", style_src="'self'", img_src="'self' data:")
# With the embed the page also reads the server's API, as a site including it allows.
EMBED_POLICY = page_policy(script_src="'self'", style_src="'self'", img_src="'self' data:",
                           connect_src="'self'")


@bp.after_request
def _page_policy(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = EMBED_POLICY if _embed() else PAGE_POLICY
    return response


@cache
def _raw_posts() -> dict[int, str]:
    posts = {}
    for path in sorted(HERE.glob("post-*.json")):
        text = path.read_text(encoding="utf-8")
        posts[json.loads(text)["id"]] = text
    return posts


def _embed() -> bool:
    return request.args.get("embed") == "1"


def _home() -> str:
    return request.url_root.rstrip("/") + bp.url_prefix


def _post(post_id: int) -> dict:
    raw = _raw_posts().get(post_id)
    if raw is None:
        abort(404)
    # The placeholder appears JSON-escaped in places ("https:\/\/…") only if a writer escaped
    # slashes; these files do not, so a plain replace reaches every link.
    return json.loads(raw.replace(PLACEHOLDER_HOME, _home()))


def _posts() -> list[dict]:
    return [_post(post_id) for post_id in _raw_posts()]


def _render(post: dict):
    theme = "dark" if request.args.get("theme") == "dark" else "light"
    others = [p for p in _posts() if p["id"] != post["id"]]
    return render_template("sample/post.html", post=post, home=_home(), site_name=SITE_NAME,
                           theme=theme, late=request.args.get("late") == "1", others=others,
                           embed=_embed())


@bp.get("/")
def index():
    """List the posts, or show one when asked WordPress-style with `?p=<id>`."""
    if "p" in request.args:
        try:
            post_id = int(request.args["p"])
        except ValueError:
            abort(404)
        return _render(_post(post_id))
    return render_template("sample/index.html", posts=_posts(), home=_home(), site_name=SITE_NAME)


@bp.get("/elsewhere/")
def not_a_post():
    """A page with no WordPress signals at all: Postil keys it by its normalised URL."""
    return render_template("sample/plain.html", canonical=_home() + "/elsewhere/")


@bp.get("/<slug>/")
def by_slug(slug: str):
    for post in _posts():
        if post["slug"] == slug:
            return _render(post)
    abort(404)


@bp.get("/wp-json/")
def api_root():
    home = _home()
    return {"name": SITE_NAME, "description": "A sample blog for trying Postil", "url": home,
            "home": home, "namespaces": ["wp/v2"],
            "routes": {"/wp/v2/posts": {}, "/wp/v2/posts/(?P<id>[\\d]+)": {}}}


@bp.get("/wp-json/wp/v2/posts")
def api_posts():
    return _posts()


@bp.get("/wp-json/wp/v2/posts/<int:post_id>")
def api_post(post_id: int):
    return _post(post_id)
