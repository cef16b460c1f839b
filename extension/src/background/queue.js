// The offline queue: every create, edit and delete the user makes is written here first and sent
// to the server afterwards, in order, until the server acknowledges it.
//
// Why it is safe to retry: creates carry a client-chosen UUID and the server treats a second create
// with the same id as a no-op; edits send absolute values (no If-Match, last write wins); deleting
// twice is a 204 twice. So an op that was sent but whose acknowledgement was lost (the worker was
// stopped, the network dropped) is simply sent again.
//
// Ops still waiting are merged when that saves a round trip and cannot change the outcome: an edit
// of a queued create is folded into it, a delete of a queued create cancels both. An op that was
// ever sent is never merged into, because it may already have landed: its request may be on the
// wire now, or an earlier try may have reached the server and only its answer been lost.
//
// Failures: transient ones back off exponentially and retry (timer while the worker lives, the
// `postil-sync` alarm after it was stopped, and at once when the server is seen answering again);
// 401 waits for sign-in; any other 4xx moves the op to `failed`, shown in the popup and sidebar.

import { request } from "./server.js";
import { groupKey } from "../post-key/index.js";
import { EDITABLE_FIELDS } from "../shared/contract.js";
import { connection, read, update } from "./state.js";
import { headsThread } from "./live-events.js";

export { headsThread } from "./live-events.js";

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 2 * 60 * 1000;

const inFlight = new Set();

/** Whether `op` may have reached the server already: being sent now, or sent before. */
function mayHaveLanded(op) {
  return inFlight.has(op.seq) || Boolean(op.sent) || op.attempts > 0;
}
let draining = null;
let timer = null;
let listeners = [];

/** Register `fn(event)` to hear "synced" / "failed" / "status" events (used to refresh tabs). */
export function onQueueEvent(fn) {
  listeners.push(fn);
}

function emit(event) {
  for (const fn of listeners) {
    try {
      fn(event);
    } catch {
      // A listener's failure must not stop the queue.
    }
  }
}

function newSeq() {
  return `${Date.now().toString(36)}-${crypto.randomUUID()}`;
}

/**
 * Queue a new annotation; `annotation` is the request body with its client-chosen `id` and its
 * post (post-key's wirePost shape, by whose groupKey the op is found again for that page).
 * `local` holds what the page shows before the server answers but the server is not sent (the
 * group's name: the server's answer carries its own).
 */
export async function enqueueCreate(annotation, local = {}) {
  const { user } = await connection();
  await update(["queue"], (state) => {
    state.queue ??= [];
    state.queue.push({ seq: newSeq(), kind: "create", id: annotation.id, post: annotation.post, body: annotation, local: { ...local }, user, attempts: 0, nextAt: 0 });
  });
  kick();
}

/** Queue an edit; `changes` holds only the fields to set, `local` as for enqueueCreate. */
export async function enqueueUpdate(id, post, changes, local = {}) {
  const { user } = await connection();
  await update(["queue"], (state) => {
    state.queue ??= [];
    const pending = state.queue.filter((op) => op.id === id && !mayHaveLanded(op));
    const create = pending.find((op) => op.kind === "create");
    const edit = pending.find((op) => op.kind === "update");
    if (create) {
      Object.assign(create.body, changes);
      // A create out of its group sends no `group` at all (a create with "group": null is
      // needless); one into a group sends its id.
      if (create.body.visibility !== "group") delete create.body.group;
      create.local = { ...(create.local ?? {}), ...local };
    } else if (edit) {
      Object.assign(edit.changes, changes);
      edit.local = { ...(edit.local ?? {}), ...local };
    } else {
      state.queue.push({ seq: newSeq(), kind: "update", id, post, changes: { ...changes }, local: { ...local }, user, attempts: 0, nextAt: 0 });
    }
  });
  kick();
}

/** Queue a delete, cancelling a create that never left the browser. */
export async function enqueueDelete(id, post) {
  const { user } = await connection();
  await update(["queue"], (state) => {
    state.queue ??= [];
    const unsent = state.queue.filter((op) => op.id === id && !mayHaveLanded(op));
    const cancelsCreate = unsent.some((op) => op.kind === "create");
    state.queue = state.queue.filter((op) => !(op.id === id && !mayHaveLanded(op)));
    const stillOnWire = state.queue.some((op) => op.id === id);
    if (!cancelsCreate || stillOnWire) {
      state.queue.push({ seq: newSeq(), kind: "delete", id, post, user, attempts: 0, nextAt: 0 });
    }
  });
  kick();
}

/** Drop a refused change the user has seen (or all of them). */
export async function discardFailed(seq) {
  await update(["failed"], (state) => {
    state.failed = (state.failed ?? []).filter((op) => seq && op.seq !== seq);
  });
}

/** Make every waiting op due now (the server was seen answering) and drain. */
export async function retryNow() {
  await update(["queue"], (state) => {
    for (const op of state.queue ?? []) op.nextAt = 0;
  });
  return drain();
}

function kick() {
  drain().catch(() => {});
}

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(kick, Math.max(delay, 50));
}

/** Send due ops in order until the queue is empty or the head must wait. One drain at a time. */
export function drain() {
  if (!draining) {
    draining = drainLoop().finally(() => {
      draining = null;
    });
  }
  return draining;
}

