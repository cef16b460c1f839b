"""One Markdown document: a section per post, each highlight a quote with its note and a link."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .common import (
    by_post,
    day,
    hashtag,
    is_web_url,
    link_url,
    md_line,
    md_text,
    passage_url,
    thread_depths,
)


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
    for annotation, depth, here in thread_depths(items):
        parts.append("\n" + (highlight(annotation) if depth == 0
                              else reply(annotation, depth, here)))
    return "".join(parts)


def reply(annotation: dict, depth: int, answers_one_here: bool = True) -> str:
    """Return a reply as a list item under the annotation it answers, a level per depth:
    who wrote it, when, its tags, then its note."""
    indent = "  " * (depth - 1)
    who = f"**{md_line(annotation['user'])}**" if annotation.get("user") else "Someone"
    said = "replied" if answers_one_here else "replied to an annotation not in this export"
    meta = [f"{who} {said}", day(annotation.get("created"))]
    if annotation.get("tags"):
        meta.append(" ".join(hashtag(t) for t in annotation["tags"]))
    if annotation.get("deleted"):
        meta.append("deleted")
    out = [f"{indent}- {' · '.join(m for m in meta if m)}\n"]
    note = (annotation.get("note") or "").strip()
    if note:
        out.append("\n" + "\n".join(f"{indent}  {line}" if line.strip() else ""
                                     for line in note.splitlines()) + "\n")
    return "".join(out)


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
    if annotation.get("deleted"):
        meta.append("deleted (its replies follow)")
    url = passage_url(annotation)
    if url:
        meta.append(f"[{'open the passage' if annotation.get('quote') else 'open the page'}]"
                    f"({url})")
    out.append(" · ".join(m for m in meta if m) + "\n")
    return "".join(out)
