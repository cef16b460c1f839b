// The notebook's and the exports' side of the background: paged queries over every annotation of
// the signed-in user, edits and deletes made from the notebook, and export files.
//
// Filters arrive from the page already in the server's terms (filters.js); anything else is
// dropped here, so a page cannot widen a query to other users. The list is always `user=<me>`:
// without it the server would mix in everyone's public annotations, and the notebook is the
// reader's own. Edits and deletes go through the offline queue like the sidebar's, and the reply
// waits a little for the queue so the page can show the server's rendered note straight away;
// when the server is away the change stays queued and the page is told it is pending.

import { groupKey, wirePost } from "../post-key/index.js";
import { EDITABLE_FIELDS, EXPORT_FORMATS, LIMITS } from "../shared/contract.js";
import { cleanFilters, matchesFilters } from "./filters.js";
import { drain, enqueueDelete, enqueueUpdate, retryNow } from "./queue.js";
import { ServerError, buildUrl, kindOf, request } from "./server.js";
import { connection, read } from "./state.js";

// The notebook edits what a note says and how it is filed, never the passage it is on.
const EDITABLE = EDITABLE_FIELDS.filter((field) => field !== "selectors" && field !== "quote");
const MAX_PAGE = LIMITS.page;
const DEFAULT_PAGE = 50;
const QUEUE_WAIT_MS = 5000;
const EXPORT_IDLE_MS = 60_000;
const EXPORT_CHUNK_BYTES = 256 * 1024;

function invalid(message) {
  return Object.assign(new Error(message), { kind: "invalid", code: "invalid" });
}

function signedOut() {
  return new ServerError("unauthorized", 401, "signed_out", "Sign in on the options page to see your notebook.");
}

async function signedInConnection() {
  const conn = await connection();
  if (!conn.token) throw signedOut();
  return conn;
}

/**
 * One page of the user's annotations, newest first, with queued edits and deletes applied. The
 * first page also shows the user's new annotations the server has not had yet (made offline, or
 * waiting for a retry), and when the server cannot be reached it shows those alone, with
 * `unreachable` saying why, instead of nothing.
 */
export async function queryNotebook(filters, cursor = null, limit = DEFAULT_PAGE) {
  const { server, token, user } = await connection();
  if (!token) return { signedIn: false, user: null, server, total: 0, items: [], next_cursor: null };
  const size = Math.max(1, Math.min(MAX_PAGE, Number(limit) || DEFAULT_PAGE));
  const clean = cleanFilters(filters);
  const query = { ...clean, user, sort: "created", order: "desc", limit: size, cursor: cursor || null };
  const { queue = [] } = await read(["queue"]);
  let data;
  try {
    ({ data } = await request(server, "GET", "api/annotations", { token, query }));
  } catch (err) {
    if (cursor || err?.kind !== "transient") throw err;
    const waiting = queuedCreates(queue, user, clean, []);
    return { signedIn: true, user, server, total: waiting.length, items: waiting, next_cursor: null,
             unreachable: err.message ?? "The server cannot be reached." };
  }
  // The server is answering: changes that were waiting for it can go now.
  if (queue.length) retryNow().catch(() => {});
  const items = applyQueue(data?.items ?? [], queue, user);
  const waiting = cursor ? [] : queuedCreates(queue, user, clean, items);
  return {
    signedIn: true,
    user,
    server,
    total: (data?.total ?? 0) + waiting.length,
    items: [...waiting, ...items],
    next_cursor: data?.next_cursor ?? null,
  };
}

/**
 * The user's queued creates that match `filters` and are not among `known` (the server's items),
 * newest first, shaped like the server's annotations. An annotation on a post already listed
 * takes that post's record, so it is shown under the same heading.
 */
