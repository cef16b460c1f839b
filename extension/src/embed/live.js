// The embed's live updates: what the extension's background does for its tabs (background/
// live.js), done in the page for the one page that runs the embed. The page modules' LiveFollow
// (content/live.js) is the same in both hosts; its port here is embed/browser.js's `connect`,
// which hands its `watch` to `follow` below, and what the stream brings comes back through it as
// `changed` or `reset`, applied by content/sync.js as in the extension.
//
// Anonymous by default: the stream is read with fetch and no token or cookie (`credentials:
// "omit"`), so the server sends public annotations only (a host that signs its reader in gives
// a `token()`, sent as a Bearer header, never a cookie). It names the page's post (several posts shown: every
// public change, kept to those posts), asks with `last_event_id=` in the query rather than the
// header (no CORS preflight), and, cut off, resumes where it was: nothing is lost or repeated.
// The lists the embed read (`listPublic` in background.js) are kept here in the page's memory,
// and each event is laid over them, so that a tab's read-back (ANNOTATIONS_STATE) finds it.
// `stop` (the embed yields to the extension) ends the stream for good.

import { buildUrl } from "../background/server.js";
import { applyEvent, changesOf } from "../background/live-events.js";
import { readEventStream } from "../background/sse.js";
import { groupKey, postQuery } from "../post-key/index.js";
import { backoffDelay } from "../shared/backoff.js";

// How long the page's first load waits for the stream before it reads its lists anyway.
const PLACE_WAIT_MS = 1000;
// Events kept to lay over a list whose request was on its way while they came.
const RECENT_LIMIT = 500;

const lists = new Map(); // group key → the post's public annotations, as the stream keeps them
const recent = []; // [{n, ...change}]: the latest changes, for lists read while they came
let counter = 0;

/** A mark to take before reading post `key`'s list: `keepList` lays what came since over it. */
export function listMark() {
  return counter;
}

/** Keep the list read for post `key` (events since `mark` laid over it); return it. */
export function keepList(key, mark, items) {
  let out = items;
  for (const change of recent) {
    if (change.n <= mark) continue;
    if (change.key === key || out.some((item) => item.id === (change.id ?? change.annotation.id))) out = applyEvent(out, change);
  }
  lists.set(key, out);
  return out;
}

/** The kept copies of annotations `ids` of post `key`, or null when the embed read no list of it. */
export function listState(key, ids) {
  const items = lists.get(key);
  if (!items) return null;
  const wanted = new Set(ids);
  return { items: items.filter((item) => wanted.has(item.id)) };
}

const streams = new Set(); // the page's open streams (one, while the embed shows)

/** The reader signed in or out (the embed's sign-in): every open stream starts again as them. */
export function readerChanged() {
  for (const stream of streams) stream.reconsider();
}

/**
 * The one stream of the page; `tell(message)` gives its news to the page's LiveFollow. `token()`
 * names the signed-in reader's token, or null (anonymous: the default); after a sign-in or out
 * `reconsider()` (or `readerChanged()`, for every open stream) starts the stream again as the
 * reader now is (a stream's place is its reader's:
 * the new one starts fresh, and the page reads its lists again).
 */
export class EmbedStream {
  constructor(server, tell, token = () => null) {
    this.server = server;
    this.tell = tell;
    this.token = token;
    this.streamToken = null; // whose the stream (and its cursor) is
    this.keys = new Set();
    this.query = null;
    this.cursor = "";
    this.listed = false;
    this.controller = null;
    this.running = null;
    this.wake = null;
    this.stopped = false;
    this.placedNow = () => {};
    streams.add(this);
  }

