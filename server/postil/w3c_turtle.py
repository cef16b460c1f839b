"""Turtle for the W3C protocol: the JSON-LD a view already built, read by rdflib, written as Turtle.

No serialiser of our own: rdflib reads the document with the Web Annotation context shipped in
`contexts/anno.jsonld` (nothing is fetched at run time) and writes the same graph as Turtle.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .w3c_model import ANNO_CONTEXT

TURTLE = "text/turtle"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
# Of the LDP context, the containers use only the type name; its IRI is all the graph needs.
LDP_TERMS = {"ldp": "http://www.w3.org/ns/ldp#", "BasicContainer": "ldp:BasicContainer"}
PREFIXES = {"oa": "http://www.w3.org/ns/oa#", "as": "http://www.w3.org/ns/activitystreams#",
            "ldp": "http://www.w3.org/ns/ldp#", "dcterms": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/", "postil": "https://postil.dev/ns#"}


@cache
def _anno_context() -> dict:
    path = Path(__file__).with_name("contexts") / "anno.jsonld"
    return json.loads(path.read_text(encoding="utf-8"))["@context"]


def _local(context):
    """The same context, with the remote ones the server uses replaced by their local terms."""
    if isinstance(context, list):
        return [_local(c) for c in context]
    if context == ANNO_CONTEXT:
        return _anno_context()
    if context == LDP_CONTEXT:
        return LDP_TERMS
    if isinstance(context, str):
        raise ValueError(f"no local copy of the JSON-LD context {context}")
    return context


def graph_of(doc: dict):
    """Return the rdflib Graph of a JSON-LD document whose contexts the server knows."""
    # Imported here: rdflib takes a noticeable time to load, and only Turtle readers need it.
    from rdflib import Graph

    local = {**doc, "@context": _local(doc.get("@context", ANNO_CONTEXT))}
    graph = Graph()
    graph.parse(data=json.dumps(local), format="json-ld")
    return graph


def to_turtle(doc: dict) -> bytes:
    graph = graph_of(doc)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph.serialize(format="turtle", encoding="utf-8")
