// extension/src/background/live.js as a whole, against a stand-in server: one stream with the
// Bearer token and no token in its address; an event updates the cached copy of its post and
// the tab showing it hears which ids changed; a stream that ends is opened again with the last
// event id (Last-Event-ID, kept in storage.session), and then no tab is asked to reload; one
// opened without it (a new sign-in) asks the tabs that had read their lists to read them again.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { storageLocal, storageSession } from "../fake-browser.mjs";
import { startLive } from "../../../extension/src/background/live.js";
import { frame, KEY, note, POST, SERVER, streams, until } from "../stand-in-stream.mjs";

function fakePort() {
  const port = { name: "live", sent: [], postMessage(m) { port.sent.push(structuredClone(m)); } };
  port.onMessage = { addListener(fn) { port.say = fn; } };
  port.onDisconnect = { addListener(fn) { port.close = fn; } };
  return port;
}

const port = fakePort();
after(() => port.close?.()); // no tab left: the stream closes, and the test process can end

test("the stream follows, resumes where it stopped, and starts afresh for another reader", async () => {
  await storageLocal.set({
    settings: { server: SERVER }, auth: { server: SERVER, token: "tok-alice", user: "alice" },
    cache: { [KEY]: { items: [note("old")], user: "alice", at: 0 } },
  });
  startLive();
  globalThis.chrome.runtime.onConnect.fire(port);
  port.say({ type: "watch", posts: [POST], listed: false });

  const first = await until("a stream", () => streams[0]);
  assert.equal(first.url, `${SERVER}/api/stream`);
  assert.equal(first.headers.Authorization, "Bearer tok-alice");
  assert.equal(first.headers["Last-Event-ID"], undefined);

  first.write(": keepalive\n\n" + frame("c1", "annotation", note("a", { color: "pink" })));
  const heard = await until("the tab told", () => port.sent.find((m) => m.type === "changed"));
  assert.deepEqual(heard, { type: "changed", byKey: { [KEY]: ["a"] }, removed: [] });
  const { cache } = await storageLocal.get("cache");
  assert.deepEqual(cache[KEY].items.map((i) => [i.id, i.color]), [["old", "yellow"], ["a", "pink"]]);
  assert.deepEqual((await storageSession.get("liveCursor")).liveCursor, { who: `${SERVER} alice`, id: "c1" });

  first.write(frame("c2", "annotation", note("old", { deleted: true, quote: "", version: 2 })) + frame("c3", "removed", { id: "a" }));
  await until("both applied", async () => (await storageLocal.get("cache")).cache[KEY].items.length === 0);
  await until("the removal told", () => port.sent.some((m) => m.type === "changed" && m.removed.includes("a")));

  // The server goes away mid-stream: the next stream asks for what came after c3.
  first.end();
  const second = await until("a second stream", () => streams[1]);
  assert.equal(second.headers["Last-Event-ID"], "c3");
  assert.equal(port.sent.filter((m) => m.type === "reset").length, 0);

  // Another reader signs in on this browser: a stream as them, from now, and the tab (which
  // has read its lists) reads them again.
  port.say({ type: "watch", posts: [POST], listed: true });
  await storageLocal.set({ auth: { server: SERVER, token: "tok-bob", user: "bob" } });
  globalThis.chrome.storage.onChanged.fire({ auth: { newValue: {} } }, "local");
  const third = await until("a stream as bob", () => streams[2]);
  assert.equal(third.headers.Authorization, "Bearer tok-bob");
  assert.equal(third.headers["Last-Event-ID"], undefined);
  await until("the tab asked to reload", () => port.sent.some((m) => m.type === "reset"));
  // Bob has no copy of the post: an event for it changes no cache, but the tab still hears it.
  third.write(frame("d1", "annotation", note("b")));
  await until("bob's tab told", () => port.sent.some((m) => m.type === "changed" && m.byKey[KEY]?.includes("b")));
  assert.equal((await storageLocal.get("cache")).cache[KEY].items.length, 0);
});
