// extension/src/notebook/passage.js gives the passage links the server's exports give
// (tests/fixtures/text-fragment-cases.json, run by tests/server/test_export_formats.py too).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { passageUrl, textDirective } from "../../../extension/src/notebook/passage.js";
import { fixture } from "../fixtures.mjs";

describe("passage links agree with the server's table", () => {
  for (const c of fixture("text-fragment-cases.json")) {
    test(c.name, () => assert.equal(passageUrl(c.annotation), c.expected));
  }
});

test("a selector without words gives no directive", () => {
  assert.equal(textDirective({ exact: " \n " }), null);
  assert.equal(textDirective({}), null);
});
