"""JSON Schemas for the W3C Web Annotation Data Model, written for Postil's tests from the
Recommendation's text (sections 3-5), and tests that the schemas themselves tell good from bad.

Formats are checked with patterns, not `format`, so that no optional validator package decides
silently whether an IRI or a date is checked. Other W3C tests import `validate` and the schemas.
"""

from __future__ import annotations

import copy

import pytest
from jsonschema import Draft202012Validator

ANNO = "http://www.w3.org/ns/anno.jsonld"
LDP = "http://www.w3.org/ns/ldp.jsonld"
NS = "https://postil.dev/ns#"

IRI = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$"}
HTTP_IRI = {"type": "string", "pattern": r"^https?://[^\s/?#]+[^\s]*$"}
DATETIME = {"type": "string",
            "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}
MEDIA_TYPE = {"type": "string", "pattern": r"^[a-z]+/[A-Za-z0-9.+\-]+$"}
LANGUAGE = {"type": "string", "pattern": r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"}
MOTIVATIONS = ["assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
               "highlighting", "identifying", "linking", "moderating", "questioning", "replying",
               "tagging"]


def one_or_many(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "array", "minItems": 1, "items": schema}]}


def single(schema: dict) -> dict:
    """One value, which JSON-LD also lets a publisher write as a one-item array."""
    return {"anyOf": [schema, {"type": "array", "minItems": 1, "maxItems": 1, "items": schema}]}


def type_is(name: str) -> dict:
    return {"anyOf": [{"const": name}, {"type": "array", "contains": {"const": name}}]}


MOTIVATION = {"enum": MOTIVATIONS}
AGENT = {"anyOf": [IRI, {"type": "object", "properties": {
    "id": IRI,
    "type": one_or_many({"enum": ["Person", "Organization", "Software"]}),
    "name": single({"type": "string"}),
    "nickname": single({"type": "string"}),
    "email": one_or_many({"type": "string", "pattern": "^mailto:"}),
    "email_sha1": one_or_many({"type": "string", "pattern": "^[0-9a-f]{40}$"}),
    "homepage": one_or_many(IRI),
}}]}

