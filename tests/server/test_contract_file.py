"""The contract the server owns (postil.contract) is the JSON the extension's copy is checked
against (tests/fixtures/contract.json; the Node test tests/extension/shared/contract.test.mjs)."""

import json
from pathlib import Path

from postil import contract

CONTRACT_JSON = Path(__file__).resolve().parent.parent / "fixtures" / "contract.json"


def test_the_contract_file_is_the_servers_contract():
    assert contract.as_json() == json.loads(CONTRACT_JSON.read_text(encoding="utf-8"))
