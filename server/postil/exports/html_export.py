"""A standalone, printable HTML page: no scripts, no requests, notes from the sanitised note_html.

Everything but `note_html` (sanitised once, on write) is escaped here; a Content-Security-Policy
that forbids every fetch and script backs that up if a note ever slipped through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from html import escape

from .common import by_post, day, is_web_url, link_url, passage_url

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; "
       "form-action 'none'")
COLORS = {"yellow": "#f5c400", "green": "#3aa757", "blue": "#3b7dd8", "pink": "#e0569b",
          "purple": "#8a5cd6"}

STYLE = """
body { font: 16px/1.5 Georgia, "Times New Roman", serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1d; background: #fff; }
header p, .site, .meta { font: 0.85rem/1.4 system-ui, sans-serif; color: #555; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 0.2rem; border-top: 1px solid #ddd; padding-top: 1.2rem; }
h2 a { color: inherit; text-decoration: none; }
.annotation { margin: 1.2rem 0; padding-left: 0.9rem; border-left: 4px solid #ccc;
              break-inside: avoid; }
blockquote { margin: 0 0 0.4rem; font-style: italic; white-space: pre-wrap; }
.note { margin: 0.3rem 0; }
.note p { margin: 0.3rem 0; }
.tag { font-weight: 600; border: 1px solid #bbb; border-radius: 0.6rem; padding: 0 0.4rem; }
@media print {
  body { margin: 0; max-width: none; }
  a { color: inherit; }
  h2 { break-after: avoid; }
}
"""


def write(annotations: Iterable[dict], *, exported_at: str, title: str = "Postil export",
          **_) -> Iterator[str]:
    yield ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
           "<meta name=\"referrer\" content=\"no-referrer\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           f"<title>{escape(title)}</title>\n<style>{STYLE}"
           + "".join(f".color-{name} {{ border-left-color: {rgb}; }}\n"
                     for name, rgb in COLORS.items())
           + f"</style>\n</head>\n<body>\n<header>\n<h1>{escape(title)}</h1>\n"
           f"<p>Exported <time datetime=\"{escape(exported_at)}\">{escape(exported_at)}</time>"
           "</p>\n</header>\n<main>\n")
    for post, items in by_post(annotations):
        yield _post(post, items)
    yield "</main>\n</body>\n</html>\n"


def _link(url: str | None, text: str) -> str:
    if not is_web_url(url):
        return escape(text)
    return (f"<a href=\"{escape(link_url(url))}\" rel=\"noopener noreferrer\">"
            f"{escape(text)}</a>")


def _post(post: dict, items: Iterable[dict]) -> str:
    key = post["site"] + (f" · post {post['post_id']}" if post.get("post_id") else "")
    heading = _link(post.get("url"), post.get("title") or post.get("url") or post["site"])
    parts = [f"<section class=\"post\">\n<h2>{heading}</h2>\n"
             f"<p class=\"site\">{escape(key)}</p>\n"]
    for annotation in items:
        parts.append(_annotation(annotation))
    parts.append("</section>\n")
    return "".join(parts)


def _annotation(a: dict) -> str:
    color = a.get("color") if a.get("color") in COLORS else "yellow"
    out = [f"<article class=\"annotation color-{color}\">\n"]
    if a.get("quote"):
        out.append(f"<blockquote>{escape(a['quote'].strip())}</blockquote>\n")
    if a.get("note_html"):
        out.append(f"<div class=\"note\">{a['note_html']}</div>\n")
    meta = [" ".join(f"<span class=\"tag\">{escape(t)}</span>" for t in a.get("tags") or [])]
    created = a.get("created") or ""
    meta += [escape(color), f"<time datetime=\"{escape(created)}\">{escape(day(created))}</time>"]
    if a.get("group"):
        meta.append(f"<span class=\"group\">group: {escape(a.get('group_name') or a['group'])}"
                    "</span>")
    url = passage_url(a)
    if url:
        meta.append(_link(url, "open the passage" if a.get("quote") else "open the page"))
    out.append(f"<p class=\"meta\">{' · '.join(m for m in meta if m)}</p>\n</article>\n")
    return "".join(out)
