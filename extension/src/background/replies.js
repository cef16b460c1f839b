// Replies, for the sidebar's threads and the notebook's "Replies to you", and the unread count
// on the extension's button.
//
// A reply is queued like any create (queue.js): the queue sends in order, so a reply written
// offline to an annotation that is itself still queued goes after its parent's create. A reply
// has no passage, so it is never among a post's annotations to paint (queue.overlay leaves
// queued replies out); the thread below an annotation is read from the server when the sidebar
// shows it, with the replies still queued laid over it.

import { setBadge } from "../shared/browser.js";
import { wirePost } from "../post-key/index.js";
import { badgeText, withQueued } from "../shared/threads.js";
import { enqueueCreate } from "./queue.js";
import { fetchPages, repliesPath, request } from "./server.js";
import { connection, read, update } from "./state.js";

function invalid(message) {
  return Object.assign(new Error(message), { kind: "invalid", code: "invalid" });
}

/** The queued (and refused) replies of `user`, as the thread shows them before the server has them. */
async function queuedReplies(user) {
  const { queue = [], failed = [] } = await read(["queue", "failed"]);
  const mine = (op) => op.kind === "create" && op.body?.reply_to && (!op.user || !user || op.user === user);
  const local = (op, extra) => ({ id: op.id, reply_to: op.body.reply_to, note: op.body.note, note_html: null,
    user: user ?? "you", created: null, ...extra });
  return [...queue.filter(mine).map((op) => local(op, { pending: true })),
    ...failed.filter(mine).map((op) => local(op, { failed: op.error }))];
}

/**
 * The thread below annotation `id`: `{items, online}`, items in thread order with `depth`. The
 * server's copy is kept per annotation for when the server is away.
 */
export async function listReplies(id) {
  if (typeof id !== "string" || !id) throw invalid("No annotation named");
  const { server, token, user } = await connection();
  let items;
  let online = true;
  try {
    items = await fetchPages(server, repliesPath(id), { token });
    await update(["threads"], (state) => {
      state.threads = { ...(state.threads ?? {}), [id]: { items, user } };
    });
  } catch (err) {
    // Not there (any more) for this reader: no thread to show, as for one nobody answered.
    if (err?.status === 404 || err?.status === 410) items = [];
    else if (err?.kind === "transient" || err?.kind === "unauthorized") {
      online = false;
      const { threads = {} } = await read(["threads"]);
      items = threads[id]?.user === user ? threads[id].items : [];
    } else throw err;
  }
  return { items: withQueued(id, items, await queuedReplies(user)), online };
}

/** Queue a reply to `parent` ({id, post}): `{id, reply_to, note, pending}`. */
export async function createReply(parent, note) {
  if (typeof parent?.id !== "string" || !parent.id || !parent.post) throw invalid("A reply needs the annotation it answers");
  const text = String(note ?? "").trim();
  if (!text) throw invalid("A reply needs some words");
  // Only what a reply may carry: the server takes the post, visibility and group from the
  // thread (a passage would be refused). The post goes along so the queue files it by page.
  const body = { id: crypto.randomUUID(), reply_to: parent.id, note: text, post: wirePost(parent.post) };
  await enqueueCreate(body);
  const { user } = await connection();
  return { id: body.id, reply_to: parent.id, note: text, note_html: null, user: user ?? "you", created: null, pending: true };
}

/** One page of the replies to the reader's annotations, newest first; the badge follows. */
export async function repliesToMe(limit = 50, cursor = null) {
  const { server, token } = await connection();
  if (!token) return { items: [], unread: 0, total: 0, signedIn: false, next_cursor: null };
  const { data } = await request(server, "GET", "api/me/replies", { token, query: { limit, cursor } });
  await showUnread(data?.unread ?? 0);
  // Each reply with the passage (or note) of the reader's annotation it answers, asked once per
  // annotation; one deleted since is said to be so.
  const parents = new Map();
  for (const id of new Set((data?.items ?? []).map((item) => item.reply_to))) {
    try {
      const { data: parent } = await request(server, "GET", `api/annotations/${encodeURIComponent(id)}`, { token });
      parents.set(id, { quote: parent?.quote ?? "", note: parent?.note ?? "" });
    } catch (err) {
      if (err?.kind === "transient") throw err;
      parents.set(id, { quote: "", note: "", deleted: true });
    }
  }
  const items = (data?.items ?? []).map((item) => ({ ...item, parent: parents.get(item.reply_to) ?? null }));
  return { ...data, items, signedIn: true };
}

/** Mark the replies up to `until` (a reply's `created`) read; the badge follows. */
export async function markRepliesRead(until) {
  const { server, token } = await connection();
  if (!token) return { unread: 0 };
  const body = typeof until === "string" && until ? { until } : undefined;
  const { data } = await request(server, "POST", "api/me/replies/read", { token, body });
  await showUnread(data?.unread ?? 0);
  return data;
}

let lastAsked = 0;

/**
 * Ask the server how many replies to the reader are unread and show it on the button: on every
 * start of the background, on its periodic alarm, after a sign-in, after each sync and when a
 * page's annotations are loaded (`maxAgeMs`: not if asked that recently). Signed
 * out, or the server away, the badge keeps what it last knew (signing out clears it).
 */
export async function refreshUnread({ maxAgeMs = 0 } = {}) {
  const { server, token } = await connection();
  if (!token) return showUnread(0);
  if (maxAgeMs && Date.now() - lastAsked < maxAgeMs) return undefined;
  lastAsked = Date.now();
  try {
    const { data } = await request(server, "GET", "api/me/replies", { token, query: { limit: 1 } });
    await showUnread(data?.unread ?? 0);
  } catch {
    // Tried again on the next alarm.
  }
}

async function showUnread(unread) {
  await setBadge(badgeText(unread));
}
