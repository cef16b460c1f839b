"""The contract the extension agrees with is the one the server applies: one list, used."""

from __future__ import annotations

from conftest import annotation_body
from postil import contract, validation
from postil.exports import FORMATS
from postil.parse import MAX_LIMIT


def test_the_export_formats_are_the_exporters_in_their_order():
    assert contract.EXPORT_FORMATS == tuple(FORMATS)


def test_validation_applies_the_contracts_limits():
    limits = contract.LIMITS
    assert (validation.MAX_QUOTE, validation.MAX_NOTE, validation.MAX_TAGS, validation.MAX_TAG,
            validation.MAX_SELECTORS, validation.MAX_TITLE, validation.MAX_URL, MAX_LIMIT) == (
        limits["quote"], limits["note"], limits["tags"], limits["tag"], limits["selectors"],
        limits["title"], limits["url"], limits["page"])


def test_the_api_refuses_a_colour_or_visibility_outside_the_contract(client, alice, create):
    gid = client.post("/api/groups", json={"name": "g"}, headers=alice.headers).get_json()["id"]
    for field, good, bad in (("color", contract.COLORS, "orange"),
                             ("visibility", contract.VISIBILITIES, "friends")):
        for value in good:
            group = {"group": gid} if value == "group" else {}
            assert create(alice, **{field: value}, **group)[field] == value
        res = client.post("/api/annotations", json=annotation_body(**{field: bad}),
                          headers=alice.headers)
        assert res.status_code == 400 and res.get_json()["error"]["field"] == field


def test_the_query_accepts_exactly_the_contracts_filters(client):
    res = client.get("/api/annotations?nonsense=1")
    known = res.get_json()["error"]["message"].split("known: ")[1]
    assert set(known.split(", ")) == contract.QUERY_FILTERS


def test_the_openapi_document_lists_the_contracts_values(client):
    spec = client.get("/openapi.json").get_json()
    schema = spec["components"]["schemas"]["AnnotationInput"]["properties"]
    assert schema["color"]["enum"] == list(contract.COLORS)
    assert schema["visibility"]["enum"] == list(contract.VISIBILITIES)
    patch = spec["components"]["schemas"]["AnnotationPatch"]["properties"]
    assert set(patch) == contract.EDITABLE_FIELDS


def test_as_json_is_plain_json_with_every_key():
    data = contract.as_json()
    assert set(data) == {"colors", "visibilities", "editable_fields", "read_only_fields",
                         "query_filters", "export_formats", "flag_reasons", "limits"}
    assert data["flag_reasons"] == list(contract.FLAG_REASONS)
    assert data["editable_fields"] == sorted(contract.EDITABLE_FIELDS)
    assert data["export_formats"] == list(FORMATS)


def test_every_contract_colour_has_its_printed_colour_and_no_other():
    from postil.exports.html_export import COLORS as PRINTED

    assert tuple(PRINTED) == contract.COLORS
