// extension/src/shared/contract.js is the server's contract (tests/fixtures/contract.json, which
// a pytest test checks against postil.contract.as_json()).

import assert from "node:assert/strict";
import { test } from "node:test";
import { FILTERS } from "../../../extension/src/background/filters.js";
import { COLOR_LABELS, SWATCHES, VISIBILITY_LABELS, visibilityChoices } from "../../../extension/src/shared/colors.js";
import { CONTRACT, COLORS, VISIBILITIES } from "../../../extension/src/shared/contract.js";
import { fixture } from "../fixtures.mjs";

test("the extension's contract is the server's", () => {
  assert.deepEqual(JSON.parse(JSON.stringify(CONTRACT)), fixture("contract.json"));
});

test("every colour of the contract has a label and a swatch, and no other colour does", () => {
  assert.deepEqual(Object.keys(COLOR_LABELS).sort(), [...COLORS].sort());
  assert.deepEqual(Object.keys(SWATCHES).sort(), [...COLORS].sort());
});

test("every visibility of the contract has a label in the editor, and no other does", () => {
  assert.deepEqual(Object.keys(VISIBILITY_LABELS).sort(), [...VISIBILITIES].sort());
});

test("the notebook's filters are query filters the server knows", () => {
  for (const name of FILTERS) assert.ok(CONTRACT.query_filters.includes(name), name);
});

test("a form offers \"group\" only for an annotation already in a group (no picker chooses one yet)", () => {
  assert.deepEqual(visibilityChoices("private"), ["private", "public"]);
  assert.deepEqual(visibilityChoices("public"), ["private", "public"]);
  assert.deepEqual(visibilityChoices(undefined), ["private", "public"]);
  assert.deepEqual(visibilityChoices("group"), ["private", "group", "public"]);
  for (const choices of [visibilityChoices("private"), visibilityChoices("group")]) {
    for (const value of choices) assert.ok(VISIBILITIES.includes(value), value);
  }
});
