// The embed's background: what the extension's background (src/background/index.js) does for
// the page, for the messages an anonymous, read-only page sends, answered in the page itself.
//
// One switch on message type, as there, over the same HTTP client (background/server.js, with
// its list queries and paging). Anonymous and read-only in this first part: no token, no queue,
// no storage; the lists read are kept in the page's memory by live.js, which lays the live
// stream's events over them (ANNOTATIONS_STATE answers from there). A message that would write,
// or that needs a signed-in reader, is refused as `read_only`. The server answers an anonymous reader with public annotations only, so private
// and group annotations never reach a page through the embed.

import { DEFAULT_SETTINGS } from "../shared/colors.js";
import { TO_BACKGROUND as T, errorOf, fail, ok } from "../shared/messages.js";
import { threadRows } from "../shared/threads.js";
import { annotationsQuery, fetchPages, repliesPath } from "../background/server.js";
import { groupKey } from "../post-key/index.js";
import { keepList, listMark, listState } from "./live.js";

/** Answer one message from the page's modules; `server` is the Postil server's base URL. */
export async function answer(server, message) {
  try {
    switch (message.type) {
      case T.LIST_ANNOTATIONS:
        return ok(await listPublic(server, message.post));
      case T.GET_STATUS:
        return ok({ server, user: null, signedIn: false, serverUp: true, problem: null, queued: 0, failed: [] });
      case T.GET_SETTINGS:
        return ok({ ...DEFAULT_SETTINGS, server, user: null });
      case T.LIST_GROUPS:
        return ok({ items: [] });
      case T.LIST_REPLIES:
        return ok({ items: threadRows(message.id, await fetchPages(server, repliesPath(message.id))), online: true });
      // The live stream's changes, as laid over the list read (null: none read, read it again).
      case T.ANNOTATIONS_STATE:
        return ok(message.post ? listState(groupKey(message.post), message.ids ?? []) : null);
      default:
        return fail("read_only", "Postil on this site shows public notes only; use the extension to write.");
    }
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  }
}

async function listPublic(server, post) {
  const mark = listMark();
  const read = await fetchPages(server, "api/annotations", { query: annotationsQuery(post) });
  // What the stream brought while the list was on its way is laid over it.
  const items = keepList(groupKey(post), mark, read);
  return { items, user: null, online: true, error: null, signedIn: false };
}
