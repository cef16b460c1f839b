"""/openapi.json describes exactly the routes the app serves, and /api says where it is."""

from __future__ import annotations

import re

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def served_routes(app) -> dict[str, set[str]]:
    """The app's URL map as OpenAPI paths ({param}) and lower-case methods, static files aside."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes.setdefault(path, set()).update(
            m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def test_the_spec_paths_are_the_apps_routes(client, app):
    res = client.get("/openapi.json")
    assert res.status_code == 200
    spec = res.get_json()
    assert spec["openapi"].startswith("3.")
    documented = {path: {m for m in item if m in HTTP_METHODS}
                  for path, item in spec["paths"].items()}
    assert documented == served_routes(app)


def test_every_path_parameter_is_declared_and_every_operation_answers(client):
    spec = client.get("/openapi.json").get_json()
    for path, item in spec["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method in HTTP_METHODS & set(item):
            op = item[method]
            declared = {p["name"] for p in item.get("parameters", []) + op.get("parameters", [])
                        if p.get("in") == "path"}
            assert names <= declared, f"{method.upper()} {path} does not declare {names - declared}"
            assert op.get("responses"), f"{method.upper()} {path} has no responses"


def test_the_spec_documents_every_annotation_filter(client):
    spec = client.get("/openapi.json").get_json()
    params = {p["name"] for p in spec["paths"]["/api/annotations"]["get"]["parameters"]}
    assert {"site", "post_id", "url", "user", "tag", "color", "visibility", "q", "updated_since",
            "include_deleted", "sort", "order", "limit", "cursor"} <= params


def test_the_api_root_points_at_the_spec(client):
    body = client.get("/api").get_json()
    assert body["name"] == "postil"
    assert body["openapi"].endswith("/openapi.json")
