// The embed's stand-in for shared/browser.js: what the content modules reach the extension
// through, hosted in the page instead (scripts/build_extension.py puts this module where
// shared/browser.js would be when it joins the embed; nothing else differs).
//
// `send` goes to the page background (background.js) instead of the extension's, `connect`
// gives the live port, answered by the page's own stream (live.js), `storage` is this page's memory,
// and `extensionUrl` names a file on the Postil server the embed came from. The server is read
// from the <script> element that loaded the embed, while it runs (document.currentScript is
// set only then): a page cannot point the embed at another server without loading it from there.

import { answer } from "./background.js";
import { EmbedStream } from "./live.js";
import { sessionOf } from "./session.js";

const script = document.currentScript;
export const server = script?.src ? new URL(".", script.src).href.replace(/\/$/, "") : null;

/** Send a message to the page background; resolves to its `{ok, value | error}` reply. */
export async function send(type, payload = {}) {
  if (!server) return { ok: false, error: { code: "no_server", message: "The embed could not tell which Postil server it came from" } };
  return answer(server, { type, ...payload });
}

/** Nobody else messages the page: there is no popup, options page or keyboard command. */
export function onMessage() {}

/**
 * A port as runtime.connect gives one (the only port the page modules open is the live one,
 * content/live.js): `watch` goes to the page's stream, which answers `placed`, then `changed` or
 * `reset` as the server's events come; `disconnect` (the page stops) ends the stream.
 */
export function connect() {
  const listeners = [];
  const emit = (message) => listeners.forEach((fn) => fn(message));
  // The stream is the signed-in reader's (session.js), or anonymous.
  const stream = server ? new EmbedStream(server, emit, () => sessionOf(server)?.token ?? null) : null;
  return {
    onMessage: { addListener: (fn) => listeners.push(fn) },
    onDisconnect: { addListener: () => {} },
    postMessage(message) {
      if (message?.type !== "watch") return; // "ping": nothing to keep awake in a page
      const placed = stream ? stream.watch(message.posts ?? [], message.listed === true) : Promise.resolve();
      placed.then(() => emit({ type: "placed" }));
    },
    disconnect() {
      stream?.stop();
    },
  };
}

const memory = new Map();
export const storage = {
  async get(keys) {
    const names = Array.isArray(keys) ? keys : [keys];
    return Object.fromEntries(names.filter((k) => memory.has(k)).map((k) => [k, memory.get(k)]));
  },
  async set(items) {
    for (const [k, v] of Object.entries(items)) memory.set(k, v);
  },
  async remove(keys) {
    for (const k of Array.isArray(keys) ? keys : [keys]) memory.delete(k);
  },
  onChanged() {},
};

export function extensionUrl(path) {
  return new URL(path, `${server}/`).href;
}
