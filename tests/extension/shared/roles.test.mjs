// extension/src/shared/roles.js: what each role in a group may do, run over the case table the
// server's tests run against the API (tests/fixtures/group-role-cases.json), and which of a
// page's annotations a reader is offered to hide or show.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { hiddenAbove, may, mayModerate, mayModerateReply } from "../../../extension/src/shared/roles.js";

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

test("a reply is offered hide, or show unless something above it hides it (the server's 409)", () => {
  const groups = [{ id: "g1", role: "moderator" }];
  const root = { id: "r", user: "bob", visibility: "group", group: "g1", hidden: false };
  const reply = (id, replyTo, more = {}) => ({ id, reply_to: replyTo, user: "carol", visibility: "group", group: "g1", hidden: false, ...more });
  let rows = [reply("a", "r"), reply("b", "a"), reply("c", "b")];
  assert.deepEqual(rows.map((row) => mayModerateReply(row, root, rows, groups, "alice")), [true, true, true]);
  // "b" hidden by a moderator: "c" below it is hidden with it, and only "b" can be shown.
  rows = [reply("a", "r"), reply("b", "a", { hidden: true }), reply("c", "b", { hidden: true })];
  assert.deepEqual(rows.map((row) => hiddenAbove(row, root, rows)), [false, false, true]);
  assert.deepEqual(rows.map((row) => mayModerateReply(row, root, rows, groups, "alice")), [true, true, false]);
  // The whole thread hidden from its first annotation: no reply can be shown on its own.
  const hiddenRoot = { ...root, hidden: true };
  rows = rows.map((row) => ({ ...row, hidden: true }));
  assert.deepEqual(rows.map((row) => mayModerateReply(row, hiddenRoot, rows, groups, "alice")), [false, false, false]);
  // Never one's own reply, a deleted one, or as a plain member.
  assert.equal(mayModerateReply(reply("d", "r", { user: "alice" }), root, [], groups, "alice"), false);
  assert.equal(mayModerateReply(reply("d", "r", { deleted: true }), root, [], groups, "alice"), false);
  assert.equal(mayModerateReply(reply("d", "r"), root, [], [{ id: "g1", role: "member" }], "alice"), false);
});