  /** The page shows `posts` (`listed`: it read their lists already); resolves once placed. */
  watch(posts, listed) {
    if (this.stopped) return Promise.resolve();
    this.listed = listed;
    this.keys = new Set(posts.map(groupKey));
    const query = posts.length === 1 ? postQuery(posts[0]) : {};
    const changed = JSON.stringify(query) !== JSON.stringify(this.query);
    this.query = query;
    if (!changed && this.running) return Promise.resolve();
    const placed = new Promise((resolve) => {
      this.placedNow = resolve;
      setTimeout(resolve, PLACE_WAIT_MS);
    });
    if (this.running) {
      // Another post: the stream starts again for it, from where the last one was.
      this.controller?.abort();
      this.wake?.();
    } else {
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    }
    return placed;
  }

  /** The reader signed in or out: a stream opened as someone else starts again. */
  reconsider() {
    if (this.running && (this.token() ?? null) !== this.streamToken) {
      this.controller?.abort();
      this.wake?.();
    }
  }

  stop() {
    streams.delete(this);
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
  }

  async loop() {
    let failures = 0;
    while (!this.stopped) {
      const controller = new AbortController();
      this.controller = controller;
      const token = this.token() ?? null;
      if (token !== this.streamToken) {
        this.streamToken = token;
        this.cursor = "";
      }
      const query = { ...this.query };
      const fresh = !this.cursor;
      if (this.cursor) query.last_event_id = this.cursor;
      const headers = { Accept: "text/event-stream" };
      if (token) headers.Authorization = `Bearer ${token}`;
      let wait;
      try {
        const response = await fetch(buildUrl(this.server, "api/stream", query), {
          headers, credentials: "omit", cache: "no-store", signal: controller.signal,
        }).finally(() => this.placedNow());
        if (!response.ok) {
          response.body?.cancel().catch(() => {});
          const after = Number(response.headers.get("Retry-After"));
          // 404: a server without live updates; 401: a session ended (signing in again wakes it).
          wait = response.status === 503 && after > 0 ? after * 1000
            : backoffDelay([401, 404].includes(response.status) ? 10 : failures++);
        } else {
          // Opened with no place to resume from: what changed since the page read its lists is
          // unknown, so it reads them again.
          if (fresh && this.listed) this.tell({ type: "reset" });
          const healthy = await readEventStream(response, controller, (events, lastEventId) => {
            if (lastEventId) this.cursor = lastEventId;
            if (events.length && !this.stopped) this.receive(events);
          });
          if (healthy) failures = 0;
          wait = controller.signal.aborted && !this.stopped ? 0 : backoffDelay(failures++);
        }
      } catch {
        wait = controller.signal.aborted ? 0 : backoffDelay(failures++);
      }
      this.placedNow();
      if (this.stopped) break;
      await this.pause(wait);
    }
  }

  pause(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  /** Lay a piece of the stream over the kept lists and tell the page which of its posts changed. */
  receive(events) {
    const { changes, reset, replies } = changesOf(events);
    if (reset) {
      this.tell({ type: "reset" });
      return;
    }
    const byKey = {};
    const removed = [];
    for (const change of changes) {
      recent.push({ n: ++counter, ...change });
      const id = change.id ?? change.annotation.id;
      if (change.type === "removed") removed.push(id);
      for (const [key, items] of lists) {
        if (change.key !== key && !items.some((item) => item.id === id)) continue;
        lists.set(key, applyEvent(items, change));
        if (change.type === "annotation") (byKey[key] ??= []).push(id);
      }
      if (change.type === "annotation" && this.keys.has(change.key) && !lists.has(change.key)) (byKey[change.key] ??= []).push(id);
    }
    recent.splice(0, Math.max(0, recent.length - RECENT_LIMIT));
    for (const key of Object.keys(byKey)) if (!this.keys.has(key)) delete byKey[key];
    const replied = replies.filter((reply) => this.keys.has(reply.key)).map(({ id, reply_to }) => ({ id, reply_to }));
    if (!Object.keys(byKey).length && !removed.length && !replied.length) return;
    this.tell({ type: "changed", byKey, removed, ...(replied.length ? { replied } : {}) });
  }
}
