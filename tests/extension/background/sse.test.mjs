// extension/src/background/sse.js: the stream's text, however the network cuts it into pieces,
// gives the same events, ids and comments as the Server-Sent Events format says.

import assert from "node:assert/strict";
import { test } from "node:test";
import { readEventStream, SseParser } from "../../../extension/src/background/sse.js";

const STREAM = [
  "retry: 2000\n\n",
  ": keepalive\n\n",
  'id: c1\nevent: annotation\ndata: {"id":"a","note":"first"}\n\n',
  'id: c2\nevent: removed\ndata: {"id":"b"}\n\n',
  "id: c3\nevent: reset\ndata: {\"reason\":\"access_changed\"}\n\n",
].join("");

const EXPECTED = [
  { id: "c1", type: "annotation", data: '{"id":"a","note":"first"}' },
  { id: "c2", type: "removed", data: '{"id":"b"}' },
  { id: "c3", type: "reset", data: '{"reason":"access_changed"}' },
];

test("a whole stream gives its events with their ids, and the retry hint", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed(STREAM), EXPECTED);
  assert.equal(parser.lastEventId, "c3");
  assert.equal(parser.retry, 2000);
});

test("cut at every place, in pieces of every size, the stream gives the same events", () => {
  for (let size = 1; size <= 12; size++) {
    const parser = new SseParser();
    const got = [];
    for (let at = 0; at < STREAM.length; at += size) got.push(...parser.feed(STREAM.slice(at, at + size)));
    assert.deepEqual(got, EXPECTED, `pieces of ${size}`);
  }
});

test("an event is given only once its blank line has come", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed('id: 7\nevent: annotation\ndata: {"id":"a"}\n'), []);
  assert.deepEqual(parser.feed("\n"), [{ id: "7", type: "annotation", data: '{"id":"a"}' }]);
});

test("CRLF and lone CR end lines too, a CRLF split across two pieces is one line break", () => {
  const parser = new SseParser();
  const got = [...parser.feed("id: 1\r\nevent: removed\r\ndata: x\r"), ...parser.feed("\n\r\n"),
    ...parser.feed("data: y\r\r")];
  assert.deepEqual(got, [{ id: "1", type: "removed", data: "x" }, { id: "1", type: "message", data: "y" }]);
});

test("several data lines join with a newline; one space after the colon is dropped, no more", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed("data:one\ndata:  two\ndata\n\n"), [{ id: "", type: "message", data: "one\n two\n" }]);
});

test("an id without data moves the last id but dispatches nothing; comments are skipped", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed(": hello\nid: 42\n\n: keepalive\n\n"), []);
  assert.equal(parser.lastEventId, "42");
});

test("a byte order mark at the start is not part of the first field", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed("\ufeffdata: a\n\n"), [{ id: "", type: "message", data: "a" }]);
});

/** A fetch response whose body brings `pieces` one by one, then ends (or stays open: `hang`). */
function streamed(pieces, hang = false) {
  const encoder = new TextEncoder();
  let cancelled = false;
  const body = new ReadableStream({
    async pull(controller) {
      if (pieces.length) controller.enqueue(encoder.encode(pieces.shift()));
      else if (!hang) controller.close();
      else await new Promise(() => {});
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body), wasCancelled: () => cancelled };
}

test("a stream read to its end hands every piece over in order, with the last id so far", async () => {
  const pieces = [STREAM.slice(0, 40), STREAM.slice(40, 130), STREAM.slice(130)];
  const { response } = streamed(pieces);
  const seen = [];
  const healthy = await readEventStream(response, new AbortController(), async (events, lastEventId) => {
    await Promise.resolve();
    seen.push({ events, lastEventId });
  });
  assert.equal(healthy, true, "a stream that brought events was healthy");
  assert.deepEqual(seen.flatMap((piece) => piece.events), EXPECTED);
  assert.equal(seen.at(-1).lastEventId, "c3");
  assert.equal(seen.length, 3, "every piece is handed over, even one that completed no event");
});

test("a stream that ends at once with only comments was no healthy one", async () => {
  const { response } = streamed([": keepalive\n\n"]);
  const healthy = await readEventStream(response, new AbortController(), () => {});
  assert.equal(healthy, false);
});

test("a receiver that throws ends the reading quietly and the body is let go", async () => {
  const { response, wasCancelled } = streamed([STREAM], true);
  const healthy = await readEventStream(response, new AbortController(), () => {
    throw new Error("the tab went away");
  });
  assert.equal(healthy, true, "it had brought events");
  assert.equal(wasCancelled(), true);
});
