// The embed's background: what the extension's background (src/background/index.js) does for
// the page, for the messages the embed's page sends, answered in the page itself.
//
// One switch on message type, as there, over the same HTTP client (background/server.js, with
// its list queries and paging). No queue and no cache: the embed reads. Anonymous, the server
// answers it with public annotations only. Where the site's policy lets readers write (its
// `embed` is `members` or `signed-in`, from GET /api/sites/lookup), the reader may sign in
// (`session.js`: a pop-up on the server hands a token to this page), and the same reads then
// carry the token and the server adds the reader's own and their groups' annotations. Writing
// stays the extension's here: a message that would write is refused as `read_only`.

import { DEFAULT_SETTINGS } from "../shared/colors.js";
import { TO_BACKGROUND as T, errorOf, fail, ok } from "../shared/messages.js";
import { threadRows } from "../shared/threads.js";
import { annotationsQuery, fetchPages, repliesPath, request } from "../background/server.js";
import { forget, openSignIn, sessionOf, sitePolicy } from "./session.js";

/** Answer one message from the page's modules; `server` is the Postil server's base URL. */
export async function answer(server, message) {
  try {
    switch (message.type) {
      // First, before anything awaits: the pop-up must open within the reader's click.
      case T.SIGN_IN:
        return ok(await openSignIn(server));
      case T.SIGN_OUT:
        return ok(await signOut(server));
      case T.LIST_ANNOTATIONS:
        return ok(await listAnnotations(server, message.post));
      case T.GET_STATUS:
        return ok(await status(server));
      case T.GET_SETTINGS:
        return ok({ ...DEFAULT_SETTINGS, server, user: sessionOf(server)?.user.name ?? null });
      case T.LIST_GROUPS:
        return ok({ items: await signedIn(server, (token) => fetchPages(server, "api/groups", { token }), []) });
      case T.LIST_REPLIES:
        return ok({ items: threadRows(message.id, await signedIn(server,
          (token) => fetchPages(server, repliesPath(message.id), { token }))), online: true });
      // No live stream yet: a page asking for the state of some annotations reads its list again.
      case T.ANNOTATIONS_STATE:
        return ok(null);
      default:
        return fail("read_only", "Postil on this site shows notes only; use the extension to write.");
    }
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  }
}

/**
 * Run `read(token)` as the signed-in reader, or anonymously; a token the server no longer
 * takes (signed out elsewhere, expired) is forgotten and the read made anonymously instead.
 * `anonymous`: what to answer without a session, in place of reading with no token.
 */
async function signedIn(server, read, anonymous) {
  const token = sessionOf(server)?.token ?? null;
  if (!token && anonymous !== undefined) return anonymous;
  try {
    return await read(token);
  } catch (err) {
    if (!token || err?.kind !== "unauthorized") throw err;
    forget(server);
    return anonymous !== undefined ? anonymous : read(null);
  }
}

async function listAnnotations(server, post) {
  const items = await signedIn(server, (token) => fetchPages(server, "api/annotations", { token, query: annotationsQuery(post) }));
  const user = sessionOf(server)?.user.name ?? null;
  return { items, user, online: true, error: null, signedIn: Boolean(user) };
}

async function status(server) {
  const session = sessionOf(server);
  const policy = await sitePolicy(server);
  return { server, user: session?.user.name ?? null, signedIn: Boolean(session), serverUp: true, problem: null,
    queued: 0, failed: [], canSignIn: policy?.embed === "members" || policy?.embed === "signed-in" };
}

async function signOut(server) {
  const token = sessionOf(server)?.token;
  forget(server);
  if (token) await request(server, "DELETE", "api/tokens/current", { token }).catch(() => null);
  return null;
}