# 4.2 Selectors: each kind with the keys the model requires of it.
SELECTORS = {
    "TextQuoteSelector": {"required": ["type", "exact"], "properties": {
        "exact": {"type": "string"}, "prefix": {"type": "string"}, "suffix": {"type": "string"}}},
    "TextPositionSelector": {"required": ["type", "start", "end"], "properties": {
        "start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0}}},
    "DataPositionSelector": {"required": ["type", "start", "end"], "properties": {
        "start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0}}},
    "FragmentSelector": {"required": ["type", "value"], "properties": {
        "value": {"type": "string"}, "conformsTo": IRI}},
    "CssSelector": {"required": ["type", "value"], "properties": {"value": {"type": "string"}}},
    "XPathSelector": {"required": ["type", "value"], "properties": {"value": {"type": "string"}}},
    "SvgSelector": {"properties": {"value": {"type": "string"}, "id": IRI},
                    "anyOf": [{"required": ["value"]}, {"required": ["id"]}]},
    "RangeSelector": {"required": ["type", "startSelector", "endSelector"], "properties": {
        "startSelector": {"$ref": "#/$defs/selector"},
        "endSelector": {"$ref": "#/$defs/selector"}}},
}
SELECTOR = {"type": "object", "required": ["type"], "oneOf": [
    {"properties": {"type": {"const": kind}, **spec.get("properties", {}),
                    "refinedBy": one_or_many({"$ref": "#/$defs/selector"})},
     **{k: val for k, val in spec.items() if k != "properties"}}
    for kind, spec in SELECTORS.items()]}

TEXTUAL_BODY = {"type": "object", "required": ["value"], "properties": {
    "id": IRI,
    "type": {"anyOf": [{"const": "TextualBody"}, {"type": "array",
                                                  "contains": {"const": "TextualBody"}}]},
    "value": single({"type": "string"}),
    "format": single(MEDIA_TYPE),
    "language": one_or_many(LANGUAGE),
    "purpose": one_or_many(MOTIVATION),
    "creator": one_or_many(AGENT),
}}
SPECIFIC_RESOURCE = {"type": "object", "required": ["source"], "properties": {
    "id": IRI,
    "type": {"const": "SpecificResource"},
    "source": {"anyOf": [IRI, {"type": "object", "required": ["id"], "properties": {"id": IRI}}]},
    "selector": one_or_many({"anyOf": [IRI, {"$ref": "#/$defs/selector"}]}),
    "styleClass": one_or_many({"type": "string", "pattern": r"^-?[_a-zA-Z][_a-zA-Z0-9-]*$"}),
    "purpose": one_or_many(MOTIVATION),
    "scope": one_or_many(IRI),
}, "not": {"required": ["value"]}}
EXTERNAL = {"type": "object", "required": ["id"], "properties": {"id": IRI},
            "not": {"anyOf": [{"required": ["value"]}, {"required": ["source"]}]}}
BODY = {"anyOf": [IRI, TEXTUAL_BODY, SPECIFIC_RESOURCE, EXTERNAL,
                  {"type": "object", "required": ["type", "items"],
                   "properties": {"type": {"enum": ["Choice", "Composite", "List",
                                                    "Independents"]}}}]}
TARGET = {"anyOf": [IRI, SPECIFIC_RESOURCE, EXTERNAL]}
STYLESHEET = {"anyOf": [IRI, {"type": "object", "properties": {
    "type": {"const": "CssStylesheet"}, "id": IRI, "value": {"type": "string"}},
    "oneOf": [{"required": ["id"]}, {"required": ["value"]}]}]}

# 3.1 and 3.3: an Annotation as embedded in a page (no @context of its own) ...
EMBEDDED_ANNOTATION = {
    "type": "object",
    "required": ["id", "type", "target"],
    "properties": {
        "id": IRI,
        "type": type_is("Annotation"),
        "motivation": one_or_many(MOTIVATION),
        "body": one_or_many(BODY),
        "bodyValue": single({"type": "string"}),
        "target": one_or_many(TARGET),
        "creator": one_or_many(AGENT),
        "generator": one_or_many(AGENT),
        "created": single(DATETIME),
        "modified": single(DATETIME),
        "generated": single(DATETIME),
        "canonical": single(IRI),
        "via": one_or_many(IRI),
        "rights": one_or_many(IRI),
        "stylesheet": STYLESHEET,
    },
    "not": {"required": ["body", "bodyValue"]},
    "$defs": {"selector": SELECTOR},
}
# ... and as a document of its own, which MUST have the Web Annotation context.
ANNOTATION = {"allOf": [
    {"$ref": "#/$defs/annotation"},
    {"required": ["@context"], "properties": {"@context": {"anyOf": [
        {"const": ANNO},
        {"type": "array", "minItems": 2, "contains": {"const": ANNO}}]}}},
], "$defs": {"annotation": EMBEDDED_ANNOTATION, "selector": SELECTOR}}

# What Postil promises beyond the model: the mapping documented in docs/w3c.md.
POSTIL_ANNOTATION = {"allOf": [
    *ANNOTATION["allOf"],
    {"required": ["motivation", "creator", "created", "modified", "canonical",
                  NS + "visibility"],
     "properties": {
         "@context": {"const": ANNO},
         "motivation": {"enum": ["highlighting", "commenting"]},
         "canonical": {"type": "string", "pattern": "^urn:uuid:[0-9a-f-]{36}$"},
         "creator": {"type": "object", "required": ["type", "nickname"],
                     "properties": {"type": {"const": "Person"}}},
         "body": one_or_many({"type": "object", "required": ["type", "value", "purpose"],
                              "properties": {"type": {"const": "TextualBody"},
                                             "purpose": {"enum": ["commenting", "tagging"]}}}),
         "target": {"type": "object",
                    "required": ["type", "source", "styleClass", NS + "post"],
                    "properties": {
                        "type": {"const": "SpecificResource"},
                        "source": HTTP_IRI,
                        "styleClass": {"enum": [f"postil-{c}" for c in
                                                ("yellow", "green", "blue", "pink", "purple")]},
                        NS + "post": {"type": "object", "required": [NS + "site"],
                                      "properties": {NS + "site": {"type": "string"},
                                                     NS + "postId": {"type": "integer"},
                                                     NS + "title": {"type": "string"}}}}},
         NS + "visibility": {"enum": ["private", "group", "public"]},
         NS + "group": {"type": "string"}, NS + "groupName": {"type": "string"},
         NS + "hidden": {"type": "boolean"},
     }},
], "$defs": ANNOTATION["$defs"]}

# 5.2 Annotation Page.
PAGE_PROPERTIES = {
    "id": IRI,
    "type": {"const": "AnnotationPage"},
    "partOf": {"anyOf": [IRI, {"type": "object", "required": ["id"], "properties": {
        "id": IRI, "label": {"type": "string"}, "total": {"type": "integer", "minimum": 0},
        "modified": DATETIME, "first": IRI, "last": IRI}}]},
    "startIndex": {"type": "integer", "minimum": 0},
    "next": IRI,
    "prev": IRI,
    "items": {"type": "array", "items": {"anyOf": [IRI, {"$ref": "#/$defs/annotation"}]}},
}
EMBEDDED_PAGE = {"type": "object", "required": ["id", "type", "items"],
                 "properties": PAGE_PROPERTIES}
PAGE = {"allOf": [EMBEDDED_PAGE, {"required": ["@context"],
                                  "properties": {"@context": {"const": ANNO}}}],
        "$defs": {"annotation": EMBEDDED_ANNOTATION, "selector": SELECTOR}}

# 5.1 Annotation Collection, which the protocol's containers also are (LDP Basic Containers).
CONTAINER = {
    "type": "object",
    "required": ["@context", "id", "type", "total"],
    "properties": {
        "@context": {"type": "array", "allOf": [{"contains": {"const": ANNO}},
                                                {"contains": {"const": LDP}}]},
        "id": IRI,
        "type": {"type": "array", "allOf": [{"contains": {"const": "BasicContainer"}},
                                            {"contains": {"const": "AnnotationCollection"}}]},
        "label": {"type": "string"},
        "total": {"type": "integer", "minimum": 0},
        "modified": DATETIME,
        "first": {"anyOf": [IRI, EMBEDDED_PAGE]},
        "last": IRI,
    },
    # A collection with annotations in it SHOULD give its first and last page.
    "if": {"properties": {"total": {"minimum": 1}}},
    "then": {"required": ["first", "last"]},
    "$defs": {"annotation": EMBEDDED_ANNOTATION, "selector": SELECTOR},
}


def errors(schema: dict, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft202012Validator(schema).iter_errors(doc)]


def validate(schema: dict, doc) -> None:
    """Assert `doc` is valid against `schema`, listing every problem if it is not."""
    problems = errors(schema, doc)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the schemas' own tests

def test_every_schema_is_a_valid_json_schema():
    for schema in (ANNOTATION, POSTIL_ANNOTATION, PAGE, CONTAINER):
        Draft202012Validator.check_schema(schema)


MINIMAL = {"@context": ANNO, "id": "http://example.org/anno1", "type": "Annotation",
           "target": "http://example.com/page1"}
RICH = {
    "@context": ANNO, "id": "http://example.org/anno2", "type": "Annotation",
    "motivation": "commenting",
    "creator": {"id": "http://example.org/user1", "type": "Person", "nickname": "u1"},
    "created": "2026-01-02T03:04:05Z", "modified": "2026-01-02T03:04:05.123+01:00",
    "stylesheet": {"type": "CssStylesheet", "value": ".red { color: red }"},
    "body": [{"type": "TextualBody", "value": "a note", "format": "text/plain",
              "language": "en-GB"},
             {"type": "TextualBody", "value": "tag", "purpose": "tagging"}],
    "target": {"source": "http://example.com/page1", "styleClass": "red", "selector": [
        {"type": "TextQuoteSelector", "exact": "word", "prefix": "a ", "suffix": " b"},
        {"type": "TextPositionSelector", "start": 4, "end": 8},
        {"type": "RangeSelector",
         "startSelector": {"type": "XPathSelector", "value": "/p[1]"},
         "endSelector": {"type": "XPathSelector", "value": "/p[2]"}}]},
}


@pytest.mark.parametrize("doc", [MINIMAL, RICH], ids=["minimal", "rich"])
def test_annotation_schema_accepts_annotations_the_model_allows(doc):
    validate(ANNOTATION, doc)


def _without(doc: dict, key: str) -> dict:
    out = copy.deepcopy(doc)
    del out[key]
    return out


BAD = {
    "no context": _without(MINIMAL, "@context"),
    "wrong context": MINIMAL | {"@context": "http://www.w3.org/ns/oa.jsonld"},
    "no id": _without(MINIMAL, "id"),
    "id not an IRI": MINIMAL | {"id": "anno 1"},
    "wrong type": MINIMAL | {"type": "Note"},
    "no target": _without(MINIMAL, "target"),
    "body and bodyValue": MINIMAL | {"body": "http://example.org/b", "bodyValue": "x"},
    "unknown motivation": MINIMAL | {"motivation": "liking"},
    "created not a date-time": MINIMAL | {"created": "yesterday"},
    "two created": MINIMAL | {"created": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]},
    "quote selector without exact": MINIMAL | {"target": {
        "source": "http://example.com/p", "selector": {"type": "TextQuoteSelector"}}},
    "negative position": MINIMAL | {"target": {"source": "http://example.com/p", "selector": {
        "type": "TextPositionSelector", "start": -1, "end": 3}}},
    "textual body without value": MINIMAL | {"body": {"type": "TextualBody"}},
    "stylesheet with both id and value": MINIMAL | {"stylesheet": {
        "type": "CssStylesheet", "id": "http://example.org/s", "value": ".a{}"}},
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_annotation_schema_rejects_what_the_model_forbids(name):
    assert errors(ANNOTATION, BAD[name])


def test_container_schema_requires_both_contexts_types_and_first_page_when_not_empty():
    good = {"@context": [ANNO, LDP], "id": "http://example.org/c/", "total": 1,
            "type": ["BasicContainer", "AnnotationCollection"],
            "first": "http://example.org/c/?page=0", "last": "http://example.org/c/?page=0"}
    validate(CONTAINER, good)
    assert errors(CONTAINER, good | {"@context": [ANNO]})
    assert errors(CONTAINER, good | {"type": ["AnnotationCollection"]})
    assert errors(CONTAINER, _without(good, "first"))
    validate(CONTAINER, _without(_without(good, "first"), "last") | {"total": 0})


def test_page_schema_requires_items_and_a_context():
    good = {"@context": ANNO, "id": "http://example.org/c/?page=0", "type": "AnnotationPage",
            "startIndex": 0, "items": ["http://example.org/anno1"]}
    validate(PAGE, good)
    assert errors(PAGE, _without(good, "items"))
    assert errors(PAGE, _without(good, "@context"))
    assert errors(PAGE, good | {"startIndex": -1})
