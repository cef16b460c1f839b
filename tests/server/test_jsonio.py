"""The JSON provider: orjson for speed; for what orjson refuses, what the standard library did."""

from __future__ import annotations

import datetime
import json
import math

import pytest
from flask import Flask

from postil.jsonio import FastJSONProvider


@pytest.fixture
def bare_app():
    return Flask(__name__)


@pytest.fixture
def provider(bare_app):
    return FastJSONProvider(bare_app)


BODIES = [
    '{"note": "caf\\u00e9 \\ud83d\\ude00", "n": 1}',
    '{"lone": "\\ud800"}',  # a lone surrogate: orjson refuses it
    '{"big": 123456789012345678901234567890}',  # beyond 64 bits
    '{"low": -9999999999999999999}',  # below -2**63 in 19 digits
    '{"x": NaN, "y": -Infinity}',
    '{"dup": 1, "dup": 2}',
    "[1.5e300, -0.0, 1e-7]",
    '"just a string"',
    "null",
]


@pytest.mark.parametrize("body", BODIES)
def test_bodies_parse_as_the_standard_library_parses_them(provider, body):
    expected = json.loads(body)
    got = provider.loads(body)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert provider.loads(body.encode()) == got or got != got  # bytes too (NaN != NaN)


@pytest.mark.parametrize("body", ["{", '{"a": }', "[1,]", "\x00"])
def test_invalid_bodies_are_refused_as_before(provider, body):
    with pytest.raises(ValueError):
        provider.loads(body)


def test_nesting_beyond_the_limits_is_refused_as_before(provider):
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(deep)
    with pytest.raises(RecursionError):
        provider.loads(deep)


ANSWERS = [
    {"note": "café 😀", "tags": ["a", "b"], "n": 3, "f": 0.1, "none": None, "t": True},
    {"lone": "\ud800"},
    {"big": 2**70},
    {1: "int key"},
    {"when": datetime.datetime(2026, 11, 29, 3, 55, tzinfo=datetime.UTC)},
]


@pytest.mark.parametrize("value", ANSWERS)
def test_answers_say_what_the_standard_library_said(bare_app, provider, value):
    plain = Flask(__name__).json
    plain.sort_keys = False
    assert json.loads(provider.dumps(value)) == json.loads(plain.dumps(value))
    with bare_app.app_context():
        res = provider.response(value)
    assert res.mimetype == "application/json"
    assert json.loads(res.get_data()) == json.loads(plain.dumps(value))


def test_nan_is_answered_as_null_which_every_json_parser_reads(provider):
    # The standard library wrote the token NaN, which is not JSON; no stored value is NaN.
    assert json.loads(provider.dumps({"x": math.nan, "y": math.inf})) == {"x": None, "y": None}


def test_big_integers_in_a_selector_come_back_exactly(client, alice):
    from conftest import annotation_body

    selector = {"type": "RangeSelector",
                "startSelector": {"type": "XPathSelector", "value": "/p[1]", "big": 2**70,
                                  "low": -9999999999999999999},
                "endSelector": {"type": "XPathSelector", "value": "/p[2]"}}
    res = client.post("/api/annotations", data=json.dumps(annotation_body(selectors=[selector])),
                      content_type="application/json", headers=alice.headers)
    assert res.status_code == 201, res.get_json()
    got = client.get(f"/api/annotations/{res.get_json()['id']}", headers=alice.headers)
    start = json.loads(got.get_data())["selectors"][0]["startSelector"]
    assert (start["big"], start["low"]) == (2**70, -9999999999999999999)
