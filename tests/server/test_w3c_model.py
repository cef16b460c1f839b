"""The pure mapping between native annotation JSON and the W3C Web Annotation Data Model.

Each test names the part of the model (W3C Recommendation, 23 February 2017) it checks.
"""

from __future__ import annotations

import copy
import uuid

import pytest
from test_w3c_schemas import ANNO, ANNOTATION, NS, POSTIL_ANNOTATION, errors, validate

from postil.contract import EDITABLE_FIELDS
from postil.domain_errors import Invalid
from postil.w3c_model import from_jsonld, to_jsonld

UID = "5f0c9a0e-3b1c-4c55-9d1e-6f4f8f0a2b7d"
IRI = f"https://notes.example.net/w3c/annotations/{UID}"
CREATOR = "https://notes.example.net/w3c/users/alice"


def native(**over) -> dict:
    """A native annotation as the API returns it; keyword arguments replace fields."""
    data = {
        "id": UID,
        "post": {"id": 7, "site": "d3.harvard.edu/future-proof-with-ai", "post_id": 1334,
                 "url": "https://d3.harvard.edu/future-proof-with-ai/the-ai-race-goes-global/",
                 "title": "The AI Race Goes Global"},
        "user": "alice",
        "quote": "embedded into the machinery of production",
        "selectors": [
            {"type": "TextQuoteSelector", "exact": "embedded into the machinery of production",
             "prefix": "how quickly AI can be ", "suffix": ". China"},
            {"type": "TextPositionSelector", "start": 512, "end": 553},
        ],
        "note": "Compare *Kranzberg*.",
        "note_html": "<p>Compare <em>Kranzberg</em>.</p>",
        "color": "green",
        "tags": ["china", "strategy"],
        "visibility": "public",
        "group": None,
        "group_name": None,
        "hidden": False,
        "created": "2026-11-29T10:00:00.000Z",
        "updated": "2026-11-29T10:05:00.250Z",
        "version": 2,
        "deleted": False,
    }
    data.update(over)
    return data


def w3c(**over) -> dict:
    return to_jsonld(native(**over), iri=IRI, creator_iri=CREATOR)


def bodies(doc: dict) -> list[dict]:
    body = doc.get("body", [])
    return body if isinstance(body, list) else [body]


def selectors(doc: dict) -> list[dict]:
    sel = doc["target"].get("selector", [])
    return sel if isinstance(sel, list) else [sel]


# ---------------------------------------------------------------- to_jsonld: the model's MUSTs

