// A registered site's moderation, for the sidebar (shared/moderation.js decides what it offers):
// which registered site a post is on, so that a Flag button is offered only where moderators
// will read it, and flagging another reader's public note. A flag is sent at once, not queued:
// it is a word to the moderators now, and a refusal (flagged already, too many) is the
// reader's to read there and then, as the server says it.

import { request, ServerError } from "./server.js";
import { connection } from "./state.js";

// How long the answer about a site is kept: a site registered meanwhile gets its Flag buttons
// on the reader's next page after that.
const SITE_MAX_AGE_MS = 10 * 60_000;
const sites = new Map(); // `${server} ${user} ${site}` -> {at, value}

/** The registered site `post` is on (`GET /api/sites/lookup`), or null for none. */
export async function siteOfPost(post) {
  const { server, token, user } = await connection();
  const url = post?.url || (post?.site ? `https://${post.site}/` : "");
  if (!server || !url) return null;
  // A WordPress post's key names its (sub)site; a page keyed by its URL has only its host as
  // `site`, which a subsite's pages share with its parent's: such a page is kept by its address.
  const key = `${server} ${user ?? ""} ${post?.post_id != null && post?.site ? post.site : pageOf(url)}`;
  const kept = sites.get(key);
  if (kept && Date.now() - kept.at < SITE_MAX_AGE_MS) return kept.value;
  let value = null;
  try {
    ({ data: value } = await request(server, "GET", "api/sites/lookup", { token, query: { url } }));
  } catch (err) {
    // Not registered: nobody would read a flag. Anything else: not known now, asked again.
    if (err?.code !== "site_not_registered") throw err;
  }
  sites.set(key, { at: Date.now(), value });
  return value;
}

/** `url` without its query and fragment: what decides which (sub)site it lies under. */
function pageOf(url) {
  try {
    const { origin, pathname } = new URL(url);
    return origin + pathname;
  } catch {
    return url;
  }
}

/** Flag annotation `id` for its site's moderators: `{annotation, reason, note, created}`. */
export async function flagAnnotation(id, reason, note) {
  if (typeof id !== "string" || !id) throw new ServerError("permanent", 400, "invalid", "No such annotation.");
  const { server, token } = await connection();
  if (!token) throw new ServerError("unauthorized", 401, "signed_out", "Sign in first (Postil's options page).");
  const body = note ? { reason, note } : { reason };
  const { data } = await request(server, "POST", `api/annotations/${encodeURIComponent(id)}/flags`, { token, body });
  return data;
}
