"""Translate between Postil's native annotation JSON and the W3C Web Annotation Data Model.

Pure functions, no Flask and no database: the W3C protocol views, the `jsonld` export and the
JSON-LD import all go through `to_jsonld` and `from_jsonld`, so the mapping is written once.

The mapping (docs/w3c.md explains it for users):

- `@context` is the plain string `http://www.w3.org/ns/anno.jsonld`; the few things the standard
  has no term for are properties named by full IRIs in Postil's namespace `https://postil.dev/ns#`
  (`NS`), which every JSON-LD processor reads without an extra context.
- `motivation` is `commenting` when there is a note, else `highlighting`.
- The note is a `TextualBody` with `format: text/markdown` and `purpose: commenting`; each tag is a
  `TextualBody` with `purpose: tagging`. Postil does not know the note's language, so it says none.
- The target is a `SpecificResource`: `source` is the post's URL, `selector` the selectors
  (alternatives for the same passage), `styleClass` `postil-<colour>` with a `CssStylesheet`
  defining it, and `NS + "post"` holds the post identity (`site`, `postId`, `title`).
- `NS + "visibility"` is `private`, `group` or `public`; without it an incoming annotation is
  private. A group's annotation carries `NS + "group"` (the group's id) and `NS + "groupName"`;
  an incoming one with visibility `group` names its group by `NS + "group"`.
- `NS + "hidden"` is true for an annotation its group's moderators hid (only its author and
  they receive it).
- `canonical` is `urn:uuid:<id>`, the id the annotation keeps on every Postil server and in both
  APIs; `creator` is a `Person` whose `nickname` is the username (none when the annotation has
  no author: a deleted account's, anonymised).
- `via` is the IRI a client gave the annotation when the server minted another (native `via`).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .contract import COLORS, VISIBILITIES
from .domain_errors import Invalid

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
NS = "https://postil.dev/ns#"
POST = NS + "post"
SITE = NS + "site"
POST_ID = NS + "postId"
TITLE = NS + "title"
VISIBILITY = NS + "visibility"
GROUP = NS + "group"
GROUP_NAME = NS + "groupName"
HIDDEN = NS + "hidden"
QUOTE = NS + "quote"
DELETED = NS + "deleted"
STYLE_PREFIX = "postil-"
NOTE_FORMAT = "text/markdown"

# Highlight colours as CSS, so a reader that knows nothing of Postil can still paint them.
COLOR_CSS = {
    "yellow": "#fff3a3",
    "green": "#c8f2c2",
    "blue": "#c7e3ff",
    "pink": "#ffd0e6",
    "purple": "#e3d4ff",
}

UUID_AT_END = re.compile(
    r"(?:^urn:uuid:|/)([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/?$")


# ---------------------------------------------------------------- native -> W3C

def to_jsonld(annotation: dict, *, iri: str, creator_iri: str | None = None) -> dict:
    """Return the W3C Web Annotation (JSON-LD) for a native annotation JSON dict.

    `iri` becomes the annotation's `id`; `creator_iri`, when given, identifies its author.
    """
    post = annotation.get("post") or {}
    note = annotation.get("note") or ""
    tags = annotation.get("tags") or []
    selectors = annotation.get("selectors") or []
    color = annotation.get("color") or "yellow"

    doc: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": iri,
        "type": "Annotation",
        "motivation": "commenting" if note else "highlighting",
    }
    if annotation.get("id"):
        doc["canonical"] = f"urn:uuid:{annotation['id']}"
    if annotation.get("via"):
        doc["via"] = annotation["via"]
    if creator_iri or annotation.get("user"):
        # No author (a deleted account's anonymised annotation): no creator at all.
        creator: dict[str, Any] = {"id": creator_iri} if creator_iri else {}
        creator["type"] = "Person"
        if annotation.get("user"):
            creator["name"] = creator["nickname"] = annotation["user"]
        doc["creator"] = creator
    if annotation.get("created"):
        doc["created"] = annotation["created"]
    if annotation.get("updated"):
        doc["modified"] = annotation["updated"]
    if color in COLOR_CSS:
        doc["stylesheet"] = {"type": "CssStylesheet",
                             "value": f".{STYLE_PREFIX}{color} {{ background-color: "
                                      f"{COLOR_CSS[color]} }}"}

    bodies = []
    if note:
        bodies.append({"type": "TextualBody", "value": note, "format": NOTE_FORMAT,
                       "purpose": "commenting"})
    bodies += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in tags]
    if bodies:
        doc["body"] = bodies[0] if len(bodies) == 1 else bodies

    target: dict[str, Any] = {"type": "SpecificResource", "source": _source(post)}
    if selectors:
        target["selector"] = selectors[0] if len(selectors) == 1 else list(selectors)
    target["styleClass"] = STYLE_PREFIX + color
    identity: dict[str, Any] = {SITE: post.get("site")}
    if post.get("post_id") is not None:
        identity[POST_ID] = post["post_id"]
    if post.get("title"):
        identity[TITLE] = post["title"]
    target[POST] = identity
    doc["target"] = target

    quote = annotation.get("quote") or ""
    if quote and quote != _quote_from(selectors):
        doc[QUOTE] = quote
    doc[VISIBILITY] = annotation.get("visibility") or "private"
    if annotation.get("group"):
        doc[GROUP] = annotation["group"]
        doc[GROUP_NAME] = annotation.get("group_name") or ""
    if annotation.get("hidden"):
        doc[HIDDEN] = True
    if annotation.get("deleted"):
        doc[DELETED] = True
    return doc


def _source(post: dict) -> str:
    if post.get("url"):
        return post["url"]
    # A post known only by its key: WordPress answers its shortlink at any permalink setting.
    if post.get("site") and post.get("post_id") is not None:
        return f"https://{post['site']}/?p={post['post_id']}"
    return f"https://{post.get('site') or 'invalid.invalid'}/"


def _quote_from(selectors: list) -> str:
    return next((s.get("exact", "") for s in selectors
                 if isinstance(s, dict) and s.get("type") == "TextQuoteSelector"), "")


# ---------------------------------------------------------------- W3C -> native

def from_jsonld(doc: dict) -> dict:
    """Return the native create body (also a full-replacement patch body) for a W3C annotation.

    Raises `Invalid` (field names are W3C paths such as `target.source`) when the
    document is not an annotation Postil can store: one target on an http(s) page, bodies that
    are text. Fields are only shaped here; `store` validates their contents as for native input.
    """
    if not isinstance(doc, dict):
        raise Invalid("annotation", "must be a JSON object")
    context = doc.get("@context")
    if context is not None and ANNO_CONTEXT not in _as_list(context):
        raise Invalid("@context", f"must be or include {ANNO_CONTEXT}")
    if "Annotation" not in _as_list(doc.get("type")) and \
            "oa:Annotation" not in _as_list(doc.get("type")):
        raise Invalid("type", "must be 'Annotation'")

    out: dict[str, Any] = {}
    uid = _uid(doc)
    if uid:
        out["id"] = uid

    target = _one_target(doc.get("target"))
    post, selectors, color = _target(target)
    out["post"] = post
    out["selectors"] = selectors
    quote = _get(doc, "quote")
    if quote is not None and not isinstance(quote, str):
        raise Invalid(QUOTE, "must be a string")
    out["quote"] = quote if quote is not None else _quote_from(selectors)

    note, tags = _bodies(doc)
    out["note"] = note
    out["tags"] = tags
    out["color"] = color
    visibility = _get(doc, "visibility")
    if visibility is None:
        visibility = "private"
    if visibility not in VISIBILITIES:
        raise Invalid(VISIBILITY, "must be 'private', 'group' or 'public'")
    out["visibility"] = visibility
    group = _get(doc, "group")
    if visibility == "group":
        if not isinstance(group, str) or not group:
            raise Invalid(GROUP, "must name one of your groups (its id) with visibility 'group'")
        out["group"] = group
    else:
        out["group"] = None
    return out


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _get(obj: dict, term: str) -> Any:
    """Read a Postil term written as a full IRI or with a `postil:` prefix."""
    for key in (NS + term, "postil:" + term):
        if key in obj:
            value = obj[key]
            # Expanded JSON-LD wraps values: [{"@value": x}].
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if isinstance(value, dict) and "@value" in value:
                value = value["@value"]
            return value
    return None


def _uid(doc: dict) -> str | None:
    canonical = doc.get("canonical")
    if canonical is not None:
        match = UUID_AT_END.search(canonical) if isinstance(canonical, str) else None
        if not (match and canonical.startswith("urn:uuid:")):
            raise Invalid("canonical", "Postil keeps only canonical IRIs of the form "
                                               "urn:uuid:<uuid>; leave canonical out")
        return str(uuid.UUID(match.group(1)))
    ident = doc.get("id")
    if isinstance(ident, str):
        match = UUID_AT_END.search(ident)
        if match:
            return str(uuid.UUID(match.group(1)))
    return None


def _one_target(value: Any) -> Any:
    targets = _as_list(value)
    if not targets:
        raise Invalid("target", "is required")
    if len(targets) > 1:
        raise Invalid("target", "Postil annotations have exactly one target")
    return targets[0]


def _target(target: Any) -> tuple[dict, list, str]:
    if isinstance(target, str):
        return _post_spec(target, None), [], "yellow"
    if not isinstance(target, dict):
        raise Invalid("target", "must be an IRI or an object")
    source = target.get("source", target.get("id") if "selector" not in target else None)
    if isinstance(source, dict):
        source = source.get("id")
    if not isinstance(source, str) or not source:
        raise Invalid("target.source", "must be the IRI of the annotated page")

    selectors = []
    for i, sel in enumerate(_as_list(target.get("selector"))):
        if not isinstance(sel, dict):
            raise Invalid(f"target.selector[{i}]",
                                  "must be an embedded selector object, not a reference")
        selectors.append({k: val for k, val in sel.items() if k != "id"})

    color = "yellow"
    for style in _as_list(target.get("styleClass")):
        name = style[len(STYLE_PREFIX):] if isinstance(style, str) and \
            style.startswith(STYLE_PREFIX) else style
        if name in COLORS:
            color = name
            break
    return _post_spec(source, _get(target, "post")), selectors, color


def _post_spec(source: str, identity: Any) -> dict:
    if identity is not None and not isinstance(identity, dict):
        raise Invalid(POST, "must be an object with the post's site and postId")
    identity = identity or {}
    # Inside Postil's own object, bare keys are unambiguous; accept them from hand-written docs.
    site, post_id, title = (_get(identity, term) if _get(identity, term) is not None
                            else identity.get(term) for term in ("site", "postId", "title"))
    spec: dict[str, Any] = {"url": source}
    if post_id is not None:
        if site is None:
            raise Invalid(SITE, "is required with postId")
        spec.update(site=site, post_id=post_id)
    else:
        spec["post_id"] = None
    if title is not None:
        spec["title"] = title
    return spec


def _bodies(doc: dict) -> tuple[str, list[str]]:
    if "body" in doc and "bodyValue" in doc:
        raise Invalid("bodyValue", "an annotation must not have both body and bodyValue")
    if "bodyValue" in doc:
        value = doc["bodyValue"]
        value = value[0] if isinstance(value, list) and len(value) == 1 else value
        if not isinstance(value, str):
            raise Invalid("bodyValue", "must be a string")
        return value, []
    motivations = _as_list(doc.get("motivation"))
    default_purpose = motivations[0] if len(motivations) == 1 else None
    notes: list[str] = []
    tags: list[str] = []
    for i, body in enumerate(_as_list(doc.get("body"))):
        field = f"body[{i}]"
        if isinstance(body, dict) and "Choice" in _as_list(body.get("type")):
            # A choice of renderings: keep the first one that is text.
            body = next((b for b in _as_list(body.get("items")) if _is_text(b)), None)
            if body is None:
                raise Invalid(field, "a Choice needs a TextualBody item")
        if not _is_text(body):
            raise Invalid(field, "Postil stores only embedded TextualBody bodies "
                                         "(a note and tags), not references to other resources")
        value = body["value"]
        value = value[0] if isinstance(value, list) and len(value) == 1 else value
        if not isinstance(value, str):
            raise Invalid(f"{field}.value", "must be a string")
        purposes = _as_list(body.get("purpose")) or ([default_purpose] if default_purpose else [])
        if "tagging" in purposes:
            tags.append(value)
        else:
            notes.append(value)
    return "\n\n".join(notes), tags


def _is_text(body: Any) -> bool:
    if not isinstance(body, dict) or "value" not in body:
        return False
    kinds = _as_list(body.get("type"))
    return not kinds or "TextualBody" in kinds or "oa:TextualBody" in kinds
