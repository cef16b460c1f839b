"""The W3C Web Annotation Protocol (Recommendation, 23 February 2017) as served under /w3c.

One test per requirement, named after it: section 4 (retrieving annotations), 5 (containers,
their representations, paging and `Prefer`), 6 (create, update, delete); then the interplay with
the native API, the visibility matrix, errors and the OpenAPI document.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from test_w3c_schemas import ANNO, ANNOTATION, CONTAINER, LDP, NS, PAGE, POSTIL_ANNOTATION, validate

from conftest import annotation_body

PROFILE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
ALL = "/w3c/annotations/"
HOST = "http://localhost"
LDP_NS = "http://www.w3.org/ns/ldp#"
OA_NS = "http://www.w3.org/ns/oa#"
MINIMAL = f'return=representation;include="{LDP_NS}PreferMinimalContainer"'
IRIS = f'return=representation;include="{OA_NS}PreferContainedIRIs"'
DESCRIPTIONS = f'return=representation;include="{OA_NS}PreferContainedDescriptions"'


def doc(**over) -> dict:
    """A W3C annotation a client would POST; keyword arguments replace top-level keys."""
    data = {
        "@context": ANNO,
        "type": "Annotation",
        "motivation": "commenting",
        "body": [{"type": "TextualBody", "value": "Margins *matter*.", "format": "text/markdown"},
                 {"type": "TextualBody", "value": "history", "purpose": "tagging"}],
        "target": {
            "source": "https://blog.example.org/2026/05/on-margins/",
            "selector": [{"type": "TextQuoteSelector", "exact": "notes in the margin",
                          "prefix": "written ", "suffix": " of books"},
                         {"type": "TextPositionSelector", "start": 120, "end": 139}],
            "styleClass": "postil-blue",
            NS + "post": {NS + "site": "blog.example.org", NS + "postId": 42},
        },
    }
    data.update(over)
    return data


def ld(reader, **headers) -> dict:
    return {**reader.headers, "Content-Type": PROFILE, **headers}


def links(response) -> set[tuple[str, str]]:
    return set(re.findall(r'<([^>]*)>\s*;\s*rel="([^"]*)"', response.headers.get("Link", "")))


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}


def allow(response) -> set[str]:
    return {m.strip() for m in response.headers.get("Allow", "").split(",")}


@pytest.fixture
def made(client, alice):
    """POST one annotation through the protocol; return its response."""
    res = client.post(ALL, json=doc(), headers=ld(alice))
    assert res.status_code == 201, res.get_json()
    return res


@pytest.fixture
def iri(made) -> str:
    return made.headers["Location"]


def path(iri: str) -> str:
    return iri.removeprefix(HOST)


def assert_same_graph(turtle, json_ld) -> None:
    """The Turtle answer and the JSON-LD one are the same RDF graph (rdflib reads both)."""
    from importlib.resources import files

    from rdflib import Graph
    from rdflib.compare import isomorphic

    anno = json.loads(files("postil").joinpath("contexts/anno.jsonld").read_text())["@context"]
    local = {ANNO: anno, LDP: {"BasicContainer": LDP_NS + "BasicContainer"}}
    data = json_ld.get_json()
    context = data["@context"]
    data["@context"] = [local[c] for c in context] if isinstance(context, list) else local[context]
    expected = Graph().parse(data=json.dumps(data), format="json-ld")
    got = Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    assert len(got) == len(expected) > 5
    assert isomorphic(got, expected)


def three(create, alice) -> list[dict]:
    return [create(alice, note=f"n{i}", visibility="public") for i in range(3)]


# ================================================================ 4 Annotation retrieval

def test_4_server_must_support_get_on_an_annotation(client, alice, iri):
    res = client.get(path(iri), headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json()["id"] == iri


def test_4_server_must_support_head_on_an_annotation(client, alice, iri):
    res = client.head(path(iri), headers=alice.headers)
    assert res.status_code == 200
    assert res.data == b""
    assert res.headers["ETag"] == '"1"'
    assert res.headers["Content-Type"] == PROFILE


def test_4_server_must_support_options_on_an_annotation(client, alice, iri):
    res = client.options(path(iri), headers=alice.headers)
    assert res.status_code == 200
    assert {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"} <= allow(res)
    assert res.headers["ETag"] == '"1"'
    assert (f"{LDP_NS}Resource", "type") in links(res)


def test_4_response_must_be_json_ld_and_should_name_the_annotation_profile(client, alice, iri):
    res = client.get(path(iri), headers=alice.headers)
    assert res.mimetype == "application/ld+json"
    assert res.headers["Content-Type"] == PROFILE
    validate(ANNOTATION, res.get_json())
    validate(POSTIL_ANNOTATION, res.get_json())


def test_4_successful_retrieval_should_be_200(client, alice, iri):
    assert client.get(path(iri), headers={**alice.headers, "Accept": PROFILE}).status_code == 200


def test_4_response_must_link_type_ldp_resource_and_may_link_oa_annotation(client, alice, iri):
    res = client.get(path(iri), headers=alice.headers)
    assert (f"{LDP_NS}Resource", "type") in links(res)
    assert (f"{OA_NS}Annotation", "type") in links(res)


def test_4_get_and_head_must_have_an_etag(client, alice, iri):
    for method in ("get", "head"):
        res = getattr(client, method)(path(iri), headers=alice.headers)
        assert re.fullmatch(r'(W/)?"[^"]+"', res.headers["ETag"])


def test_4_get_and_head_must_have_an_allow_header(client, alice, iri):
    for method in ("get", "head"):
        res = getattr(client, method)(path(iri), headers=alice.headers)
        assert allow(res) == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


def test_4_get_and_head_must_vary_on_accept(client, alice, iri):
    for method in ("get", "head"):
        assert "accept" in vary(getattr(client, method)(path(iri), headers=alice.headers))


def test_4_clients_asking_for_the_profile_get_json_ld(client, alice, iri):
    res = client.get(path(iri), headers={**alice.headers, "Accept": PROFILE})
    assert res.headers["Content-Type"] == PROFILE
    assert res.get_json()["@context"] == ANNO


def test_4_content_negotiation_serves_plain_json_when_only_that_is_accepted(client, alice, iri):
    res = client.get(path(iri), headers={**alice.headers, "Accept": "application/json"})
    assert res.status_code == 200
    assert res.mimetype == "application/json"
    assert res.get_json()["id"] == iri


def test_4_content_negotiation_prefers_json_ld_for_wildcards(client, alice, iri):
    for accept in ("*/*", "application/*", "text/html, */*;q=0.1", ""):
        res = client.get(path(iri), headers={**alice.headers, "Accept": accept})
        assert res.headers["Content-Type"] == PROFILE, accept


def test_4_a_malformed_accept_header_is_not_a_server_error(client, alice, iri):
    for accept in (",,,;", ";", "application/ld+json;q=abc", '"'):
        res = client.get(path(iri), headers={**alice.headers, "Accept": accept})
        assert res.status_code in (200, 406), accept


def test_5_a_malformed_prefer_header_is_ignored(client, alice, create):
    create(alice)
    for prefer in ('return=representation; include="', ',,;;=="', "return=representation;;"):
        res = client.get(ALL, headers={**alice.headers, "Prefer": prefer})
        assert res.status_code == 200, prefer


def test_4_content_negotiation_honours_quality_values(client, alice, iri):
    res = client.get(path(iri), headers={**alice.headers,
                                         "Accept": "application/ld+json;q=0.2, "
                                                   "application/json;q=0.9"})
    assert res.mimetype == "application/json"


def test_4_a_type_that_cannot_be_served_is_406(client, alice, iri):
    for accept in ("application/rdf+xml", "text/html", "application/ld+json;q=0"):
        res = client.get(path(iri), headers={**alice.headers, "Accept": accept})
        assert res.status_code == 406, accept
        assert res.get_json()["error"]["code"] == "not_acceptable"


def test_4_if_none_match_with_the_current_etag_is_304(client, alice, iri):
    res = client.get(path(iri), headers={**alice.headers, "If-None-Match": '"1"'})
    assert res.status_code == 304
    assert res.headers["ETag"] == '"1"'


def test_4_a_deleted_annotation_is_gone_for_its_author_and_unknown_to_others(client, alice, bob):
    made = client.post(ALL, json=doc(**{NS + "visibility": "public"}), headers=ld(alice))
    target = path(made.headers["Location"])
    assert client.delete(target, headers=alice.headers).status_code == 204
    assert client.get(target, headers=alice.headers).status_code == 410
    assert client.get(target, headers=bob.headers).status_code == 404
    assert client.get(target).status_code == 404


def test_4_an_unknown_or_malformed_annotation_iri_is_404(client, alice):
    for name in (str(uuid.uuid4()), "not-a-uuid"):
        res = client.get(f"/w3c/annotations/{name}", headers=alice.headers)
        assert res.status_code == 404
        assert res.get_json()["error"]["code"] == "not_found"


# ================================================================ 5 Annotation containers

def test_5_server_must_provide_a_container_for_all_annotations(client, alice):
    res = client.get(ALL, headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json()["id"].startswith(HOST + ALL)


def test_5_container_iri_in_the_response_tells_iris_from_descriptions_with_content_location(
        client, alice):
    described = client.get(ALL, headers=alice.headers)
    assert described.get_json()["id"] == f"{HOST}{ALL}?iris=0"
    assert described.headers["Content-Location"] == f"{HOST}{ALL}?iris=0"
    listed = client.get(ALL, headers={**alice.headers, "Prefer": IRIS})
    assert listed.get_json()["id"] == f"{HOST}{ALL}?iris=1"
    assert listed.headers["Content-Location"] == f"{HOST}{ALL}?iris=1"
    direct = client.get(f"{ALL}?iris=1", headers=alice.headers)
    assert direct.get_json()["id"] == f"{HOST}{ALL}?iris=1"


def test_5_server_provides_a_container_per_post(client, alice, create):
    made = create(alice)
    res = client.get(f"/w3c/posts/{made['post']['id']}/", headers=alice.headers)
    assert res.status_code == 200
    body = res.get_json()
    assert body["id"] == f"{HOST}/w3c/posts/{made['post']['id']}/?iris=0"
    assert body["total"] == 1
    assert body["label"] == "Annotations on On margins"


def test_5_container_iris_end_with_a_slash_and_the_slashless_iri_redirects(client, alice):
    res = client.get("/w3c/annotations", headers=alice.headers)
    assert res.status_code in (301, 308)
    assert res.headers["Location"].endswith("/w3c/annotations/")


def test_5_container_must_be_an_ldp_basic_container_and_an_annotation_collection(client, alice):
    res = client.get(ALL, headers=alice.headers)
    assert (f"{LDP_NS}BasicContainer", "type") in links(res)
    body = res.get_json()
    assert {"BasicContainer", "AnnotationCollection"} <= set(body["type"])
    assert body["@context"] == [ANNO, LDP]
    validate(CONTAINER, body)


def test_5_container_must_link_its_constraints(client, alice):
    res = client.get(ALL, headers=alice.headers)
    assert ("http://www.w3.org/TR/annotation-protocol/", f"{LDP_NS}constrainedBy") in links(res)


def test_5_server_must_support_get_head_and_options_on_a_container(client, alice, create):
    post_pk = create(alice)["post"]["id"]
    for container in (ALL, f"/w3c/posts/{post_pk}/"):
        get = client.get(container, headers=alice.headers)
        head = client.head(container, headers=alice.headers)
        options = client.options(container, headers=alice.headers)
        assert (get.status_code, head.status_code, options.status_code) == (200, 200, 200)
        assert head.data == b"" and options.data == b""
        assert head.headers["ETag"] == options.headers["ETag"] == get.headers["ETag"]
        assert allow(options) == allow(get) >= {"GET", "HEAD", "OPTIONS"}


def test_5_container_must_send_its_link_header_on_all_responses(client, alice, anon, create):
    post_pk = create(alice)["post"]["id"]
    responses = [client.get(ALL, headers=alice.headers),
                 client.head(ALL, headers=alice.headers),
                 client.options(ALL, headers=alice.headers),
                 client.post(ALL, json=doc(), headers=ld(alice)),
                 client.post(ALL, json=doc(), headers=ld(anon)),
                 client.post(ALL, data="x", headers={**alice.headers,
                                                     "Content-Type": "text/plain"}),
                 client.get(f"{ALL}?bogus=1", headers=alice.headers),
                 client.get(f"/w3c/posts/{post_pk}/", headers=alice.headers),
                 client.post(f"/w3c/posts/{post_pk}/", json=doc(), headers=ld(alice))]
    for res in responses:
        assert (f"{LDP_NS}BasicContainer", "type") in links(res), res.status
        assert ("http://www.w3.org/TR/annotation-protocol/", f"{LDP_NS}constrainedBy") \
            in links(res), res.status


def test_5_pages_are_not_containers_and_do_not_claim_to_be(client, alice, create):
    create(alice)
    res = client.get(f"{ALL}?iris=0&page=0", headers=alice.headers)
    assert (f"{LDP_NS}BasicContainer", "type") not in links(res)
    assert "Accept-Post" not in res.headers


def test_5_container_responses_must_have_accept_post(client, alice):
    for method in ("get", "head", "options"):
        res = getattr(client, method)(ALL, headers=alice.headers)
        assert res.headers["Accept-Post"] == PROFILE


def test_5_container_responses_must_have_an_etag_and_allow(client, alice):
    res = client.get(ALL, headers=alice.headers)
    assert re.fullmatch(r'(W/)?"[^"]+"', res.headers["ETag"])
    assert allow(res) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_5_container_responses_must_vary_on_accept_and_prefer(client, alice):
    assert {"accept", "prefer"} <= vary(client.get(ALL, headers=alice.headers))


def test_5_container_response_is_json_ld_with_the_annotation_profile(client, alice):
    assert client.get(ALL, headers=alice.headers).headers["Content-Type"] == PROFILE


def test_5_container_content_negotiation_serves_the_same_graph_as_turtle(client, alice, create):
    three(create, alice)
    json_ld = client.get(ALL, headers=alice.headers)
    turtle = client.get(ALL, headers={**alice.headers, "Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.mimetype == "text/turtle"
    assert "accept" in vary(turtle)
    assert turtle.headers["ETag"] != json_ld.headers["ETag"]
    assert_same_graph(turtle, json_ld)


def test_5_container_etag_changes_when_its_contents_change(client, alice, create):
    before = client.get(ALL, headers=alice.headers).headers["ETag"]
    create(alice)
    after = client.get(ALL, headers=alice.headers)
    assert after.headers["ETag"] != before
    again = client.get(ALL, headers={**alice.headers, "If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304


def test_5_container_describes_total_label_modified_first_and_last(client, alice, create):
    made = three(create, alice)
    body = client.get(ALL, headers=alice.headers).get_json()
    assert body["total"] == 3
    assert body["label"]
    assert body["modified"] == max(a["updated"] for a in made)
    assert body["first"]["type"] == "AnnotationPage"
    assert body["last"] == f"{HOST}{ALL}?iris=0&page=0"


def test_5_an_empty_container_has_total_zero_and_no_pages(client, alice):
    body = client.get(ALL, headers=alice.headers).get_json()
    assert body["total"] == 0
    assert "first" not in body and "last" not in body
    validate(CONTAINER, body)


# ---------------------------------------------------------------- 5.3 Prefer

def test_5_without_preference_the_first_page_embeds_full_descriptions(client, alice, create):
    made = three(create, alice)
    res = client.get(ALL, headers=alice.headers)
    items = res.get_json()["first"]["items"]
    assert [i["id"] for i in items] == [f"{HOST}/w3c/annotations/{a['id']}" for a in made]
    assert all(i["type"] == "Annotation" and "@context" not in i for i in items)
    assert "Preference-Applied" not in res.headers


def test_5_prefer_contained_iris_gives_annotation_iris_and_preference_applied(
        client, alice, create):
    made = three(create, alice)
    res = client.get(ALL, headers={**alice.headers, "Prefer": IRIS})
    assert res.headers["Preference-Applied"] == "return=representation"
    first = res.get_json()["first"]
    assert first["items"] == [f"{HOST}/w3c/annotations/{a['id']}" for a in made]
    assert first["id"] == f"{HOST}{ALL}?iris=1&page=0"
    validate(CONTAINER, res.get_json())


def test_5_prefer_contained_descriptions_gives_annotations_and_preference_applied(
        client, alice, create):
    three(create, alice)
    res = client.get(ALL, headers={**alice.headers, "Prefer": DESCRIPTIONS})
    assert res.headers["Preference-Applied"] == "return=representation"
    assert all(isinstance(i, dict) for i in res.get_json()["first"]["items"])


def test_5_prefer_minimal_container_omits_the_embedded_page(client, alice, create):
    three(create, alice)
    res = client.get(ALL, headers={**alice.headers, "Prefer": MINIMAL})
    assert res.headers["Preference-Applied"] == "return=representation"
    body = res.get_json()
    assert body["first"] == f"{HOST}{ALL}?iris=0&page=0"
    assert body["last"] == f"{HOST}{ALL}?iris=0&page=0"
    assert "items" not in str(body)
    validate(CONTAINER, body)


def test_5_prefer_minimal_with_iris_links_pages_of_iris(client, alice, create):
    three(create, alice)
    prefer = (f'return=representation; include="{LDP_NS}PreferMinimalContainer '
              f'{OA_NS}PreferContainedIRIs"')
    body = client.get(ALL, headers={**alice.headers, "Prefer": prefer}).get_json()
    assert body["first"] == f"{HOST}{ALL}?iris=1&page=0"


def test_5_prefer_changes_the_etag(client, alice, create):
    three(create, alice)
    tags = {client.get(ALL, headers={**alice.headers, "Prefer": p}).headers["ETag"]
            for p in (IRIS, DESCRIPTIONS, MINIMAL)}
    assert len(tags) == 3


def test_5_conflicting_preferences_fall_back_to_descriptions(client, alice, create):
    three(create, alice)
    prefer = (f'return=representation; include="{OA_NS}PreferContainedIRIs '
              f'{OA_NS}PreferContainedDescriptions"')
    items = client.get(ALL, headers={**alice.headers, "Prefer": prefer}).get_json()
    assert isinstance(items["first"]["items"][0], dict)


def test_5_unrelated_preferences_are_ignored_and_not_reported_applied(client, alice, create):
    three(create, alice)
    res = client.get(ALL, headers={**alice.headers, "Prefer": "respond-async, wait=10"})
    assert res.status_code == 200
    assert "Preference-Applied" not in res.headers


# ---------------------------------------------------------------- 5.4 paging

@pytest.fixture
def paged(app, client, alice, create):
    """Seven annotations in pages of three."""
    app.config["W3C_PAGE_SIZE"] = 3
    return [create(alice, note=f"n{i}", visibility="public") for i in range(7)]


def test_5_every_page_links_the_container_it_is_part_of_even_when_embedded(
        client, alice, paged):
    body = client.get(ALL, headers=alice.headers).get_json()
    assert body["first"]["partOf"] == body["id"]


def test_5_collection_first_and_last_name_the_page_range(client, alice, paged):
    body = client.get(ALL, headers=alice.headers).get_json()
    assert body["total"] == 7
    assert body["first"]["id"] == f"{HOST}{ALL}?iris=0&page=0"
    assert body["last"] == f"{HOST}{ALL}?iris=0&page=2"
    assert body["first"]["next"] == f"{HOST}{ALL}?iris=0&page=1"
    assert "prev" not in body["first"]


def test_5_pages_have_part_of_start_index_next_prev_and_items(client, alice, paged):
    res = client.get(f"{ALL}?iris=0&page=1", headers=alice.headers)
    assert res.status_code == 200
    page = res.get_json()
    validate(PAGE, page)
    assert page["@context"] == ANNO
    assert page["type"] == "AnnotationPage"
    assert page["partOf"]["id"] == f"{HOST}{ALL}?iris=0"
    assert page["partOf"]["total"] == 7
    assert page["partOf"]["first"] == f"{HOST}{ALL}?iris=0&page=0"
    assert page["partOf"]["last"] == f"{HOST}{ALL}?iris=0&page=2"
    assert page["startIndex"] == 3
    assert page["prev"] == f"{HOST}{ALL}?iris=0&page=0"
    assert page["next"] == f"{HOST}{ALL}?iris=0&page=2"
    assert [i[NS + "visibility"] for i in page["items"]] == ["public"] * 3


def test_5_a_page_part_of_its_collection_carries_total_and_modified(client, alice, paged):
    page = client.get(f"{ALL}?iris=1&page=2", headers=alice.headers).get_json()
    assert page["partOf"]["total"] == 7
    assert page["partOf"]["modified"] == max(a["updated"] for a in paged)
    assert page["partOf"]["modified"] == client.get(ALL, headers=alice.headers).get_json()[
        "modified"]


def test_5_following_next_visits_every_annotation_once_in_order(client, alice, paged):
    url, seen, pages = client.get(ALL, headers=alice.headers).get_json()["first"]["id"], [], 0
    while url:
        page = client.get(url, headers=alice.headers).get_json()
        assert page["startIndex"] == len(seen)
        seen += [i["id"] for i in page["items"]]
        url, pages = page.get("next"), pages + 1
    assert pages == 3
    assert seen == [f"{HOST}/w3c/annotations/{a['id']}" for a in paged]


def test_5_following_prev_from_last_walks_back(client, alice, paged):
    url, starts = client.get(ALL, headers=alice.headers).get_json()["last"], []
    while url:
        page = client.get(url, headers=alice.headers).get_json()
        starts.append(page["startIndex"])
        url = page.get("prev")
    assert starts == [6, 3, 0]


def test_5_the_last_page_has_no_next(client, alice, paged):
    page = client.get(f"{ALL}?iris=0&page=2", headers=alice.headers).get_json()
    assert "next" not in page
    assert len(page["items"]) == 1


def test_5_pages_of_iris(client, alice, paged):
    page = client.get(f"{ALL}?iris=1&page=2", headers=alice.headers).get_json()
    assert page["items"] == [f"{HOST}/w3c/annotations/{paged[-1]['id']}"]
    assert page["prev"] == f"{HOST}{ALL}?iris=1&page=1"


def test_5_page_responses_have_the_protocol_headers(client, alice, paged):
    res = client.get(f"{ALL}?iris=0&page=0", headers=alice.headers)
    assert res.headers["Content-Type"] == PROFILE
    assert res.headers["ETag"]
    assert "accept" in vary(res)
    assert allow(res) == {"GET", "HEAD", "OPTIONS"}


def test_5_a_page_past_the_last_is_404_and_bad_paging_is_400(client, alice, paged):
    assert client.get(f"{ALL}?page=3", headers=alice.headers).status_code == 404
    for query in ("page=-1", "page=x", "iris=2", "page=1&page=2", "limit=5"):
        res = client.get(f"{ALL}?{query}", headers=alice.headers)
        assert res.status_code == 400, query
        assert res.get_json()["error"]["code"] == "validation_error"


def test_5_per_post_container_pages_only_that_post(app, client, alice, create):
    app.config["W3C_PAGE_SIZE"] = 2
    here = [create(alice) for _ in range(3)]
    create(alice, post={"site": "other.example", "post_id": 1,
                        "url": "https://other.example/?p=1"})
    container = f"/w3c/posts/{here[0]['post']['id']}/"
    body = client.get(container, headers=alice.headers).get_json()
    assert body["total"] == 3
    assert body["last"] == f"{HOST}{container}?iris=0&page=1"
    page = client.get(body["last"], headers=alice.headers).get_json()
    assert page["partOf"]["id"] == f"{HOST}{container}?iris=0"
    assert [i["id"] for i in page["items"]] == [f"{HOST}/w3c/annotations/{here[2]['id']}"]


# ================================================================ 6 create, update, delete

def test_6_post_to_a_container_must_create_with_201_location_and_the_annotation(
        client, alice):
    res = client.post(ALL, json=doc(), headers=ld(alice))
    assert res.status_code == 201
    body = res.get_json()
    assert res.headers["Location"] == body["id"]
    assert body["id"].startswith(HOST + ALL)
    assert res.headers["ETag"] == '"1"'
    assert res.headers["Content-Type"] == PROFILE
    validate(POSTIL_ANNOTATION, body)
    assert body["body"][0]["value"] == "Margins *matter*."
    assert body["target"]["styleClass"] == "postil-blue"


def test_6_server_must_assign_the_iri_even_when_the_client_gave_an_id(client, alice):
    res = client.post(ALL, json=doc(id="http://example.org/anno1"), headers=ld(alice))
    assert res.status_code == 201
    assert res.get_json()["id"].startswith(HOST + ALL)
    mine = f"{HOST}/w3c/annotations/{uuid.uuid4()}"
    res = client.post(ALL, json=doc(id=mine), headers=ld(alice))
    assert res.get_json()["id"] != mine


def test_6_server_may_add_creator_and_created(client, alice, made):
    body = made.get_json()
    assert body["creator"]["nickname"] == "alice"
    assert body["created"] and body["modified"]


def test_6_slug_with_a_uuid_names_the_new_annotation(client, alice):
    slug = str(uuid.uuid4())
    res = client.post(ALL, json=doc(), headers=ld(alice, Slug=slug))
    assert res.status_code == 201
    assert res.headers["Location"] == f"{HOST}/w3c/annotations/{slug}"


def test_6_a_slug_naming_an_annotation_the_client_sees_is_not_used(client, alice, bob):
    # Shared, so Bob sees it too; a Slug only someone else's private annotation has is used
    # (tests/server/test_id_oracles.py).
    slug = str(uuid.uuid4())
    first = client.post(ALL, json=doc(**{NS + "visibility": "public"}),
                        headers=ld(alice, Slug=slug))
    for reader in (alice, bob):
        again = client.post(ALL, json=doc(), headers=ld(reader, Slug=slug))
        assert again.status_code == 201
        assert again.headers["Location"] not in (first.headers["Location"],)
    client.delete(path(first.headers["Location"]), headers=alice.headers)
    after = client.post(ALL, json=doc(), headers=ld(alice, Slug=slug))
    assert after.headers["Location"] != first.headers["Location"]  # deleted IRIs are not reused


def test_6_a_slug_that_is_not_a_uuid_is_only_a_hint_and_is_ignored(client, alice):
    res = client.post(ALL, json=doc(), headers=ld(alice, Slug="my note"))
    assert res.status_code == 201
    assert uuid.UUID(res.headers["Location"].rsplit("/", 1)[1])


def test_6_canonical_must_not_be_changed(client, alice):
    canonical = f"urn:uuid:{uuid.uuid4()}"
    res = client.post(ALL, json=doc(canonical=canonical), headers=ld(alice))
    assert res.get_json()["canonical"] == canonical
    again = client.post(ALL, json=doc(canonical=canonical), headers=ld(alice))
    assert again.status_code == 200  # a retry: the same annotation, not a second one
    assert again.get_json()["id"] == res.get_json()["id"]


def test_6_the_canonical_of_a_deleted_annotation_is_not_reused(client, alice):
    canonical = f"urn:uuid:{uuid.uuid4()}"
    made = client.post(ALL, json=doc(canonical=canonical), headers=ld(alice))
    client.delete(path(made.headers["Location"]), headers=alice.headers)
    res = client.post(ALL, json=doc(canonical=canonical), headers=ld(alice))
    assert res.status_code == 409


def test_6_a_canonical_postil_cannot_keep_is_refused_not_dropped(client, alice):
    res = client.post(ALL, json=doc(canonical="http://example.org/c1"), headers=ld(alice))
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == "canonical"


def test_6_the_canonical_of_someone_elses_shared_annotation_is_409(client, alice, bob):
    canonical = f"urn:uuid:{uuid.uuid4()}"
    client.post(ALL, json=doc(canonical=canonical, **{NS + "visibility": "public"}),
                headers=ld(alice))
    assert client.post(ALL, json=doc(canonical=canonical), headers=ld(bob)).status_code == 409


def test_6_post_of_a_type_that_cannot_be_read_is_415(client, alice):
    res = client.post(ALL, data="<> a <http://www.w3.org/ns/oa#Annotation> .",
                      headers={**alice.headers, "Content-Type": "text/turtle"})
    assert res.status_code == 415
    assert res.get_json()["error"]["code"] == "unsupported_media_type"
    assert res.headers["Accept-Post"] == PROFILE


def test_6_post_accepts_plain_application_json(client, alice):
    res = client.post(ALL, json=doc(), headers=alice.headers)
    assert res.status_code == 201


def test_6_post_asking_for_an_unservable_response_type_is_406(client, alice):
    res = client.post(ALL, json=doc(), headers=ld(alice, Accept="application/rdf+xml"))
    assert res.status_code == 406
    assert client.get(ALL, headers=alice.headers).get_json()["total"] == 0


def test_6_invalid_annotations_are_400_with_the_constraints_link(client, alice):
    bad = [doc(type="Note"), {k: v for k, v in doc().items() if k != "target"},
           doc(body="http://example.org/comment1"), ["not", "an", "object"]]
    for body in bad:
        res = client.post(ALL, json=body, headers=ld(alice))
        assert res.status_code == 400, body
        assert ("http://www.w3.org/TR/annotation-protocol/", f"{LDP_NS}constrainedBy") \
            in links(res)
    res = client.post(ALL, data="{not json", headers=ld(alice))
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "invalid_json"
    assert client.get(ALL, headers=alice.headers).get_json()["total"] == 0


def test_6_field_limits_of_the_native_api_apply(client, alice):
    too_long = {k: v for k, v in doc().items() if k != "body"} | {"bodyValue": "x" * 50_001}
    res = client.post(ALL, json=too_long, headers=ld(alice))
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == "note"


def test_6_post_needs_a_signed_in_user(client, anon):
    res = client.post(ALL, json=doc(), headers=ld(anon))
    assert res.status_code == 401
    assert res.headers["WWW-Authenticate"].startswith("Bearer")


def test_6_the_new_annotation_iri_is_the_container_iri_plus_one_component(client, alice):
    iri = client.post(ALL, json=doc(), headers=ld(alice)).headers["Location"]
    assert iri.startswith(HOST + ALL)
    assert "/" not in iri.removeprefix(HOST + ALL)


def test_6_post_containers_are_read_only_so_annotations_keep_one_iri(client, alice, create):
    post_pk = create(alice)["post"]["id"]
    res = client.post(f"/w3c/posts/{post_pk}/", json=doc(), headers=ld(alice))
    assert res.status_code == 405
    assert allow(res) == {"GET", "HEAD", "OPTIONS"}
    assert "Accept-Post" not in client.get(f"/w3c/posts/{post_pk}/",
                                           headers=alice.headers).headers


def test_6_an_annotation_posted_with_the_post_identity_is_in_that_posts_container(
        client, alice, create):
    post_pk = create(alice)["post"]["id"]
    target = {"source": "https://blog.example.org/?p=42",
              NS + "post": {NS + "site": "blog.example.org", NS + "postId": 42}}
    res = client.post(ALL, json=doc(target=target), headers=ld(alice))
    assert res.status_code == 201, res.get_json()
    listed = client.get(f"/w3c/posts/{post_pk}/", headers={**alice.headers, "Prefer": IRIS})
    assert listed.get_json()["total"] == 2
    assert res.headers["Location"] in listed.get_json()["first"]["items"]


def test_6_a_post_container_that_does_not_exist_is_404(client, alice):
    assert client.get("/w3c/posts/999/", headers=alice.headers).status_code == 404
    assert client.get(f"/w3c/posts/{10**23}/", headers=alice.headers).status_code == 404
    assert client.options("/w3c/posts/999/", headers=alice.headers).status_code == 404


def test_6_post_to_a_page_is_405(client, alice, create):
    create(alice)
    for query in ("?iris=0&page=0", "?iris=1"):
        res = client.post(ALL + query, json=doc(), headers=ld(alice))
        assert res.status_code == 405, query
    assert client.get(ALL, headers=alice.headers).get_json()["total"] == 1


def test_6_the_created_response_carries_the_containers_link(client, alice):
    res = client.post(ALL, json=doc(), headers=ld(alice))
    assert (f"{LDP_NS}BasicContainer", "type") in links(res)


def test_6_put_with_if_match_replaces_and_returns_the_new_etag(client, alice, iri):
    current = client.get(path(iri), headers=alice.headers)
    changed = current.get_json()
    changed["body"] = {"type": "TextualBody", "value": "Rewritten.", "purpose": "commenting"}
    changed["target"]["styleClass"] = "postil-purple"
    changed[NS + "visibility"] = "public"
    res = client.put(path(iri), json=changed,
                     headers=ld(alice, **{"If-Match": current.headers["ETag"]}))
    assert res.status_code == 200, res.get_json()
    assert res.headers["ETag"] == '"2"' != current.headers["ETag"]
    body = res.get_json()
    assert body["body"]["value"] == "Rewritten."
    assert body["target"]["styleClass"] == "postil-purple"
    assert body[NS + "visibility"] == "public"
    assert client.get(path(iri), headers=alice.headers).get_json() == body


def test_6_put_replaces_whole_so_what_is_left_out_is_removed(client, alice, iri):
    current = client.get(path(iri), headers=alice.headers).get_json()
    del current["body"]
    res = client.put(path(iri), json=current, headers=ld(alice, **{"If-Match": '"1"'}))
    assert res.status_code == 200
    assert "body" not in res.get_json()
    assert res.get_json()["motivation"] == "highlighting"


def test_6_put_with_a_stale_if_match_is_412_and_changes_nothing(client, alice, iri):
    current = client.get(path(iri), headers=alice.headers).get_json()
    late = {k: v for k, v in current.items() if k != "body"} | {"bodyValue": "late"}
    res = client.put(path(iri), json=late,
                     headers=ld(alice, **{"If-Match": '"7"'}))
    assert res.status_code == 412
    assert res.get_json()["error"]["code"] == "precondition_failed"
    assert client.get(path(iri), headers=alice.headers).get_json() == current


@pytest.mark.parametrize("if_match", ['"stale-version-0"', 'W/"1"', "garbage", '"1', '"01"'])
def test_6_put_with_an_if_match_the_server_never_issued_is_412(client, alice, iri, if_match):
    # RFC 9110 13.1.1: only "*" or a strong tag of the current version lets the PUT through.
    current = client.get(path(iri), headers=alice.headers).get_json()
    late = {k: v for k, v in current.items() if k != "body"} | {"bodyValue": "late"}
    res = client.put(path(iri), json=late, headers=ld(alice, **{"If-Match": if_match}))
    assert res.status_code == 412
    assert res.get_json()["error"]["code"] == "precondition_failed"
    assert client.get(path(iri), headers=alice.headers).get_json() == current


def test_6_put_without_if_match_is_428(client, alice, iri):
    current = client.get(path(iri), headers=alice.headers).get_json()
    res = client.put(path(iri), json=current, headers=ld(alice))
    assert res.status_code == 428
    assert res.get_json()["error"]["code"] == "precondition_required"


def test_6_put_must_not_change_the_id_canonical_or_post(client, alice, iri):
    current = client.get(path(iri), headers=alice.headers).get_json()
    moved = current | {"target": current["target"] | {
        NS + "post": {NS + "site": "blog.example.org", NS + "postId": 43}}}
    for body, field in ((current | {"id": "http://example.org/x"}, "id"),
                        (current | {"canonical": f"urn:uuid:{uuid.uuid4()}"}, "canonical"),
                        (moved, "target")):
        res = client.put(path(iri), json=body, headers=ld(alice, **{"If-Match": '"1"'}))
        assert res.status_code == 400, field
        assert res.get_json()["error"]["field"] == field


def page_doc(source: str) -> dict:
    """An annotation of a page that is not a WordPress post: its target is only the address."""
    data = doc()
    data["target"] = {"source": source,
                      "selector": {"type": "TextQuoteSelector", "exact": "a passage"}}
    return data


def test_6_update_case_put_with_if_match_a_changed_body_and_read_back(client, alice):
    # The W3C protocol test page's update: create, read, PUT the read copy back with its ETag
    # and a changed body, then read the change back.
    made = client.post(ALL, json=page_doc("https://example.org/page-one/"), headers=ld(alice))
    assert made.status_code == 201, made.get_json()
    current = client.get(path(made.headers["Location"]), headers=alice.headers)
    changed = current.get_json() | {"body": {"type": "TextualBody", "value": "Updated."}}
    res = client.put(path(made.headers["Location"]), json=changed,
                     headers=ld(alice, **{"If-Match": current.headers["ETag"]}))
    assert res.status_code == 200, res.get_json()
    back = client.get(path(made.headers["Location"]), headers=alice.headers)
    assert back.get_json()["body"]["value"] == "Updated."
    assert back.get_json()["target"]["source"] == "https://example.org/page-one/"
    assert back.headers["ETag"] == res.headers["ETag"] != current.headers["ETag"]


@pytest.mark.parametrize("wordpress", [False, True], ids=["page", "wordpress-post"])
@pytest.mark.parametrize("source", ["https://example.org/another-page/",
                                    "https://blog.example.org/?p=42"])
def test_6_put_that_changes_the_target_address_is_400_and_changes_nothing(
        client, alice, wordpress, source):
    # Without a check the change answered 200 and kept the old target: a change dropped unseen.
    # Another address of the same post (a ?p= shortlink) is refused too: the address shown is the
    # post's, so storing it for one annotation is not possible and dropping it is not allowed.
    made = client.post(ALL, json=doc() if wordpress else page_doc("https://example.org/page-one/"),
                       headers=ld(alice))
    assert made.status_code == 201, made.get_json()
    current = client.get(path(made.headers["Location"]), headers=alice.headers)
    before = current.get_json()
    target = dict(before["target"], source=source)
    if not wordpress:
        target.pop(NS + "post", None)
    res = client.put(path(made.headers["Location"]), json=before | {"target": target},
                     headers=ld(alice, **{"If-Match": current.headers["ETag"]}))
    assert res.status_code == 400, res.get_json()
    error = res.get_json()["error"]
    assert error["field"] == "target"
    assert before["target"]["source"] in error["message"]
    assert client.get(path(made.headers["Location"]), headers=alice.headers).get_json() == before


def test_6_put_of_a_wordpress_post_without_its_identity_but_another_page_is_400(
        client, alice, iri):
    current = client.get(path(iri), headers=alice.headers)
    before = current.get_json()
    target = {k: v for k, v in before["target"].items() if k != NS + "post"}
    res = client.put(path(iri), json=before | {"target": target | {
        "source": "https://elsewhere.example/other/"}},
        headers=ld(alice, **{"If-Match": current.headers["ETag"]}))
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == "target"
    assert client.get(path(iri), headers=alice.headers).get_json() == before


def test_6_put_with_the_same_address_written_differently_is_accepted(client, alice):
    made = client.post(ALL, json=page_doc("https://example.org/page-one/"), headers=ld(alice))
    current = client.get(path(made.headers["Location"]), headers=alice.headers)
    before = current.get_json()
    same = dict(before["target"], source="https://EXAMPLE.org/page-one/?utm_source=feed#top")
    res = client.put(path(made.headers["Location"]), json=before | {"target": same},
                     headers=ld(alice, **{"If-Match": current.headers["ETag"]}))
    assert res.status_code == 200, res.get_json()


def test_6_put_of_an_unreadable_type_is_415(client, alice, iri):
    res = client.put(path(iri), data="x", headers={**alice.headers, "If-Match": '"1"',
                                                   "Content-Type": "text/plain"})
    assert res.status_code == 415


def test_6_delete_must_remove_with_204(client, alice, iri):
    res = client.delete(path(iri), headers=alice.headers)
    assert res.status_code == 204
    assert client.get(ALL, headers=alice.headers).get_json()["total"] == 0
    assert client.delete(path(iri), headers=alice.headers).status_code == 204  # retry-safe


def test_6_delete_with_a_stale_if_match_is_412(client, alice, iri):
    assert client.delete(path(iri), headers={**alice.headers, "If-Match": '"5"'}).status_code \
        == 412
    assert client.delete(path(iri), headers={**alice.headers, "If-Match": '"1"'}).status_code \
        == 204


def test_6_patch_is_not_a_protocol_method_and_is_405_with_allow(client, alice, iri):
    res = client.patch(path(iri), json={}, headers=alice.headers)
    assert res.status_code == 405
    assert "PUT" in allow(res)


# ================================================================ one resource, two APIs

def test_an_annotation_made_natively_is_the_same_resource_in_w3c(client, alice, create):
    made = create(alice)
    w3c_iri = made["links"]["w3c"]
    assert w3c_iri == f"{HOST}/w3c/annotations/{made['id']}"
    res = client.get(path(w3c_iri), headers=alice.headers)
    native = client.get(f"/api/annotations/{made['id']}", headers=alice.headers)
    assert res.headers["ETag"] == native.headers["ETag"]
    body = res.get_json()
    assert body["canonical"] == f"urn:uuid:{made['id']}"
    assert body["created"] == made["created"] and body["modified"] == made["updated"]


def test_an_annotation_made_through_w3c_is_the_same_resource_natively(client, alice, made):
    uid = made.headers["Location"].rsplit("/", 1)[1]
    native = client.get(f"/api/annotations/{uid}", headers=alice.headers)
    assert native.status_code == 200
    assert native.headers["ETag"] == made.headers["ETag"]
    data = native.get_json()
    assert data["links"]["w3c"] == made.headers["Location"]
    assert (data["post"]["site"], data["post"]["post_id"]) == ("blog.example.org", 42)
    assert data["note"] == "Margins *matter*."
    assert data["note_html"] == "<p>Margins <em>matter</em>.</p>"
    assert data["tags"] == ["history"] and data["color"] == "blue"
    assert data["quote"] == "notes in the margin"


def test_a_native_patch_shows_in_w3c_with_the_new_etag(client, alice, iri):
    uid = iri.rsplit("/", 1)[1]
    client.patch(f"/api/annotations/{uid}", json={"note": "patched"}, headers=alice.headers)
    res = client.get(path(iri), headers=alice.headers)
    assert res.headers["ETag"] == '"2"'
    assert res.get_json()["body"][0]["value"] == "patched"


def test_a_w3c_put_guarded_by_the_native_etag(client, alice, iri):
    uid = iri.rsplit("/", 1)[1]
    etag = client.get(f"/api/annotations/{uid}", headers=alice.headers).headers["ETag"]
    current = client.get(path(iri), headers=alice.headers).get_json()
    res = client.put(path(iri), json=current, headers=ld(alice, **{"If-Match": etag}))
    assert res.status_code == 200
    assert client.get(f"/api/annotations/{uid}", headers=alice.headers).get_json()["version"] == 2


def test_the_creator_iri_describes_the_author(client, alice, made):
    creator = made.get_json()["creator"]["id"]
    res = client.get(path(creator), headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json() | {"@context": None} == {
        "@context": None, "id": creator, "type": "Person", "name": "alice", "nickname": "alice"}


def test_a_creator_is_unknown_to_readers_who_see_nothing_of_theirs(client, alice, bob, anon,
                                                                    create):
    create(alice, visibility="private")
    assert client.get("/w3c/users/alice", headers=bob.headers).status_code == 404
    assert client.get("/w3c/users/alice", headers=anon.headers).status_code == 404
    assert client.get("/w3c/users/nobody", headers=alice.headers).status_code == 404
    create(alice, visibility="public")
    assert client.get("/w3c/users/alice", headers=anon.headers).status_code == 200


# ================================================================ visibility matrix

READERS = ("owner", "other", "anonymous")
VISIBILITIES = ("private", "public")
# status for each (operation, reader, visibility); "listed"/"hidden" for container listings.
EXPECTED = {
    "GET":     {"owner": (200, 200), "other": (404, 200), "anonymous": (404, 200)},
    "HEAD":    {"owner": (200, 200), "other": (404, 200), "anonymous": (404, 200)},
    "OPTIONS": {"owner": (200, 200), "other": (404, 200), "anonymous": (404, 200)},
    "listing": {"owner": ("listed", "listed"), "other": ("hidden", "listed"),
                "anonymous": ("hidden", "listed")},
    "post container": {"owner": (200, 200), "other": (404, 200), "anonymous": (404, 200)},
    "PUT":     {"owner": (200, 200), "other": (404, 403), "anonymous": (401, 401)},
    "DELETE":  {"owner": (204, 204), "other": (404, 403), "anonymous": (401, 401)},
}


@pytest.mark.parametrize("operation", list(EXPECTED))
@pytest.mark.parametrize("reader_kind", READERS)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_visibility_matrix(client, alice, bob, anon, create, operation, reader_kind, visibility):
    made = create(alice, visibility=visibility)
    target = f"/w3c/annotations/{made['id']}"
    reader = {"owner": alice, "other": bob, "anonymous": anon}[reader_kind]
    expected = EXPECTED[operation][reader_kind][VISIBILITIES.index(visibility)]
    if operation == "listing":
        body = client.get(ALL, headers={**reader.headers, "Prefer": IRIS}).get_json()
        listed = HOST + target in (body.get("first") or {}).get("items", [])
        assert ("listed" if listed else "hidden") == expected
        assert body["total"] == (1 if listed else 0)
        return
    if operation == "post container":
        res = client.get(f"/w3c/posts/{made['post']['id']}/", headers=reader.headers)
    elif operation == "PUT":
        current = client.get(target, headers=alice.headers).get_json()
        res = client.put(target, json=current, headers=ld(reader, **{"If-Match": '"1"'}))
    else:
        res = client.open(target, method=operation, headers=reader.headers)
    assert res.status_code == expected
    if res.status_code == 404 and operation != "HEAD":
        assert res.get_json()["error"]["code"] == "not_found"  # never a 403 that confirms it


def test_visibility_someone_elses_private_annotation_is_404_everywhere_never_403(
        client, alice, bob, create):
    made = create(alice, visibility="private")
    target = f"/w3c/annotations/{made['id']}"
    current = client.get(target, headers=alice.headers).get_json()
    statuses = {client.get(target, headers=bob.headers).status_code,
                client.head(target, headers=bob.headers).status_code,
                client.options(target, headers=bob.headers).status_code,
                client.put(target, json=current, headers=ld(bob, **{"If-Match": '"1"'}))
                .status_code,
                client.delete(target, headers=bob.headers).status_code}
    assert statuses == {404}
    # Creating with its id is answered as for a free id; each then sees their own.
    res = client.post(ALL, json=doc(canonical=f"urn:uuid:{made['id']}"), headers=ld(bob))
    assert res.status_code == 201
    assert res.headers["Location"].endswith(made["id"])
    assert client.get(target, headers=alice.headers).get_json()["creator"]["nickname"] \
        == "alice"
    assert client.get(target, headers=bob.headers).get_json()["creator"]["nickname"] == "bob"


# ================================================================ errors and the contract

def test_every_w3c_error_has_the_one_json_error_shape(client, alice, anon, iri):
    responses = [
        client.get("/w3c/annotations/nope", headers=alice.headers),
        client.get(path(iri), headers={**alice.headers, "Accept": "application/rdf+xml"}),
        client.post(ALL, data="x", headers={**alice.headers, "Content-Type": "text/plain"}),
        client.post(ALL, json=doc(), headers=ld(anon)),
        client.put(path(iri), json={}, headers=ld(alice)),
        client.get(f"{ALL}?page=9", headers=alice.headers),
        client.get(f"{ALL}?bogus=1", headers=alice.headers),
        client.patch(path(iri), headers=alice.headers),
    ]
    for res in responses:
        assert res.status_code >= 400
        error = res.get_json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
        assert "accept" in vary(res)


def test_every_w3c_route_is_in_the_openapi_document(app, client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/w3c/"):
            documented = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            assert documented in paths, documented
            methods = {m.lower() for m in rule.methods} - {"head"}
            assert methods <= set(paths[documented]), (documented, methods)


def test_native_json_links_every_annotation_to_its_w3c_iri(client, alice, create):
    made = create(alice)
    listed = client.get("/api/annotations", headers=alice.headers).get_json()["items"][0]
    assert listed["links"]["w3c"] == made["links"]["w3c"] == \
        f"{HOST}/w3c/annotations/{made['id']}"


def test_posted_body_fixture_shape_matches_the_native_one():
    # The W3C document in these tests and the native fixture describe the same post.
    assert doc()["target"]["source"] == annotation_body()["post"]["url"]


def test_every_document_served_is_valid_against_the_model_schemas(app, client, alice, create):
    app.config["W3C_PAGE_SIZE"] = 2
    made = [create(alice, visibility=v) for v in ("private", "public", "public")]
    post_container = f"/w3c/posts/{made[0]['post']['id']}/"
    for container in (ALL, post_container):
        for prefer in (None, IRIS, DESCRIPTIONS, MINIMAL):
            headers = {**alice.headers, **({"Prefer": prefer} if prefer else {})}
            validate(CONTAINER, client.get(container, headers=headers).get_json())
        for query in ("?iris=0&page=0", "?iris=0&page=1", "?iris=1&page=0", "?iris=1&page=1"):
            validate(PAGE, client.get(container + query, headers=alice.headers).get_json())
    for annotation in made:
        served = client.get(f"/w3c/annotations/{annotation['id']}", headers=alice.headers)
        validate(POSTIL_ANNOTATION, served.get_json())
    validate(POSTIL_ANNOTATION, client.post(ALL, json=doc(), headers=ld(alice)).get_json())


# ================================================================ Turtle

TURTLE = {"Accept": "text/turtle"}


def test_4_an_annotation_is_served_as_turtle_with_the_same_graph(client, alice, iri):
    json_ld = client.get(path(iri), headers=alice.headers)
    turtle = client.get(path(iri), headers={**alice.headers, **TURTLE})
    assert turtle.status_code == 200
    assert turtle.mimetype == "text/turtle"
    assert_same_graph(turtle, json_ld)
    # The same version in another syntax: a weak ETag, which If-None-Match matches.
    assert turtle.headers["ETag"] == "W/" + json_ld.headers["ETag"]
    again = client.get(path(iri), headers={**alice.headers, **TURTLE,
                                           "If-None-Match": turtle.headers["ETag"]})
    assert again.status_code == 304
    assert {("http://www.w3.org/ns/ldp#Resource", "type")} <= links(turtle)


def test_5_a_page_is_served_as_turtle_with_the_same_graph(client, alice, paged):
    for url in (f"{ALL}?iris=0&page=1", f"{ALL}?iris=1&page=2"):
        json_ld = client.get(url, headers=alice.headers)
        turtle = client.get(url, headers={**alice.headers, **TURTLE})
        assert turtle.status_code == 200, url
        assert_same_graph(turtle, json_ld)


def test_5_turtle_is_chosen_only_when_preferred(client, alice, iri):
    for accept, mimetype in (("*/*", "application/ld+json"), ("text/*", "text/turtle"),
                             ("application/ld+json;q=0.5, text/turtle", "text/turtle"),
                             ("text/turtle;q=0.5, application/json", "application/json")):
        res = client.get(path(iri), headers={**alice.headers, "Accept": accept})
        assert res.mimetype == mimetype, accept


@pytest.mark.parametrize("visibility", ["private", "public"])
def test_5_turtle_shows_only_what_the_reader_may_see(client, alice, bob, anon, create,
                                                     visibility):
    made = create(alice, visibility=visibility, note="only-in-this-note")
    one = f"/w3c/annotations/{made['id']}"
    for reader in (alice, bob, anon):
        sees = reader is alice or visibility == "public"
        res = client.get(one, headers={**reader.headers, **TURTLE})
        assert res.status_code == (200 if sees else 404), reader.name
        for url in (ALL, f"{ALL}?iris=0&page=0", f"/w3c/posts/{made['post']['id']}/"):
            listed = client.get(url, headers={**reader.headers, **TURTLE})
            body = listed.get_data(as_text=True)
            if listed.status_code == 200:
                assert ("only-in-this-note" in body) == sees, (reader.name, url)
            else:
                assert not sees and listed.status_code == 404, (reader.name, url)
