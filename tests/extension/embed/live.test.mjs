// extension/src/embed/live.js against a stand-in server: the embed's own stream names the page's
// post, sends no token when nobody is signed in, lays each event over the list the page read
// and tells the page which ids changed; a stream that ends is opened again from where it was
// (`last_event_id=`), with no reload asked; after a sign-in it starts afresh with the Bearer
// token and asks the page to read its lists again; `stop` ends it for good.

import assert from "node:assert/strict";
import { test } from "node:test";
import { EmbedStream, keepList, listMark, listState, readerChanged } from "../../../extension/src/embed/live.js";
import { frame, KEY, note, POST, SERVER, streams, until } from "../stand-in-stream.mjs";

test("the embed's stream follows the post, resumes where it was, starts afresh for a new reader", async () => {
  const told = [];
  let token = null;
  const stream = new EmbedStream(SERVER, (m) => told.push(m), () => token);
  const placed = stream.watch([POST], false);
  const first = await until("a stream", () => streams[0]);
  await placed;
  assert.equal(new URL(first.url).pathname, "/api/stream");
  assert.equal(new URL(first.url).searchParams.get("site"), POST.site);
  assert.equal(new URL(first.url).searchParams.get("post_id"), "42");
  assert.equal(new URL(first.url).searchParams.get("last_event_id"), null);
  assert.equal(first.headers.Authorization, undefined);
  assert.equal(first.credentials, "omit");

  // The page reads its list (an event meanwhile is laid over it), then the stream brings more.
  const mark = listMark();
  first.write(frame("c1", "annotation", note("a", { color: "pink" })));
  await until("the first event", () => told.length === 1);
  assert.deepEqual(keepList(KEY, mark, [note("old")]).map((i) => [i.id, i.color]), [["old", "yellow"], ["a", "pink"]]);
  first.write(frame("c2", "annotation", note("old", { color: "green", version: 2 })) + frame("c3", "removed", { id: "a" }));
  await until("told of the change", () => told.length === 2);
  assert.deepEqual(told[1], { type: "changed", byKey: { [KEY]: ["old"] }, removed: ["a"] });
  assert.deepEqual(listState(KEY, ["old", "a"]).items.map((i) => [i.id, i.color]), [["old", "green"]]);
  assert.equal(listState("another.example/post", ["old"]), null);

  // Cut off: opened again from c3, and the page is not asked to reload.
  stream.watch([POST], true);
  first.end();
  const second = await until("a second stream", () => streams[1], 15000);
  assert.equal(new URL(second.url).searchParams.get("last_event_id"), "c3");
  assert.ok(!told.some((m) => m.type === "reset"));

  // Signed in: a stream of the reader's own, with the token, from nowhere: the page reads again.
  token = "tok-alice";
  readerChanged();
  const third = await until("a signed-in stream", () => streams[2]);
  assert.equal(third.headers.Authorization, "Bearer tok-alice");
  assert.equal(new URL(third.url).searchParams.get("last_event_id"), null);
  await until("asked to read again", () => told.some((m) => m.type === "reset"));

  stream.stop();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(streams.length, 3);
});
