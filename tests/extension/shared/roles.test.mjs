// extension/src/shared/roles.js: what each role in a group may do, run over the case table the
// server's tests run against the API (tests/fixtures/group-role-cases.json), and which of a
// page's annotations a reader is offered to hide or show.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { may, mayModerate } from "../../../extension/src/shared/roles.js";

const { cases } = JSON.parse(readFileSync(new URL("../../fixtures/group-role-cases.json", import.meta.url)));

test("every role may do what the server lets it, and nothing it refuses", () => {
  assert.ok(cases.length >= 40);
  for (const c of cases) {
    assert.equal(may(c.role, c.action, c.target ?? null), c.allowed, JSON.stringify(c));
  }
  // No role, or an action nobody named, is refused.
  assert.equal(may(undefined, "hide"), false);
  assert.equal(may("owner", "rename the moon"), false);
});

test("hide and show are offered on another reader's saved note in a group the reader moderates", () => {
  const groups = [{ id: "g1", role: "moderator" }, { id: "g2", role: "member" }, { id: "g3", role: "owner" }];
  const note = { id: "a", user: "bob", visibility: "group", group: "g1", hidden: false };
  assert.equal(mayModerate(note, groups, "alice"), true);
  assert.equal(mayModerate({ ...note, hidden: true }, groups, "alice"), true);
  assert.equal(mayModerate({ ...note, group: "g3" }, groups, "alice"), true);
  // A plain member, a group not (or no longer) the reader's, their own note, a note not yet saved,
  // a private or public note, or nobody signed in: never.
  assert.equal(mayModerate({ ...note, group: "g2" }, groups, "alice"), false);
  assert.equal(mayModerate({ ...note, group: "g9" }, groups, "alice"), false);
  assert.equal(mayModerate({ ...note, user: "alice" }, groups, "alice"), false);
  assert.equal(mayModerate({ ...note, pending: true }, groups, "alice"), false);
  assert.equal(mayModerate({ ...note, visibility: "public", group: null }, groups, "alice"), false);
  assert.equal(mayModerate(note, groups, null), false);
  assert.equal(mayModerate(note, null, "alice"), false);
});
