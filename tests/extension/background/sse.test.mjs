// extension/src/background/sse.js: the stream's text, however the network cuts it into pieces,
// gives the same events, ids and comments as the Server-Sent Events format says.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser } from "../../../extension/src/background/sse.js";

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
