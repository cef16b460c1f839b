// What the server's change stream (`GET /api/stream`) says, read as changes to a post's list of
// annotations: pure, so that both hosts of the page modules use it: the extension's background
// (live.js, which keeps the lists in its cache) and the embed a site includes (src/embed/live.js,
// which keeps them in the page's memory).

import { groupKey } from "../post-key/index.js";

/**
 * Whether a tombstone (`deleted`) of an annotation that answers nothing still heads a thread,
 * and so stays listed where its thread is: the server keeps its passage while live replies
 * answer it and drops it with the last. A note without a passage (a page note) tells by its
 * `reply_count` (the replies below it the reader may see), which the server's answers and
 * the stream's tombstones carry; `before`, the copy it replaces, is asked only when the
 * tombstone carries no count.
 */
export function headsThread(annotation, before = null) {
  if (!annotation?.deleted || annotation.reply_to) return false;
  if (annotation.quote || annotation.selectors?.length || annotation.reply_count > 0) return true;
  if (typeof annotation.reply_count === "number") return false;
  return Boolean(before && !before.deleted && before.reply_count > 0);
}

/**
 * One change laid over a post's list of annotations (pure): an annotation event replaces or adds
 * it, unless the list holds a later version; a tombstone (`deleted`) or `removed` takes it out,
 * but for a tombstone that still heads a thread of replies (queue.js headsThread), which
 * replaces it.
 */
export function applyEvent(items, event) {
  if (event.type === "removed") return items.filter((item) => item.id !== event.id);
  const annotation = event.annotation;
  const at = items.findIndex((item) => item.id === annotation.id);
  if (annotation.deleted && !headsThread(annotation, at < 0 ? null : items[at])) {
    return at < 0 ? items : items.filter((item) => item.id !== annotation.id);
  }
  if (at < 0) return [...items, annotation];
  if ((items[at].version ?? 0) > (annotation.version ?? 0)) return items;
  const out = items.slice();
  out[at] = annotation;
  return out;
}

/**
 * The stream's events as changes to apply (pure): [{type: "annotation", annotation, key} |
 * {type: "removed", id, key: null}], and whether the server asked for a reload (`reset`).
 */
export function changesOf(events) {
  const changes = [];
  const replies = [];
  let reset = false;
  for (const event of events) {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      continue;
    }
    if (event.type === "annotation" && typeof data?.id === "string") {
      // A reply has no passage of its own: it is not one of a post's annotations to paint
      // (the list a page reads holds none), so it stays out of the post's copy; the tabs
      // showing its post are told which thread to read again (`replies`).
      if (data.reply_to) {
        replies.push({ id: data.id, reply_to: data.reply_to, key: groupKey(data.post) });
        continue;
      }
      changes.push({ type: "annotation", annotation: data, key: groupKey(data.post) });
    } else if (event.type === "removed" && typeof data?.id === "string") {
      changes.push({ type: "removed", id: data.id, key: null });
    } else if (event.type === "reset") {
      reset = true;
    }
  }
  return { changes, reset, replies };
}