async function drainLoop() {
  for (;;) {
    const { queue = [] } = await read(["queue"]);
    const { server, token, user } = await connection();
    if (!token) {
      emit({ type: "status" });
      return; // Nothing can be sent until someone signs in; sign-in drains again.
    }
    // Changes made under another account wait for that account: sending them with this token
    // would file them under the wrong person. Changes made signed out go with whoever signs in.
    let head = queue.find((op) => !op.user || op.user === user);
    if (!head) {
      emit({ type: "status" });
      return;
    }
    const wait = head.nextAt - Date.now();
    if (wait > 0) {
      schedule(wait);
      return;
    }
    // Take the op as stored now and mark it sent in the same step: a change queued from here on
    // goes behind it instead of being folded into a body already on its way (and lost).
    head = await update(["queue"], (state) => {
      const op = (state.queue ?? []).find((o) => o.seq === head.seq);
      if (!op) return null;
      op.sent = true;
      inFlight.add(op.seq);
      return { ...op };
    });
    if (!head) continue;
    let outcome;
    try {
      await send(server, token, head);
      outcome = { done: true };
    } catch (err) {
      outcome = { error: err };
    } finally {
      inFlight.delete(head.seq);
    }
    if (outcome.done) {
      await update(["queue", "serverStatus"], (state) => {
        state.queue = (state.queue ?? []).filter((op) => op.seq !== head.seq);
        state.serverStatus = { up: true, at: Date.now() };
      });
      emit({ type: "synced", op: head });
      continue;
    }
    const error = outcome.error;
    const kind = error?.kind ?? "transient";
    const summary = { kind, status: error?.status ?? 0, code: error?.code ?? "error", message: String(error?.message ?? error) };
    if (kind === "permanent") {
      await update(["queue", "failed"], (state) => {
        state.queue = (state.queue ?? []).filter((op) => op.seq !== head.seq);
        state.failed ??= [];
        state.failed.push({ ...head, error: summary, failedAt: Date.now() });
      });
      emit({ type: "failed", op: head, error: summary });
      continue;
    }
    if (kind === "unauthorized") {
      await update(["serverStatus"], (state) => {
        state.serverStatus = { up: true, at: Date.now(), unauthorized: true };
      });
      emit({ type: "status" });
      return;
    }
    let delay = 0;
    await update(["queue", "serverStatus"], (state) => {
      const op = (state.queue ?? []).find((o) => o.seq === head.seq);
      if (op) {
        op.attempts += 1;
        delay = Math.min(BASE_DELAY_MS * 2 ** (op.attempts - 1), MAX_DELAY_MS) * (0.8 + Math.random() * 0.4);
        op.nextAt = Date.now() + delay;
        op.lastError = summary;
      }
      state.serverStatus = { up: false, at: Date.now(), error: summary };
    });
    emit({ type: "status" });
    schedule(delay);
    return;
  }
}

async function send(server, token, op) {
  switch (op.kind) {
    case "create":
      await request(server, "POST", "api/annotations", { token, body: op.body });
      return;
    case "update":
      await request(server, "PATCH", `api/annotations/${encodeURIComponent(op.id)}`, { token, body: op.changes });
      return;
    case "delete":
      try {
        await request(server, "DELETE", `api/annotations/${encodeURIComponent(op.id)}`, { token });
      } catch (err) {
        // Already gone (deleted elsewhere, or never reached the server): the user's intent holds.
        if (err?.status !== 404) throw err;
      }
      return;
    default:
      throw Object.assign(new Error(`unknown queued change ${op.kind}`), { kind: "permanent" });
  }
}

/** What is left in the list of a note deleted while replies answer it: the thread's head. */
export function tombstoneOf(annotation) {
  return { ...annotation, deleted: true, note: "", note_html: null, tags: [] };
}

/**
 * Overlay the queue on annotations fetched from the server for one post: queued creates appear,
 * queued edits apply, queued deletes hide (a note with replies stays as its thread's
 * tombstone); each touched item is marked `pending`, and refused ones carry `failed` with the
 * server's reason.
 */
export function overlay(items, queue, failed, key, me) {
  const byId = new Map(items.map((item) => [item.id, { ...item }]));
  const mine = (op) => !op.user || !me || op.user === me;
  // A queued reply has no passage and is not one of the post's annotations: its thread shows it.
  const reply = (op) => op.kind === "create" && Boolean(op.body?.reply_to);
  for (const op of queue) {
    if (groupKey(op.post) !== key || !mine(op) || reply(op)) continue;
    if (op.kind === "create") {
      const existing = byId.get(op.id);
      byId.set(op.id, { ...localAnnotation(op.body, me), ...(existing ? { ...existing, ...pick(op.body) } : {}), ...op.local, pending: true });
    } else if (op.kind === "update") {
      const existing = byId.get(op.id);
      if (existing) byId.set(op.id, { ...existing, ...op.changes, ...op.local, note_html: "note" in op.changes ? null : existing.note_html, pending: true });
    } else if (op.kind === "delete") {
      const existing = byId.get(op.id);
      if (existing?.reply_count > 0) byId.set(op.id, { ...tombstoneOf(existing), pending: true });
      else byId.delete(op.id);
    }
  }
  for (const op of failed) {
    if (groupKey(op.post) !== key || !mine(op) || reply(op)) continue;
    const existing = byId.get(op.id);
    if (existing) byId.set(op.id, { ...existing, failed: op.error, failedSeq: op.seq });
    else if (op.kind === "create") byId.set(op.id, { ...localAnnotation(op.body, me), ...op.local, failed: op.error, failedSeq: op.seq });
  }
  return [...byId.values()];
}

function pick(body) {
  const out = {};
  for (const field of EDITABLE_FIELDS) if (field in body) out[field] = body[field];
  return out;
}

function localAnnotation(body, me) {
  return {
    id: body.id,
    post: body.post,
    user: me ?? "you",
    quote: body.quote ?? "",
    selectors: body.selectors ?? [],
    note: body.note ?? "",
    note_html: null,
    color: body.color ?? "yellow",
    tags: body.tags ?? [],
    visibility: body.visibility ?? "private",
    group: body.visibility === "group" ? body.group ?? null : null,
    group_name: null,
    created: body.created ?? null,
  };
}
