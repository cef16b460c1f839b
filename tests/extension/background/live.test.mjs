// extension/src/background/live.js, its pure parts: what the stream's events do to a post's
// list of annotations, and how they meet the reader's own changes not synced yet (the offline
// queue's overlay, which a tab's read of the changed annotations goes through).

import assert from "node:assert/strict";
import { test } from "node:test";
import "../fake-browser.mjs";
import { applyEvent, changesOf, liveMark, replaySince } from "../../../extension/src/background/live.js";
import { headsThread, overlay } from "../../../extension/src/background/queue.js";
import { groupKey, wirePost } from "../../../extension/src/post-key/index.js";

const POST = { id: 7, site: "blog.example.org", post_id: 42, url: "https://blog.example.org/on-margins/", title: "On margins" };
const KEY = groupKey(POST);
const note = (id, over = {}) => ({ id, post: POST, user: "bob", quote: "margin", selectors: [], note: "", color: "yellow", tags: [], visibility: "public", version: 1, deleted: false, ...over });
const event = (annotation) => ({ type: "annotation", annotation });
const ids = (items) => items.map((item) => item.id);

test("a new annotation is added to the list, an edit replaces it in place", () => {
  let items = [note("a")];
  items = applyEvent(items, event(note("b")));
  assert.deepEqual(ids(items), ["a", "b"]);
  items = applyEvent(items, event(note("a", { color: "blue", version: 2 })));
  assert.deepEqual(ids(items), ["a", "b"]);
  assert.equal(items[0].color, "blue");
});

// A tombstone as the server sends it: no content, no passage.
const gone = (id, over = {}) => note(id, { deleted: true, quote: "", selectors: [], note: "", ...over });

test("a tombstone or a removal takes it out; one the list does not have changes nothing", () => {
  const items = [note("a"), note("b")];
  assert.deepEqual(ids(applyEvent(items, event(gone("a", { version: 2 })))), ["b"]);
  assert.deepEqual(ids(applyEvent(items, { type: "removed", id: "b" })), ["a"]);
  assert.equal(applyEvent(items, event(gone("z"))), items);
  assert.deepEqual(ids(applyEvent(items, { type: "removed", id: "z" })), ["a", "b"]);
});

test("a tombstone that still heads a thread of replies takes its note's place, until its last reply goes", () => {
  const selectors = [{ type: "TextQuoteSelector", exact: "margin" }];
  let items = [note("a", { selectors, reply_count: 2 }), note("b")];
  // Deleted while replies answer it: the server keeps its passage, and it stays listed.
  items = applyEvent(items, event(gone("a", { quote: "margin", selectors, version: 2 })));
  assert.deepEqual(ids(items), ["a", "b"]);
  assert.equal(items[0].deleted, true);
  assert.equal(items[0].note, "");
  // Its last reply deleted: the server drops its passage too, and it goes.
  items = applyEvent(items, event(gone("a", { version: 3 })));
  assert.deepEqual(ids(items), ["b"]);
  // A page note has no passage: the count of the copy it replaces tells (a stream's event has none).
  items = applyEvent([note("p", { quote: "", reply_count: 1 })], event(gone("p", { version: 2 })));
  assert.deepEqual(ids(items), ["p"]);
  assert.deepEqual(ids(applyEvent(items, event(gone("p", { version: 3 })))), []);
  // A reply's tombstone is never one of the post's annotations.
  assert.equal(headsThread(gone("r", { reply_to: "a", quote: "margin" })), false);
});

test("a page note's tombstone heads a thread by the count the stream sends, whatever the copy held", () => {
  // Listed before it had replies (or came live, with no count yet): the event's count tells.
  const fresh = [note("p", { quote: "", reply_count: 0 }), note("b")];
  let items = applyEvent(fresh, event(gone("p", { version: 2, reply_count: 1 })));
  assert.deepEqual(ids(items), ["p", "b"]);
  assert.equal(items[0].deleted, true);
  assert.deepEqual(ids(applyEvent([note("b")], event(gone("p", { version: 2, reply_count: 2 })))), ["b", "p"]);
  // Replies the reader may not see are not counted for them: a count of 0 takes it out, even
  // where the copy it replaces had replies.
  items = [note("p", { quote: "", reply_count: 1 }), note("b")];
  assert.deepEqual(ids(applyEvent(items, event(gone("p", { version: 2, reply_count: 0 })))), ["b"]);
  assert.equal(headsThread(gone("r", { reply_to: "a", quote: "margin" })), false);
});