function queuedCreates(queue, user, filters, known) {
  const have = new Set(known.map((item) => item.id));
  const posts = new Map(known.map((item) => [groupKey(item.post), item.post]));
  const deleted = new Set(queue.filter((op) => op.kind === "delete").map((op) => op.id));
  const out = [];
  for (const op of queue) {
    if (op.kind !== "create" || have.has(op.id) || deleted.has(op.id)) continue;
    if (op.user && op.user !== user) continue;
    const body = { ...op.body };
    for (const later of queue) if (later.id === op.id && later.kind === "update") Object.assign(body, later.changes);
    const item = {
      id: op.id,
      post: posts.get(groupKey(op.post)) ?? { ...wirePost(op.post), title: op.post?.title ?? "" },
      user,
      quote: String(body.quote ?? ""),
      // The passage link of a note not yet synced is the one the server will give (passage.js).
      selectors: Array.isArray(body.selectors) ? body.selectors : [],
      note: String(body.note ?? ""),
      note_html: null,
      color: body.color ?? "yellow",
      tags: Array.isArray(body.tags) ? body.tags : [],
      visibility: body.visibility ?? "private",
      group: body.visibility === "group" ? body.group ?? null : null,
      group_name: body.visibility === "group" ? op.local?.group_name ?? null : null,
      created: queuedAt(op),
      pending: true,
    };
    if (matchesFilters(item, filters)) out.push(item);
  }
  return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
}

/** When an op was queued: its sequence number starts with Date.now() in base 36. */
function queuedAt(op) {
  const ms = parseInt(String(op.seq ?? "").split("-")[0], 36);
  return new Date(Number.isFinite(ms) ? ms : Date.now()).toISOString();
}

/** Show what the user already changed but the server has not heard yet. */
function applyQueue(items, queue, user) {
  const out = [];
  for (const item of items) {
    const ops = queue.filter((op) => op.id === item.id && (!op.user || op.user === user));
    if (ops.some((op) => op.kind === "delete")) continue;
    let shown = item;
    for (const op of ops) {
      if (op.kind !== "update") continue;
      shown = { ...shown, ...op.changes, note_html: "note" in op.changes ? null : shown.note_html, pending: true };
    }
    out.push(shown);
  }
  return out;
}

/** Distinct sites of the posts the user can see annotations on, for the site filter's suggestions. */
export async function notebookSites() {
  const { server, token } = await signedInConnection();
  const { data } = await request(server, "GET", "api/posts", { token, query: { limit: MAX_PAGE } });
  const sites = new Set();
  for (const post of data?.items ?? []) if (post.annotation_count > 0 && post.site) sites.add(post.site);
  return [...sites].sort();
}

/** Wait for the queue to send what is due (bounded), then say whether ops for `id` are left. */
async function settle(id, since) {
  await Promise.race([drain().catch(() => {}), new Promise((resolve) => setTimeout(resolve, QUEUE_WAIT_MS))]);
  const { queue = [], failed = [] } = await read(["queue", "failed"]);
  const refused = failed.filter((op) => op.id === id && (op.failedAt ?? 0) >= since).pop();
  return { pending: queue.some((op) => op.id === id), refused: refused?.error ?? null };
}

/** Queue an edit of the note, colour, tags or visibility and reply with the freshest copy known. */
export async function updateFromNotebook(annotation, changes) {
  if (!annotation?.id || !annotation.post) throw invalid("An edit needs the annotation's id and post");
  const allowed = {};
  for (const field of EDITABLE) if (changes && field in changes) allowed[field] = changes[field];
  if ("tags" in allowed) {
    if (!Array.isArray(allowed.tags)) throw invalid("tags must be a list");
    allowed.tags = allowed.tags.map((t) => String(t).trim()).filter(Boolean);
  }
  if ("visibility" in allowed && allowed.visibility !== "group") allowed.group = null;
  const since = Date.now();
  await enqueueUpdate(annotation.id, wirePost(annotation.post), allowed);
  const { pending, refused } = await settle(annotation.id, since);
  if (refused) return { annotation: { ...annotation, ...allowed, note_html: null }, pending: false, refused };
  if (!pending) {
    try {
      const { server, token } = await signedInConnection();
      const { data } = await request(server, "GET", `api/annotations/${encodeURIComponent(annotation.id)}`, { token });
      return { annotation: data, pending: false, refused: null };
    } catch {
      // Sent, but reading it back failed: show the local copy without the server's rendering.
    }
  }
  const local = { ...annotation, ...allowed, pending };
  if ("note" in allowed) local.note_html = null;
  return { annotation: local, pending, refused: null };
}

