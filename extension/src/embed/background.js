// The embed's background: what the extension's background (src/background/index.js) does for
// the page, for the messages an anonymous, read-only page sends, answered in the page itself.
//
// One switch on message type, as there, over the same HTTP client (background/server.js, with
// its list queries and paging). Anonymous and read-only in this first part: no token, no queue,
// no cache; a message that would write, or that needs a signed-in reader, is refused as
// `read_only`. The server answers an anonymous reader with public annotations only, so private
// and group annotations never reach a page through the embed.

import { DEFAULT_SETTINGS } from "../shared/colors.js";
import { TO_BACKGROUND as T, errorOf, fail, ok } from "../shared/messages.js";
import { threadRows } from "../shared/threads.js";
import { annotationsQuery, fetchPages, repliesPath } from "../background/server.js";

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
      // No live stream yet: a page asking for the state of some annotations reads its list again.
      case T.ANNOTATIONS_STATE:
        return ok(null);
      default:
        return fail("read_only", "Postil on this site shows public notes only; use the extension to write.");
    }
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  }
}

async function listPublic(server, post) {
  const items = await fetchPages(server, "api/annotations", { query: annotationsQuery(post) });
  return { items, user: null, online: true, error: null, signedIn: false };
}
