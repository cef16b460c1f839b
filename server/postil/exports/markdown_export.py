"""One Markdown document: a section per post, each highlight a quote with its note and a link."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .common import by_post, day, hashtag, is_web_url, link_url, md_line, md_text, passage_url


def write(annotations: Iterable[dict], *, exported_at: str, title: str = "Postil export",
          **_) -> Iterator[str]:
    yield f"# {md_line(title)}\n\nExported {exported_at}.\n"
    for post, items in by_post(annotations):
        yield "\n" + post_section(post, items, heading="##")


def post_section(post: dict, items: Iterable[dict], *, heading: str) -> str:
    """Return a post's heading, link and highlights (the zip export's file body too)."""
    parts = [f"{heading} {md_line(post.get('title') or post.get('url') or post['site'])}\n"]
    if is_web_url(post.get("url")):
        parts.append(f"\n<{link_url(post['url'])}>\n")
    for annotation in items:
        parts.append("\n" + highlight(annotation))
    return "".join(parts)


def highlight(annotation: dict) -> str:
    """Return one annotation: `> quote`, the note as written, then tags, colour, date, link."""
    out = []
    if annotation.get("quote"):
        lines = md_text(annotation["quote"].strip()).splitlines()
        out.append("\n".join("> " + line if line.strip() else ">" for line in lines) + "\n\n")
    if annotation.get("note"):
        out.append(annotation["note"].strip() + "\n\n")
    meta = [" ".join(hashtag(t) for t in annotation.get("tags") or [])] if annotation.get(
        "tags") else []
    meta += [annotation.get("color") or "", day(annotation.get("created"))]
    if annotation.get("group"):
        meta.append(f"group: {md_line(annotation.get('group_name') or annotation['group'])}")
    url = passage_url(annotation)
    if url:
        meta.append(f"[{'open the passage' if annotation.get('quote') else 'open the page'}]"
                    f"({url})")
    out.append(" · ".join(m for m in meta if m) + "\n")
    return "".join(out)