/** Queue a delete; reply whether it is still waiting for the server. */
export async function deleteFromNotebook(annotation) {
  if (!annotation?.id || !annotation.post) throw invalid("A delete needs the annotation's id and post");
  const since = Date.now();
  await enqueueDelete(annotation.id, wirePost(annotation.post));
  return settle(annotation.id, since);
}

/**
 * Stream an export of the user's annotations matching `filters` to `post`, piece by piece as the
 * server writes it: `{type: "start", filename, mimetype}`, then `{type: "chunk", base64}` for every
 * ~256 KB, then `{type: "end", bytes}`. Runtime messages carry JSON only and each has a size
 * limit, so a library of any size goes across in pieces the page joins into one Blob; the
 * background never holds the whole file.
 */
export async function streamExport(filters, format, flavor, post) {
  if (!EXPORT_FORMATS.includes(format)) throw invalid(`No such export format: ${format}`);
  if (flavor && (format !== "csv" || flavor !== "readwise")) throw invalid("Only CSV has a flavour (readwise)");
  const { server, token, user } = await signedInConnection();
  const query = { ...cleanFilters(filters), user, format, flavor: flavor || null };
  await streamFile(buildUrl(server, "api/export", query), { server, token, fallbackName: `postil-export.${format}` }, post);
}

/**
 * Stream a file the server answers at `url` to `post`, as PORTS.EXPORT describes: a start, chunks
 * of base64, an end; a failure throws a ServerError of the kind the status says.
 */
export async function streamFile(url, { server, token, fallbackName }, post) {
  // A stalled server is given up on; a slow but steady export of a large library is not.
  const stop = new AbortController();
  let idle = setTimeout(() => stop.abort(), EXPORT_IDLE_MS);
  const alive = () => {
    clearTimeout(idle);
    idle = setTimeout(() => stop.abort(), EXPORT_IDLE_MS);
  };
  try {
    let response;
    try {
      response = await fetch(url, {
        headers: { Authorization: `Bearer ${token}` },
        credentials: "omit",
        signal: stop.signal,
      });
    } catch (err) {
      throw new ServerError("transient", 0, "unreachable", `Cannot reach the server at ${server} (${err?.message ?? err})`);
    }
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      const status = response.status;
      throw new ServerError(kindOf(status), status, data?.error?.code ?? `http_${status}`, data?.error?.message ?? `The server answered ${status}`);
    }
    post({
      type: "start",
      mimetype: response.headers.get("Content-Type") ?? "application/octet-stream",
      filename: filenameFrom(response.headers.get("Content-Disposition")) ?? fallbackName,
    });
    const reader = response.body.getReader();
    let pending = [];
    let size = 0;
    let bytes = 0;
    const flush = () => {
      if (!size) return;
      const joined = new Uint8Array(size);
      let at = 0;
      for (const part of pending) {
        joined.set(part, at);
        at += part.length;
      }
      post({ type: "chunk", base64: toBase64(joined) });
      pending = [];
      size = 0;
    };
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (err) {
        throw new ServerError("transient", 0, "interrupted", `The export stopped before it finished (${err?.message ?? err})`);
      }
      if (step.done) break;
      alive();
      pending.push(step.value);
      size += step.value.length;
      bytes += step.value.length;
      if (size >= EXPORT_CHUNK_BYTES) flush();
    }
    flush();
    post({ type: "end", bytes });
  } finally {
    clearTimeout(idle);
    stop.abort(); // stops reading when the page went away mid-file; nothing to stop otherwise
  }
}

function filenameFrom(disposition) {
  const match = /filename="?([^";]+)"?/i.exec(disposition ?? "");
  // The server builds the name from safe characters; keep it that way whatever answers.
  return match ? match[1].replace(/[^A-Za-z0-9._-]+/g, "_") : null;
}

function toBase64(bytes) {
  let binary = "";
  // In slices: spreading a large array into fromCharCode overflows the call stack.
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}
