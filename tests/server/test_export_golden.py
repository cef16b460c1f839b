"""Every export format, from a small fixture imported through the API, against golden files.

The fixture has fixed ids and times, so only the export's own time varies; it is masked.
Regenerate the golden files after an intended change with POSTIL_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("POSTIL_UPDATE_GOLDEN") == "1"
EXPORT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def fixture() -> dict:
    return json.loads((GOLDEN / "fixture.json").read_text(encoding="utf-8"))


def masked(text: str) -> str:
    return EXPORT_TIME.sub("EXPORTED_AT", text)


def check(path: Path, text: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        return
    assert path.exists(), f"no golden file {path.name}; run with POSTIL_UPDATE_GOLDEN=1"
    with open(path, encoding="utf-8", newline="") as fh:
        expected = fh.read()
    assert text == expected, (
        f"{path.name} differs from its golden file; if the change is intended, "
        "regenerate with POSTIL_UPDATE_GOLDEN=1 and review the diff")


@pytest.fixture
def imported(client, alice):
    res = client.post("/api/import", json=fixture(), headers=alice.headers)
    assert res.get_json() == {"format": "json", "created": 6, "unchanged": 0, "failed": []}
    return alice


@pytest.mark.parametrize("query, golden", [
    ("format=markdown", "export.md"),
    ("format=json", "export.json"),
    ("format=jsonld", "export.jsonld"),
    ("format=csv", "export.csv"),
    ("format=csv&flavor=readwise", "export-readwise.csv"),
    ("format=html", "export.html"),
])
def test_text_formats_match_golden_files(client, imported, query, golden):
    res = client.get(f"/api/export?{query}", headers=imported.headers)
    assert res.status_code == 200
    check(GOLDEN / golden, masked(res.get_data(as_text=True)))


def test_zip_matches_golden_files(client, imported):
    res = client.get("/api/export?format=zip", headers=imported.headers)
    archive = zipfile.ZipFile(io.BytesIO(res.data))
    assert archive.testzip() is None
    names = archive.namelist()
    check(GOLDEN / "zip" / "names.txt", "\n".join(names) + "\n")
    for name in names:
        check(GOLDEN / "zip" / Path(name).name, masked(archive.read(name).decode("utf-8")))
