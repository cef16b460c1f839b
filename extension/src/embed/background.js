// The embed's background: what the extension's background (src/background/index.js) does for
// the page, for the messages the embed's page sends, answered in the page itself.
//
// One switch on message type, as there, over the same HTTP client (background/server.js, with
// its list queries and paging). No queue and no cache. Anonymous, the server answers it with
// public annotations only. Where the site's policy lets readers write (its `embed` is `members`
// or `signed-in`, from GET /api/sites/lookup), the reader may sign in (`session.js`: a pop-up on
// the server hands a token to this page); the same reads then carry the token, and the server
// adds the reader's own and their groups' annotations. Once signed in where they may write
// (`signed-in`, or a member or moderator of a `members` site: `canWrite`), their highlights and
// notes are sent at once, not queued: the embed keeps nothing offline, and a failure is told
// to the reader there and then; so is a flag of another reader's public note (in every embed
// mode: a flag is a word to the site's moderators). Everything else (replies, hiding) stays the
// extension's.
// The lists read are kept in the page's memory by live.js, which lays the page's live stream
// (the reader's, signed in or not) over them: ANNOTATIONS_STATE answers from there.

import { DEFAULT_SETTINGS } from "../shared/colors.js";
import { COLORS, EDITABLE_FIELDS, VISIBILITIES } from "../shared/contract.js";
import { wirePost } from "../post-key/index.js";
import { TO_BACKGROUND as T, errorOf, fail, ok } from "../shared/messages.js";
import { threadRows } from "../shared/threads.js";
import { annotationsQuery, fetchPages, repliesPath, request } from "../background/server.js";
import { forget, openSignIn, sessionOf, sitePolicy, yourRoles } from "./session.js";
import { groupKey } from "../post-key/index.js";
import { keepList, listMark, listState, readerChanged } from "./live.js";

/** Answer one message from the page's modules; `server` is the Postil server's base URL. */
export async function answer(server, message) {
  try {
    switch (message.type) {
      // First, before anything awaits: the pop-up must open within the reader's click.
      case T.SIGN_IN: {
        const signed = await openSignIn(server);
        readerChanged(); // the stream starts again as the reader, if they signed in
        return ok(signed);
      }
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
      // The live stream's changes, as laid over the list read (null: none read, read it again).
      case T.ANNOTATIONS_STATE:
        return ok(message.post ? listState(groupKey(message.post), message.ids ?? []) : null);
      case T.SITE_OF_POST:
        return ok(await siteOfPage(server));
      // Any signed-in reader here, in every embed mode: flags are for the site's moderators.
      case T.FLAG_ANNOTATION:
        return ok(await signedInOnly(server, (token) => flag(server, token, message)));
      case T.CREATE_ANNOTATION:
        return ok(await writing(server, (token) => create(server, token, message.annotation)));
      case T.UPDATE_ANNOTATION:
        return ok(await writing(server, (token) => update(server, token, message.id, message.changes)));
      case T.DELETE_ANNOTATION:
        return ok(await writing(server, (token) => request(server, "DELETE", annotationPath(message.id), { token }).then(() => null)));
      default:
        return fail("read_only", "Postil on this site does not do that; use the extension.");
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
  const mark = listMark();
  const read = await signedIn(server, (token) => fetchPages(server, "api/annotations", { token, query: annotationsQuery(post) }));
  // What the stream brought while the list was on its way is laid over it.
  const items = keepList(groupKey(post), mark, read);
  const user = sessionOf(server)?.user.name ?? null;
  return { items, user, online: true, error: null, signedIn: Boolean(user) };
}

async function status(server) {
  const session = sessionOf(server);
  const policy = await sitePolicy(server);
  return { server, user: session?.user.name ?? null, signedIn: Boolean(session), serverUp: true, problem: null,
    queued: 0, failed: [], canSignIn: policy?.embed === "members" || policy?.embed === "signed-in",
    canWrite: await mayWrite(server, policy) };
}

/** Whether the signed-in reader writes from this site's pages, as its policy says. */
async function mayWrite(server, policy) {
  if (!sessionOf(server)) return false;
  if (policy?.embed === "signed-in") return true;
  if (policy?.embed !== "members") return false;
  const you = await yourRoles(server);
  return Boolean(you?.member || you?.moderator);
}

/** Run a write as the signed-in reader; refused as `read_only` where they may not write. */
async function writing(server, write) {
  const session = sessionOf(server);
  if (!session || !(await mayWrite(server, await sitePolicy(server)))) {
    throw Object.assign(new Error("Sign in to write notes on this site, or use the extension."), { code: "read_only" });
  }
  try {
    return await write(session.token);
  } catch (err) {
    if (err?.kind === "unauthorized") forget(server);
    throw err;
  }
}

async function create(server, token, draft) {
  const visibility = VISIBILITIES.includes(draft?.visibility) ? draft.visibility : DEFAULT_SETTINGS.defaultVisibility;
  const body = {
    id: draft?.id ?? crypto.randomUUID(),
    post: wirePost(draft.post),
    quote: String(draft.quote ?? ""),
    selectors: Array.isArray(draft.selectors) ? draft.selectors : [],
    note: String(draft.note ?? ""),
    color: COLORS.includes(draft.color) ? draft.color : DEFAULT_SETTINGS.defaultColor,
    tags: Array.isArray(draft.tags) ? draft.tags.map(String) : [],
    visibility,
  };
  if (visibility === "group") body.group = draft.group;
  const { data } = await request(server, "POST", "api/annotations", { token, body });
  return data;
}

async function update(server, token, id, changes) {
  const body = {};
  for (const field of EDITABLE_FIELDS) if (changes && field in changes) body[field] = changes[field];
  if ("visibility" in body && body.visibility !== "group") body.group = null;
  const { data } = await request(server, "PATCH", annotationPath(id), { token, body });
  return data;
}

/** The page's site as the lookup has it (`{policy, you}`), or null where none is registered. */
async function siteOfPage(server) {
  const policy = await sitePolicy(server);
  if (!policy) return null;
  return { policy, you: await yourRoles(server) };
}

/** Run `act(token)` as the signed-in reader; a token the server no longer takes is forgotten. */
async function signedInOnly(server, act) {
  const session = sessionOf(server);
  if (!session) throw Object.assign(new Error("Sign in first."), { code: "signed_out" });
  try {
    return await act(session.token);
  } catch (err) {
    if (err?.kind === "unauthorized") forget(server);
    throw err;
  }
}

async function flag(server, token, { id, reason, note }) {
  const body = note ? { reason, note } : { reason };
  const { data } = await request(server, "POST", `${annotationPath(id)}/flags`, { token, body });
  return data;
}

function annotationPath(id) {
  return `api/annotations/${encodeURIComponent(id)}`;
}

async function signOut(server) {
  const token = sessionOf(server)?.token;
  forget(server);
  readerChanged(); // the stream was the reader's: it starts again, anonymous
  if (token) await request(server, "DELETE", "api/tokens/current", { token }).catch(() => null);
  return null;
}
