// Threads of replies as the sidebar draws them, and the unread count as the extension's button
// shows it: pure functions, tested in tests/extension/shared/threads.test.mjs.

/**
 * The replies below annotation `rootId`, in thread order (each reply followed by the replies to
 * it, the replies to one annotation oldest first, as `GET /api/annotations/{id}/replies` gives
 * them), each with its `depth` (1: answers `rootId` itself). `replies` may come in any order
 * and may hold replies not yet on the server (queued, carrying `reply_to`); a reply whose
 * parent is not in the thread is left out (it belongs to no thread shown here).
 */
export function threadRows(rootId, replies) {
  const children = new Map();
  replies.forEach((reply, index) => {
    const list = children.get(reply.reply_to) ?? [];
    list.push({ reply, index });
    children.set(reply.reply_to, list);
  });
  const rows = [];
  const seen = new Set();
  const walk = (parent, depth) => {
    const list = (children.get(parent) ?? []).slice().sort(byAge);
    for (const { reply } of list) {
      if (seen.has(reply.id)) continue;
      seen.add(reply.id);
      rows.push({ ...reply, depth });
      walk(reply.id, depth + 1);
    }
  };
  walk(rootId, 1);
  return rows;
}

// Oldest first; one not made yet (queued, no `created`) after those that were, then as given.
function byAge(a, b) {
  const ta = a.reply.created ? Date.parse(a.reply.created) : Infinity;
  const tb = b.reply.created ? Date.parse(b.reply.created) : Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.index - b.index;
}

/** Thread rows merged with queued replies (`pending`) not yet in them, by id. */
export function withQueued(rootId, replies, queued) {
  const known = new Set(replies.map((r) => r.id));
  return threadRows(rootId, [...replies, ...queued.filter((r) => !known.has(r.id))]);
}

/** The button's badge for `unread` replies to you: nothing for none, "99+" past 99. */
export function badgeText(unread) {
  const n = Number(unread);
  if (!Number.isFinite(n) || n <= 0) return "";
  return n > 99 ? "99+" : String(Math.floor(n));
}
