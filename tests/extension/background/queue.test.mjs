// extension/src/background/queue.js: which queued changes merge (only ones that cannot have
// reached the server), and how the queue is overlaid on a post's annotations. Signed out, the
// queue never sends, so every op stays where the merge rules put it.

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { storageLocal } from "../fake-browser.mjs";
import { enqueueCreate, enqueueDelete, enqueueUpdate, overlay } from "../../../extension/src/background/queue.js";
import { groupKey, wirePost } from "../../../extension/src/post-key/index.js";

const PAGE = { site: "blog.example.org", post_id: 42, url: "https://blog.example.org/on-margins/", key_url: null, signal: "rest-link", canonical: null, title: "On margins" };
const POST = wirePost(PAGE);
const OTHER = wirePost({ ...PAGE, post_id: 43 });

const body = (id, over = {}) => ({ id, post: POST, quote: "notes in the margin", selectors: [], note: "", color: "yellow", tags: [], visibility: "private", ...over });
const queue = async () => (await storageLocal.get("queue")).queue ?? [];
// As the drain loop marks an op it has taken: it may have landed from then on.
async function markSent(id) {
  const ops = await queue();
  for (const op of ops) if (op.id === id) op.sent = true;
  await storageLocal.set({ queue: ops });
}

beforeEach(() => storageLocal.clear());

test("an edit of a create that never left is folded into it", async () => {
  await enqueueCreate(body("a"));
  await enqueueUpdate("a", POST, { note: "later", color: "green" });
  const ops = await queue();
  assert.deepEqual(ops.map((op) => op.kind), ["create"]);
  assert.equal(ops[0].body.note, "later");
  assert.equal(ops[0].body.color, "green");
});

test("a delete of a create that never left cancels both", async () => {
  await enqueueCreate(body("a"));
  await enqueueUpdate("a", POST, { note: "x" });
  await enqueueDelete("a", POST);
  assert.deepEqual(await queue(), []);
});

test("two edits waiting are one edit with the later values", async () => {
  await enqueueUpdate("a", POST, { note: "one", tags: ["t"] });
  await enqueueUpdate("a", POST, { note: "two" });
  const ops = await queue();
  assert.equal(ops.length, 1);
  assert.deepEqual(ops[0].changes, { note: "two", tags: ["t"] });
});

test("nothing is merged into a create that may have landed: the edit queues behind it", async () => {
  await enqueueCreate(body("a"));
  await markSent("a");
  await enqueueUpdate("a", POST, { note: "later" });
  const ops = await queue();
  assert.deepEqual(ops.map((op) => op.kind), ["create", "update"]);
  assert.equal(ops[0].body.note, "");
});

test("deleting a create that may have landed sends a delete after it", async () => {
  await enqueueCreate(body("a"));
  await markSent("a");
  await enqueueDelete("a", POST);
  assert.deepEqual((await queue()).map((op) => op.kind), ["create", "delete"]);
});

test("a delete drops the waiting edit but keeps one that may have landed", async () => {
  await enqueueUpdate("a", POST, { note: "sent" });
  await markSent("a");
  await enqueueUpdate("a", POST, { note: "waiting" });
  await enqueueDelete("a", POST);
  const ops = await queue();
  assert.deepEqual(ops.map((op) => [op.kind, op.changes?.note]), [["update", "sent"], ["delete", undefined]]);
});

test("ops of other annotations are left alone", async () => {
  await enqueueCreate(body("a"));
  await enqueueCreate(body("b"));
  await enqueueDelete("a", POST);
  assert.deepEqual((await queue()).map((op) => op.id), ["b"]);
});

test("the overlay shows a post's queued creates and edits, hides its deletes, and skips other posts", () => {
  const server = [
    { id: "kept", post: { id: 1, ...POST }, note: "old", note_html: "<p>old</p>", color: "yellow", tags: [] },
    { id: "gone", post: { id: 1, ...POST }, note: "", color: "yellow", tags: [] },
  ];
  const ops = [
    { seq: "1", kind: "create", id: "new", post: POST, body: body("new", { note: "fresh" }), user: "alice" },
    { seq: "2", kind: "update", id: "kept", post: POST, changes: { note: "edited" }, user: "alice" },
    { seq: "3", kind: "delete", id: "gone", post: POST, user: "alice" },
    { seq: "4", kind: "create", id: "elsewhere", post: OTHER, body: { ...body("elsewhere"), post: OTHER }, user: "alice" },
    { seq: "5", kind: "create", id: "bobs", post: POST, body: body("bobs"), user: "bob" },
  ];
  // The page asks with identifyPost()'s shape; the ops hold the wire shape: one group key.
  const shown = overlay(server, ops, [], groupKey(PAGE), "alice");
  assert.deepEqual(shown.map((a) => [a.id, a.note, a.pending ?? false]), [["kept", "edited", true], ["new", "fresh", true]]);
  assert.equal(shown[0].note_html, null, "an edited note is shown as typed until the server renders it");
});

test("a refused create is shown with the server's reason", () => {
  const failed = [{ seq: "9", kind: "create", id: "bad", post: POST, body: body("bad"), user: "alice", error: { code: "validation_error" } }];
  const [shown] = overlay([], [], failed, groupKey(POST), "alice");
  assert.equal(shown.id, "bad");
  assert.deepEqual(shown.failed, { code: "validation_error" });
});

test("a group note made offline keeps its group in the queue and shows its group's name", async () => {
  await enqueueCreate(body("g", { visibility: "group", group: "club" }), { group_name: "Book club" });
  const [op] = await queue();
  assert.equal(op.body.group, "club");
  assert.equal("group_name" in op.body, false); // the server is sent the id alone
  const [shown] = overlay([], await queue(), [], groupKey(POST), "dora");
  assert.equal(shown.visibility, "group");
  assert.equal(shown.group, "club");
  assert.equal(shown.group_name, "Book club");
});

test("moving a queued group note out of its group drops the group from what is sent", async () => {
  await enqueueCreate(body("g", { visibility: "group", group: "club" }), { group_name: "Book club" });
  await enqueueUpdate("g", POST, { visibility: "public", group: null }, { group_name: null });
  const [op] = await queue();
  assert.equal(op.body.visibility, "public");
  assert.equal("group" in op.body, false);
  const [shown] = overlay([], await queue(), [], groupKey(POST), "dora");
  assert.equal(shown.group_name, null);
});

test("an offline edit into a group of a note already sent carries the group and shows its name", async () => {
  await enqueueCreate(body("s"));
  await markSent("s");
  await enqueueUpdate("s", POST, { visibility: "group", group: "club" }, { group_name: "Book club" });
  const ops = await queue();
  assert.deepEqual(ops.map((o) => o.kind), ["create", "update"]);
  assert.deepEqual(ops[1].changes, { visibility: "group", group: "club" });
  const server = [{ ...body("s"), user: "dora", note_html: "", group: null, group_name: null }];
  const [shown] = overlay(server, ops.slice(1), [], groupKey(POST), "dora");
  assert.equal(shown.group, "club");
  assert.equal(shown.group_name, "Book club");
  assert.equal(shown.pending, true);
});
