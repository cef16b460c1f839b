// extension/src/shared/contract.js is the server's contract (tests/fixtures/contract.json, which
// a pytest test checks against postil.contract.as_json()).

import assert from "node:assert/strict";
import { test } from "node:test";
import { FILTERS } from "../../../extension/src/background/filters.js";
import { COLOR_LABELS, SWATCHES, VISIBILITY_LABELS } from "../../../extension/src/shared/colors.js";
import { CONTRACT, COLORS, VISIBILITIES } from "../../../extension/src/shared/contract.js";
import { fromChoice, visibilityChoices } from "../../../extension/src/shared/visibility.js";
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

test("the picker offers every visibility of the contract and nothing else; a group only with its id", () => {
  const choices = visibilityChoices([{ id: "g1", name: "Book club" }]).map((c) => fromChoice(c.value));
  assert.deepEqual([...new Set(choices.map((c) => c.visibility))].sort(), [...VISIBILITIES].sort());
  for (const { visibility, group } of choices) assert.equal(group !== null, visibility === "group");
  // With no groups, "group" is not offered at all: it could not name one.
  assert.deepEqual(visibilityChoices([]).map((c) => c.value), ["private", "public"]);
});