VARIANTS = {
    "note, tags and two selectors": {},
    "highlight only": {"note": "", "tags": []},
    "one tag, no note": {"note": "", "tags": ["x"]},
    "page note (no selectors)": {"selectors": [], "quote": ""},
    "not a WordPress post": {"post": {"id": 9, "site": "example.com", "post_id": None,
                                      "url": "https://example.com/a?b=1", "title": ""}},
    "private": {"visibility": "private"},
    "in a group": {"visibility": "group", "group": "k3Jx9QpL0aZw", "group_name": "Seminar"},
    "deleted": {"deleted": True, "note": "", "tags": [], "selectors": [], "quote": ""},
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_annotation_is_valid_w3c_json_ld(name):
    doc = w3c(**VARIANTS[name])
    validate(ANNOTATION, doc)
    validate(POSTIL_ANNOTATION, doc)


def test_3_1_context_is_the_web_annotation_context_as_a_single_string():
    assert w3c()["@context"] == ANNO


def test_3_1_id_is_the_given_iri():
    assert w3c()["id"] == IRI


def test_3_1_type_is_annotation():
    assert w3c()["type"] == "Annotation"


def test_3_1_target_is_present_even_for_a_page_note():
    assert w3c(selectors=[], quote="")["target"]["source"].startswith("https://")


def test_3_3_5_motivation_is_commenting_with_a_note_and_highlighting_without():
    assert w3c()["motivation"] == "commenting"
    assert w3c(note="")["motivation"] == "highlighting"


def test_3_2_4_note_is_a_textual_body_with_its_format_and_purpose():
    note = bodies(w3c())[0]
    assert note == {"type": "TextualBody", "value": "Compare *Kranzberg*.",
                    "format": "text/markdown", "purpose": "commenting"}


def test_3_2_4_language_is_not_claimed_when_postil_does_not_know_it():
    assert all("language" not in body for body in bodies(w3c()))


def test_3_3_5_tags_are_textual_bodies_with_purpose_tagging_in_order():
    tags = [b["value"] for b in bodies(w3c()) if b.get("purpose") == "tagging"]
    assert tags == ["china", "strategy"]


def test_3_1_a_bare_highlight_has_no_body_rather_than_an_empty_one():
    doc = w3c(note="", tags=[])
    assert "body" not in doc and "bodyValue" not in doc


def test_3_2_5_body_and_body_value_never_both():
    for variant in VARIANTS.values():
        doc = w3c(**variant)
        assert not ("body" in doc and "bodyValue" in doc)


def test_4_target_is_a_specific_resource_whose_source_is_the_post_url():
    target = w3c()["target"]
    assert target["type"] == "SpecificResource"
    assert target["source"] == native()["post"]["url"]


def test_4_post_identity_site_and_post_id_travel_with_the_target():
    identity = w3c()["target"][NS + "post"]
    assert identity == {NS + "site": "d3.harvard.edu/future-proof-with-ai",
                        NS + "postId": 1334, NS + "title": "The AI Race Goes Global"}


def test_4_a_post_without_a_known_url_is_reached_by_its_wordpress_shortlink():
    post = native()["post"] | {"url": ""}
    assert w3c(post=post)["target"]["source"] == \
        "https://d3.harvard.edu/future-proof-with-ai/?p=1334"


def test_4_2_selectors_are_kept_as_alternatives_of_one_specific_resource():
    assert selectors(w3c()) == native()["selectors"]
    assert w3c(selectors=[native()["selectors"][0]])["target"]["selector"] == \
        native()["selectors"][0]
    assert "selector" not in w3c(selectors=[], quote="")["target"]


def test_4_4_colour_is_a_style_class_defined_by_an_embedded_css_stylesheet():
    doc = w3c(color="pink")
    assert doc["target"]["styleClass"] == "postil-pink"
    assert doc["stylesheet"]["type"] == "CssStylesheet"
    assert doc["stylesheet"]["value"].startswith(".postil-pink {")


def test_3_3_1_creator_is_a_person_with_the_username_as_nickname():
    assert w3c()["creator"] == {"id": CREATOR, "type": "Person", "name": "alice",
                                "nickname": "alice"}
    anonymous_iri = to_jsonld(native(), iri=IRI)["creator"]
    assert "id" not in anonymous_iri and anonymous_iri["nickname"] == "alice"


def test_3_3_1_created_and_modified_are_utc_date_times():
    doc = w3c()
    assert doc["created"] == "2026-11-29T10:00:00.000Z"
    assert doc["modified"] == "2026-11-29T10:05:00.250Z"


def test_3_3_7_canonical_is_the_uuid_the_annotation_keeps_everywhere():
    assert w3c()["canonical"] == f"urn:uuid:{UID}"


def test_visibility_is_a_postil_property_in_postil_namespace():
    assert w3c()[NS + "visibility"] == "public"
    assert w3c(visibility="private")[NS + "visibility"] == "private"


def test_quote_is_written_only_when_the_selectors_do_not_already_say_it():
    assert NS + "quote" not in w3c()
    assert w3c(quote="different")[NS + "quote"] == "different"


def test_a_tombstone_says_it_is_deleted():
    assert w3c(**VARIANTS["deleted"])[NS + "deleted"] is True
    assert NS + "deleted" not in w3c()


def test_to_jsonld_does_not_change_its_input():
    data = native()
    before = copy.deepcopy(data)
    to_jsonld(data, iri=IRI)
    assert data == before


# ---------------------------------------------------------------- from_jsonld: the round trip

EDITABLE = sorted(EDITABLE_FIELDS)


@pytest.mark.parametrize("name", sorted(set(VARIANTS) - {"deleted"}))
def test_round_trip_keeps_everything_a_user_wrote(name):
    data = native(**VARIANTS[name])
    body = from_jsonld(to_jsonld(data, iri=IRI))
    assert body["id"] == data["id"]
    assert {k: body[k] for k in EDITABLE} == {k: data[k] for k in EDITABLE}
    post = data["post"]
    if post["post_id"] is None:
        assert body["post"] == {"url": post["url"], "post_id": None}
    else:
        assert body["post"] == {"url": post["url"], "site": post["site"],
                                "post_id": post["post_id"], "title": post["title"]}


def test_round_trip_of_every_colour():
    for color in ("yellow", "green", "blue", "pink", "purple"):
        assert from_jsonld(w3c(color=color))["color"] == color


def test_the_id_comes_from_canonical_first_then_from_a_uuid_at_the_end_of_id():
    other = str(uuid.uuid4())
    assert from_jsonld(w3c() | {"id": f"https://x.example/a/{other}"})["id"] == UID
    plain = {k: val for k, val in w3c().items() if k != "canonical"}
    assert from_jsonld(plain | {"id": f"urn:uuid:{other}"})["id"] == other
    assert from_jsonld(plain | {"id": f"https://x.example/a/{other.upper()}/"})["id"] == other
    assert "id" not in from_jsonld(plain | {"id": "https://x.example/anno1"})


def test_defaults_for_what_a_plain_w3c_annotation_does_not_say():
    body = from_jsonld({"@context": ANNO, "type": "Annotation",
                        "target": "https://example.com/article"})
    assert body == {"post": {"url": "https://example.com/article", "post_id": None},
                    "selectors": [], "quote": "", "note": "", "tags": [], "color": "yellow",
                    "visibility": "private", "group": None}


SPECIFIC = {"@context": ANNO, "id": "http://example.org/anno9", "type": "Annotation",
            "target": {"source": "https://example.com/a",
                       "selector": {"type": "TextQuoteSelector", "exact": "quoted"}}}


def test_quote_defaults_to_the_text_quote_selector():
    assert from_jsonld(SPECIFIC)["quote"] == "quoted"


def test_body_value_is_the_note():
    assert from_jsonld(SPECIFIC | {"bodyValue": "plain note"})["note"] == "plain note"


def test_a_textual_body_without_type_is_still_text():
    assert from_jsonld(SPECIFIC | {"body": {"value": "untyped"}})["note"] == "untyped"


def test_a_tagging_motivation_makes_purpose_less_bodies_tags():
    doc = SPECIFIC | {"motivation": "tagging", "body": {"type": "TextualBody",
                                                        "value": "important"}}
    assert from_jsonld(doc)["tags"] == ["important"]


def test_a_choice_of_bodies_keeps_the_first_text():
    doc = SPECIFIC | {"body": {"type": "Choice", "items": [
        {"type": "TextualBody", "value": "in English", "language": "en"},
        {"type": "TextualBody", "value": "en français", "language": "fr"}]}}
    assert from_jsonld(doc)["note"] == "in English"


def test_several_describing_bodies_become_one_note():
    doc = SPECIFIC | {"body": [{"type": "TextualBody", "value": "one"},
                               {"type": "TextualBody", "value": "two", "purpose": "describing"}]}
    assert from_jsonld(doc)["note"] == "one\n\ntwo"


def test_an_external_resource_target_is_its_id():
    doc = SPECIFIC | {"target": {"id": "https://example.com/page", "format": "text/html"}}
    assert from_jsonld(doc)["post"]["url"] == "https://example.com/page"


def test_a_source_given_as_an_object_is_its_id():
    doc = SPECIFIC | {"target": {"source": {"id": "https://example.com/b"}}}
    assert from_jsonld(doc)["post"]["url"] == "https://example.com/b"


def test_items_of_a_page_have_no_context_of_their_own_and_are_accepted():
    doc = {k: val for k, val in SPECIFIC.items() if k != "@context"}
    assert from_jsonld(doc)["quote"] == "quoted"


def test_an_extra_context_beside_the_web_annotation_one_is_accepted():
    doc = SPECIFIC | {"@context": [ANNO, {"postil": NS}],
                      "postil:visibility": "public"}
    doc["target"] = doc["target"] | {"postil:post": {"postil:site": "example.com",
                                                     "postil:postId": 3}}
    body = from_jsonld(doc)
    assert body["visibility"] == "public"
    assert body["post"] == {"url": "https://example.com/a", "site": "example.com", "post_id": 3}


def test_expanded_value_objects_are_read():
    doc = SPECIFIC | {NS + "visibility": [{"@value": "public"}]}
    assert from_jsonld(doc)["visibility"] == "public"


def test_style_class_may_be_the_bare_colour_name():
    doc = copy.deepcopy(SPECIFIC)
    doc["target"]["styleClass"] = ["unrelated", "blue"]
    assert from_jsonld(doc)["color"] == "blue"


REJECTED = {
    "not an object": ["Annotation"],
    "another context": SPECIFIC | {"@context": "http://www.w3.org/ns/oa.jsonld"},
    "not an Annotation": SPECIFIC | {"type": "AnnotationPage"},
    "no target": {k: val for k, val in SPECIFIC.items() if k != "target"},
    "two targets": SPECIFIC | {"target": ["https://example.com/a", "https://example.com/b"]},
    "a body that is a link": SPECIFIC | {"body": "http://example.org/comment1"},
    "an image body": SPECIFIC | {"body": {"id": "http://example.org/i.png", "type": "Image"}},
    "body and bodyValue": SPECIFIC | {"body": {"value": "a"}, "bodyValue": "b"},
    "a selector by reference": SPECIFIC | {"target": {"source": "https://example.com/a",
                                                      "selector": "http://example.org/sel1"}},
    "a canonical Postil cannot keep": SPECIFIC | {"canonical": "http://example.org/c1"},
    "an unknown visibility": SPECIFIC | {NS + "visibility": "friends"},
    "postId without site": SPECIFIC | {"target": {"source": "https://example.com/a",
                                                  NS + "post": {NS + "postId": 3}}},
    "a target without a source": SPECIFIC | {"target": {"selector": {
        "type": "TextQuoteSelector", "exact": "x"}}},
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_what_postil_cannot_store_is_a_validation_error_naming_the_field(name):
    with pytest.raises(Invalid) as info:
        from_jsonld(REJECTED[name])
    assert info.value.field


def test_from_jsonld_output_is_what_the_native_api_accepts_as_is(client, alice):
    body = from_jsonld(w3c())
    res = client.post("/api/annotations", json=body, headers=alice.headers)
    assert res.status_code == 201, res.get_json()
    stored = res.get_json()
    assert stored["id"] == UID
    assert {k: stored[k] for k in EDITABLE} == {k: native()[k] for k in EDITABLE}
    assert (stored["post"]["site"], stored["post"]["post_id"]) == \
        ("d3.harvard.edu/future-proof-with-ai", 1334)


def test_a_document_the_schema_rejects_is_not_produced_even_for_odd_input():
    odd = native(tags=["a b", "ünïcødé"], note="<script>x</script>", selectors=[
        {"type": "RangeSelector", "startSelector": {"type": "XPathSelector", "value": "/p[1]"},
         "endSelector": {"type": "XPathSelector", "value": "/p[2]"}},
        {"type": "FragmentSelector", "value": "para-3",
         "conformsTo": "http://tools.ietf.org/rfc/rfc3987"}])
    assert errors(ANNOTATION, to_jsonld(odd, iri=IRI)) == []
