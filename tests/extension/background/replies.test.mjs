// extension/src/background/replies.js with queue.js: a reply is queued with nothing but what a
// reply may carry, behind its parent's create when that is queued too; it never joins the post's
// annotations (it has no passage to paint); the thread shows it before the server has it, and
// the server's copy of a thread is what shows when the server is away.

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { storageLocal } from "../fake-browser.mjs";
import { createReply, listReplies } from "../../../extension/src/background/replies.js";
import { enqueueCreate, overlay } from "../../../extension/src/background/queue.js";
import { groupKey, wirePost } from "../../../extension/src/post-key/index.js";

const PAGE = { site: "blog.example.org", post_id: 42, url: "https://blog.example.org/on-margins/", key_url: null, signal: "rest-link", canonical: null, title: "On margins" };
const POST = wirePost(PAGE);
const queue = async () => (await storageLocal.get("queue")).queue ?? [];

// The server is away: every request fails as an unreachable host does.
globalThis.fetch = async () => {
  throw new TypeError("fetch failed");
};

beforeEach(() => storageLocal.clear());

test("a reply written offline to a queued note is queued behind the note's create, with no passage", async () => {
  await enqueueCreate({ id: "top", post: POST, quote: "in the margin", selectors: [], note: "first", color: "yellow", tags: [], visibility: "public" });
  const reply = await createReply({ id: "top", post: PAGE }, "  an answer  ");
  const ops = await queue();
  assert.deepEqual(ops.map((op) => [op.kind, op.id]), [["create", "top"], ["create", reply.id]]);
  assert.deepEqual(Object.keys(ops[1].body).sort(), ["id", "note", "post", "reply_to"]);
  assert.equal(ops[1].body.reply_to, "top");
  assert.equal(ops[1].body.note, "an answer");
  assert.equal(reply.pending, true);
});

test("a queued reply is not among the post's annotations, but is in its thread", async () => {
  await createReply({ id: "top", post: PAGE }, "an answer");
  const listed = overlay([{ id: "top", post: POST, quote: "in the margin", user: "me" }], await queue(), [], groupKey(POST), null);
  assert.deepEqual(listed.map((a) => a.id), ["top"]);
  const { items, online } = await listReplies("top");
  assert.equal(online, false);
  assert.deepEqual(items.map((r) => [r.note, r.depth, r.pending]), [["an answer", 1, true]]);
});

test("away from the server, the last copy of a thread shows, queued replies after it", async () => {
  const created = "2026-12-03T08:00:00.000Z";
  await storageLocal.set({ threads: { top: { user: null, items: [{ id: "r1", reply_to: "top", note: "kept", created }] } } });
  await createReply({ id: "r1", post: PAGE }, "deeper");
  const { items } = await listReplies("top");
  assert.deepEqual(items.map((r) => [r.note, r.depth]), [["kept", 1], ["deeper", 2]]);
});

test("an empty reply, or one that names nothing it answers, is refused", async () => {
  await assert.rejects(createReply({ id: "top", post: PAGE }, "   "), /some words/);
  await assert.rejects(createReply({ post: PAGE }, "text"), /answers/);
  assert.deepEqual(await queue(), []);
});
