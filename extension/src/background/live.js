// Live updates: while a tab shows a post, the background follows the server's change stream
// (`GET /api/stream`) and tells that tab which of its annotations changed.
//
// One stream for everything the reader may see, not one per post: a stream holds a connection
// open, and a browser gives one server only six over HTTP/1.1, so a stream per shown post would
// starve the queue and the lists once a few tabs were open (a page may show twenty posts, its
// own and the stories appended below it). Events for posts no tab shows still update the
// cached copy of posts read before, so an offline reload shows them too.
//
// A tab's content script keeps a port (PORTS.LIVE) open and says which posts it shows; the
// stream is open while any tab watches. fetch with the Bearer token reads the stream (no token
// in a URL, no ticket to fetch first); each event updates the cached copy of its post
// (storage.local, as listAnnotations left it) and the tabs showing that post are told the ids,
// which they read back with ANNOTATIONS_STATE (cache plus the offline queue's overlay, at the
// moment they apply it, so a change the reader has not synced yet is never undone). The last
// event id is kept in storage.session: a worker stopped and woken again by a tab's port, or a
// stream cut by the network or a server restart, resumes with Last-Event-ID and nothing is lost
// or repeated. A stream opened without one (the first, or after the sign-in changed) cannot know
// what changed since a list read before it opened: the tabs that read theirs before are told to
// reload ("reset"), as all are when the server says so. A page that lists every post's
// annotations (the notebook) watches `all` and is sent the changed annotations themselves. When no tab follows any more the stream
// closes and its id is forgotten: the next tab reads its list fresh anyway.

import { groupKey } from "../post-key/index.js";
import { backoffDelay } from "../shared/backoff.js";
import { onConnect, sessionStorage, storage } from "../shared/browser.js";
import { PORTS } from "../shared/messages.js";
import { groupsMayHaveChanged } from "./groups.js";
import { refreshUnread } from "./replies.js";
import { buildUrl } from "./server.js";
import { applyEvent, changesOf } from "./live-events.js";
import { readEventStream } from "./sse.js";
import { connection, read, update } from "./state.js";

export { applyEvent, changesOf } from "./live-events.js";

const CURSOR_KEY = "liveCursor";
// Tabs come and go on navigation: the stream waits this long for another before it closes.
const LINGER_MS = 5_000;
// How long a page waits for a stream being opened before it reads its lists anyway.
export const PLACE_WAIT_MS = 1000;
// Events kept to lay over a list whose request was on its way while they came.
const RECENT_LIMIT = 500;

const watchers = new Map(); // port → {keys: the group keys of the posts its page shows, listed}
const listsStarted = new Map(); // group key → when (`tick`) this worker last began reading its list
let tick = 0; // orders list reads and stream openings
let opening = null; // settles once the stream being opened has its answer
let placed = () => {};

function placing() {
  let settle;
  opening = new Promise((resolve) => {
    settle = resolve;
  });
  placed = () => {
    opening = null;
    placed = () => {};
    settle();
  };
}
let following = null; // the loop, while it runs
let current = null; // {controller, who} of the open (or opening) stream
let wake = null; // ends a wait between two tries early
let lingerTimer = null;
const recent = [];
let counter = 0;

/** Listen for tabs' ports and sign-in changes; index.js calls this once. */
export function startLive() {
  onConnect(PORTS.LIVE, (port) => {
    watchers.set(port, { keys: new Set(), listed: false, all: false });
    port.onMessage.addListener((message) => {
      // "ping" needs no answer: its arrival is what keeps a service worker awake.
      if (message?.type !== "watch") return;
      // `all`: a page that lists annotations of every post (the notebook) hears of every change.
      watchers.set(port, { keys: new Set((message.posts ?? []).map(groupKey)), listed: message.listed === true, all: message.all === true });
      clearTimeout(lingerTimer);
      follow();
      // The page reads its lists once the stream is placed: then they miss nothing it brings.
      streamPlaced(PLACE_WAIT_MS).then(() => {
        try {
          port.postMessage({ type: "placed" });
        } catch {
          // gone meanwhile
        }
      });
    });
    port.onDisconnect.addListener(() => {
      watchers.delete(port);
      if (!watchers.size) linger();
    });
  });
  storage.onChanged((changes) => {
    if (changes.auth || changes.settings) reconsider().catch(() => {});
  });
}

