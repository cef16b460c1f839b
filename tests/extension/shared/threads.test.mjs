// extension/src/shared/threads.js: a thread's replies in thread order with their depth, as the
// sidebar indents them, and the unread count as the extension's button shows it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { badgeText, threadRows, withQueued } from "../../../extension/src/shared/threads.js";

const at = (minute) => `2026-12-03T08:${String(minute).padStart(2, "0")}:00.000Z`;

test("each reply follows what it answers, one level deeper; siblings oldest first", () => {
  const replies = [
    { id: "c", reply_to: "top", created: at(3) },
    { id: "a", reply_to: "top", created: at(1) },
    { id: "a2", reply_to: "a1", created: at(5) },
    { id: "a1", reply_to: "a", created: at(2) },
    { id: "b", reply_to: "top", created: at(2) },
  ];
  const rows = threadRows("top", replies);
  assert.deepEqual(rows.map((r) => [r.id, r.depth]), [["a", 1], ["a1", 2], ["a2", 3], ["b", 1], ["c", 1]]);
});

test("a tombstone keeps its place and its replies; a reply to something outside is left out", () => {
  const replies = [
    { id: "gone", reply_to: "top", created: at(1), deleted: true },
    { id: "under", reply_to: "gone", created: at(2) },
    { id: "stray", reply_to: "elsewhere", created: at(3) },
  ];
  const rows = threadRows("top", replies);
  assert.deepEqual(rows.map((r) => [r.id, r.depth, Boolean(r.deleted)]), [["gone", 1, true], ["under", 2, false]]);
});

test("a queued reply (no created time yet) comes after the sent ones and is not doubled", () => {
  const server = [{ id: "a", reply_to: "top", created: at(1) }];
  const queued = [{ id: "new", reply_to: "top", pending: true }, { id: "a", reply_to: "top", pending: true }, { id: "deep", reply_to: "a", pending: true }];
  const rows = withQueued("top", server, queued);
  assert.deepEqual(rows.map((r) => [r.id, r.depth, Boolean(r.pending)]), [["a", 1, false], ["deep", 2, true], ["new", 1, true]]);
});

test("the badge says nothing for no unread replies and caps at 99+", () => {
  assert.equal(badgeText(0), "");
  assert.equal(badgeText(null), "");
  assert.equal(badgeText(1), "1");
  assert.equal(badgeText(99), "99");
  assert.equal(badgeText(100), "99+");
});
