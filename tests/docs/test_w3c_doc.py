"""docs/w3c.md's examples run as written against a live `postil serve`.

Its `sh` blocks are one shell session (see doc_examples.py), in the doc's order: create, read,
replace, containers, delete. The test checks the statuses and headers a reader would see.
"""

from __future__ import annotations

import json

from doc_examples import read_doc, run_blocks, sh_blocks


def test_w3c_examples_run_as_written(live_server, tmp_path):
    base, password = live_server
    w3c_blocks = sh_blocks(read_doc("docs/w3c.md"))
    assert len(w3c_blocks) >= 5, "docs/w3c.md lost its examples"
    out = run_blocks(w3c_blocks, base, password, tmp_path)

    w = [out[str(i)] for i in range(len(w3c_blocks))]
    create, read, replace, containers, delete = w[0], w[1], w[2], w[3], w[-1]
    assert "HTTP/1.1 201" in create and '"postil-blue"' in create
    assert read.count("HTTP/1.1 200") == 3 and "HTTP/1.1 406" in read
    assert '"w3c":"' in read.replace(" ", "")
    assert "HTTP/1.1 200" in replace and 'etag: "2"' in replace.lower()
    first, *_ = containers.strip().splitlines()
    assert json.loads(first)["total"] >= 1
    assert "HTTP/1.1 204" in delete