test("a queued delete of a note with replies leaves its tombstone in the list; without, nothing", () => {
  const items = [note("a", { reply_count: 1, note: "mine" }), note("b", { reply_count: 0 })];
  const queue = [{ seq: 1, kind: "delete", id: "a", post: POST }, { seq: 2, kind: "delete", id: "b", post: POST }];
  const out = overlay(items, queue, [], KEY, "bob");
  assert.deepEqual(ids(out), ["a"]);
  assert.equal(out[0].deleted, true);
  assert.equal(out[0].note, "");
  assert.equal(out[0].pending, true);
});

test("an event older than the copy the list holds does not take it back", () => {
  const items = [note("a", { color: "green", version: 3 })];
  assert.equal(applyEvent(items, event(note("a", { color: "pink", version: 2 })))[0].color, "green");
});

test("applying the same event twice (a replay) leaves the list as once", () => {
  const once = applyEvent([note("a")], event(note("b")));
  assert.deepEqual(applyEvent(once, event(note("b"))), once);
});

test("the stream's events read as changes keyed by their post; a reset is said; bad data skipped", () => {
  const { changes, reset } = changesOf([
    { id: "1", type: "annotation", data: JSON.stringify(note("a")) },
    { id: "2", type: "removed", data: '{"id":"b"}' },
    { id: "3", type: "annotation", data: "not json" },
    { id: "4", type: "message", data: '{"id":"c"}' },
  ]);
  assert.deepEqual(changes.map((c) => [c.type, c.key]), [["annotation", KEY], ["removed", null]]);
  assert.equal(changes[1].id, "b");
  assert.equal(reset, false);
  assert.equal(changesOf([{ id: "5", type: "reset", data: '{"reason":"expired"}' }]).reset, true);
});

test("an event's post names the same key as the page's post", () => {
  const page = { site: "blog.example.org", post_id: 42, url: "https://blog.example.org/?p=42", canonical: null };
  assert.equal(groupKey(wirePost(page)), KEY);
});

test("the reader's own create coming back through the stream is one annotation, still pending while queued", () => {
  const mine = note("m", { user: "alice", visibility: "private" });
  const queue = [{ seq: "1", kind: "create", id: "m", post: wirePost(POST), body: { ...mine }, user: "alice" }];
  const cached = applyEvent([], event(mine));
  const shown = overlay(cached, queue, [], KEY, "alice");
  assert.deepEqual(ids(shown), ["m"]);
  assert.equal(shown[0].pending, true);
});

test("an edit the reader has not synced yet is not undone by an event for that annotation", () => {
  // The reader made it blue; the stream brings another device's earlier change (a note).
  const queue = [{ seq: "1", kind: "update", id: "a", post: wirePost(POST), changes: { color: "blue" }, user: "alice" }];
  const cached = applyEvent([note("a", { user: "alice" })], event(note("a", { user: "alice", note: "from the phone", version: 2 })));
  const [shown] = overlay(cached, queue, [], KEY, "alice");
  assert.equal(shown.color, "blue");
  assert.equal(shown.note, "from the phone");
  assert.equal(shown.pending, true);
});

test("an annotation the reader deleted and has not synced stays deleted when an edit of it arrives", () => {
  const queue = [{ seq: "1", kind: "delete", id: "a", post: wirePost(POST), user: "alice" }];
  const cached = applyEvent([note("a", { user: "alice" })], event(note("a", { user: "alice", color: "pink", version: 2 })));
  assert.deepEqual(overlay(cached, queue, [], KEY, "alice"), []);
});

test("a list read with no event since its mark is laid over with nothing", () => {
  const items = [note("a")];
  assert.deepEqual(replaySince(liveMark(), KEY, items), items);
});

test("a reply arriving on the stream is not added to its post's list of passages", () => {
  const reply = { ...note("r"), quote: "", selectors: [], reply_to: "a", note: "I agree" };
  const { changes } = changesOf([{ type: "annotation", data: JSON.stringify(reply) },
    { type: "annotation", data: JSON.stringify(note("b")) }]);
  assert.deepEqual(changes.map((c) => c.annotation.id), ["b"]);
});

test("a reply arriving on the stream names its thread for the tabs showing its post", () => {
  const reply = { ...note("r"), quote: "", selectors: [], reply_to: "a", note: "I agree" };
  const { replies } = changesOf([{ type: "annotation", data: JSON.stringify(reply) }]);
  assert.deepEqual(replies, [{ id: "r", reply_to: "a", key: KEY }]);
});