/**
 * A mark to take before reading post `key`'s list from the server (see `replaySince`); it also
 * notes when, so that a stream opened afterwards knows that list may miss what came between.
 */
export function liveMark(key) {
  listsStarted.set(key, ++tick);
  return counter;
}

/**
 * Wait (`ms` at most) for a stream being opened to be placed by the server: a list read after
 * that misses nothing the stream will not bring, and its tab need not read it twice. A page's
 * first load opens the stream and reads its list at once; this puts the list second.
 */
export function streamPlaced(ms) {
  if (!opening) return Promise.resolve();
  return Promise.race([opening, new Promise((resolve) => setTimeout(resolve, ms))]);
}

/**
 * Lay over a list read from the server the events that arrived while it was being read: they
 * were applied to the cache before the list replaced it. Run inside the update that stores it.
 */
export function replaySince(mark, key, items) {
  let out = items;
  for (const change of recent) {
    if (change.n <= mark) continue;
    if (change.key === key || out.some((item) => item.id === (change.id ?? change.annotation.id))) {
      out = applyEvent(out, change);
    }
  }
  return out;
}

function follow() {
  if (!following && watchers.size) {
    // A list asked for from now on waits for this stream's answer (streamPlaced).
    placing();
    following = loop().finally(() => {
      following = null;
      current = null;
    });
  }
}

function linger() {
  clearTimeout(lingerTimer);
  lingerTimer = setTimeout(() => {
    if (!watchers.size) current?.controller.abort();
  }, LINGER_MS);
}

/** The sign-in or the server changed: a stream opened as someone else starts again. */
async function reconsider() {
  const { server, user } = await connection();
  if (current && current.who !== whoOf(server, user)) current.controller.abort();
  wake?.();
}

function whoOf(server, user) {
  return `${server} ${user ?? ""}`;
}

async function loop() {
  let failures = 0;
  while (watchers.size) {
    if (!opening) placing();
    const { server, token, user } = await connection();
    const who = whoOf(server, user);
    const saved = await sessionStorage.get(CURSOR_KEY).catch(() => null);
    const cursor = saved?.who === who ? saved.id : "";
    const controller = new AbortController();
    current = { controller, who };
    let wait;
    try {
      const headers = { Accept: "text/event-stream" };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (cursor) headers["Last-Event-ID"] = cursor;
      const response = await fetch(buildUrl(server, "api/stream"), { headers, credentials: "omit", cache: "no-store", signal: controller.signal })
        .finally(placed);
      // The server has placed the stream by the time it answers: a list begun later misses nothing.
      const opened = ++tick;
      if (!response.ok) {
        response.body?.cancel().catch(() => {});
        wait = refusalDelay(response, failures++);
      } else {
        // Nothing tells what changed between the lists read before now and now: the tabs that
        // read theirs before (or under a worker since stopped) read them again.
        if (!cursor) tell(({ keys, listed }) => (listed || [...keys].some((key) => listsStarted.get(key) < opened) ? { type: "reset" } : null));
        const healthy = await readEventStream(response, controller, (events, lastEventId) =>
          events.length ? receive(events, lastEventId, { who, user }) : undefined);
        failures = healthy ? 0 : failures;
        wait = backoffDelay(failures++);
      }
    } catch {
      wait = backoffDelay(failures++);
    }
    placed();
    current = null;
    if (!watchers.size) break;
    await pause(wait);
  }
  // No tab follows any more: the next one reads its lists fresh, and replaying everything
  // since now (the notebook's posts, every post) would only cost.
  await sessionStorage.set(CURSOR_KEY, null).catch(() => {});
}

