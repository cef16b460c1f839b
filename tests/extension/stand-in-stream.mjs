// A stand-in for the server's `GET /api/stream`, for the live code's tests (the background's and
// the embed's): it replaces `fetch`, and each call opens a stream the test writes events into,
// ends, or sees aborted, with what the request named (address, headers, credentials) kept.

import { groupKey } from "../../extension/src/post-key/index.js";

export const SERVER = "http://postil.example";
export const POST = { site: "blog.example.org", post_id: 42, url: "https://blog.example.org/on-margins/" };
export const KEY = groupKey(POST);

/** An annotation of POST as the server lists it, with `over` laid on it. */
export const note = (id, over = {}) => ({ id, post: { id: 1, ...POST, title: "" }, user: "bob", quote: "q", selectors: [], note: "", color: "yellow", tags: [], visibility: "public", version: 1, deleted: false, ...over });

/** One event as the server writes it. */
export const frame = (id, type, data) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/** The streams opened so far, oldest first: {url, headers, credentials, write(text), end()}. */
export const streams = [];

globalThis.fetch = async (url, init) => {
  let controller;
  const body = new ReadableStream({ start(c) { controller = c; } });
  init.signal?.addEventListener("abort", () => {
    try {
      controller.error(new Error("aborted"));
    } catch {
      // already closed
    }
  });
  streams.push({
    url, headers: init.headers, credentials: init.credentials,
    write: (text) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
};

/** Wait (polling every 10 ms, `ms` at most) until `fn()` gives something true; return it. */
export async function until(what, fn, ms = 8000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await fn();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