/** How long to wait after the server refused the stream. */
function refusalDelay(response, failures) {
  const after = Number(response.headers.get("Retry-After"));
  if (response.status === 503 && after > 0) return after * 1000;
  // A sign-in the server no longer takes: signing in again ends the wait (reconsider).
  if (response.status === 401) return backoffDelay(10);
  if (response.status === 404) return backoffDelay(10); // a server without live updates
  return backoffDelay(failures);
}

function pause(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = null;
      resolve();
    }
    wake = done;
  });
}

/** Apply a piece of the stream: the cache, then the cursor, then the tabs. */
async function receive(events, lastEventId, { who, user }) {
  const { changes, reset, replies } = changesOf(events);
  // A reply may be one to the reader: the button's count asks again.
  if (replies.length) refreshUnread().catch(() => {});
  for (const change of changes) recent.push({ n: ++counter, ...change });
  recent.splice(0, Math.max(0, recent.length - RECENT_LIMIT));
  const touched = new Map(); // key → ids
  const note = (key, id) => {
    if (!touched.has(key)) touched.set(key, new Set());
    touched.get(key).add(id);
  };
  const removed = new Set();
  for (const change of changes) {
    if (change.type === "removed") removed.add(change.id);
    else note(change.key, change.annotation.id);
  }
  if (changes.length && (await touchesCache(changes, user))) {
    await update(["cache"], (state) => {
      if (!state.cache) return;
      for (const [key, entry] of Object.entries(state.cache)) {
        if (entry?.user !== user || !Array.isArray(entry.items)) continue;
        let items = entry.items;
        for (const change of changes) {
          const id = change.id ?? change.annotation.id;
          // By the post the event names, or (a post named by another address) where it is.
          if (change.key === key || items.some((item) => item.id === id)) {
            items = applyEvent(items, change);
            if (change.type === "annotation") note(key, id);
          }
        }
        entry.items = items;
      }
    });
  }
  // Saved once the cache holds the events: a worker stopped in between hears them again.
  if (lastEventId) await sessionStorage.set(CURSOR_KEY, { who, id: lastEventId }).catch(() => {});
  if (reset) {
    // What the reader may see changed: maybe their role in a group, which the pages' buttons follow.
    await groupsMayHaveChanged().catch(() => {});
    tell(() => ({ type: "reset" }));
    return;
  }
  tell(({ keys, all }) => {
    if (all) {
      const annotations = changes.filter((change) => change.type === "annotation").map((change) => change.annotation);
      if (!annotations.length && !removed.size) return null;
      return { type: "changed", annotations, removed: [...removed] };
    }
    const byKey = {};
    for (const key of keys) if (touched.has(key)) byKey[key] = [...touched.get(key)];
    const replied = replies.filter((reply) => keys.has(reply.key)).map(({ id, reply_to }) => ({ id, reply_to }));
    if (!Object.keys(byKey).length && !removed.size && !replied.length) return null;
    return { type: "changed", byKey, removed: [...removed], ...(replied.length ? { replied } : {}) };
  });
}

/** Whether any change concerns a post whose copy this reader keeps (most do not, on a busy server). */
async function touchesCache(changes, user) {
  const { cache = {} } = await read(["cache"]);
  return Object.entries(cache).some(([key, entry]) => entry?.user === user && Array.isArray(entry.items) &&
    changes.some((change) => change.key === key || entry.items.some((item) => item.id === (change.id ?? change.annotation.id))));
}

/** Send each watching port what `messageFor({keys, listed})` makes of it (null: nothing). */
function tell(messageFor) {
  for (const [port, watching] of watchers) {
    const message = messageFor(watching);
    if (!message) continue;
    try {
      port.postMessage(message);
    } catch {
      watchers.delete(port);
    }
  }
}
