// Every message type the extension's parts send each other, named once.
//
// Content scripts, the popup and the options page ask the background (the only part that talks to
// the server) with `send(type, payload)`; the background answers `{ok: true, value}` or
// `{ok: false, error}`. The background and the popup tell a tab's content script things with the
// `TO_CONTENT` types. Keeping the names in one module means a typo is an import error, not a
// message nobody answers.

export const TO_BACKGROUND = Object.freeze({
  // Annotations of one post: the server's, merged with local changes not yet synced.
  LIST_ANNOTATIONS: "annotations/list",
  CREATE_ANNOTATION: "annotation/create",
  UPDATE_ANNOTATION: "annotation/update",
  DELETE_ANNOTATION: "annotation/delete",
  // Some of a post's annotations as the background knows them now (`{post, ids}`): its cached
  // copy, kept current by the live stream, overlaid with the queue. Answers `{items}` (an id
  // missing: not there for this reader any more), or null when it has no copy of that post.
  ANNOTATIONS_STATE: "annotations/state",
  // How many annotations this post has on the server (a `limit=0` query).
  COUNT_ANNOTATIONS: "annotations/count",
  // Signed-in user, server reachability, queued and failed changes.
  GET_STATUS: "status/get",
  SYNC_NOW: "queue/sync-now",
  DISCARD_FAILED: "queue/discard-failed",
  GET_SETTINGS: "settings/get",
  SAVE_SETTINGS: "settings/save",
  SIGN_IN: "auth/sign-in",
  SIGN_OUT: "auth/sign-out",
  // The options page's "Password and sessions": the reader's sessions on the server (tokens,
  // without their secrets), ending one or all but this browser's, and changing the password.
  LIST_SESSIONS: "sessions/list",
  REVOKE_SESSION: "sessions/revoke",
  SIGN_OUT_OTHERS: "sessions/sign-out-others",
  CHANGE_PASSWORD: "account/change-password",
  // Delete the signed-in reader's account (`{password, publicAnnotations}`); signs out after.
  DELETE_ACCOUNT: "account/delete",
  // The notebook page: one page of the signed-in user's annotations across posts, by filters.
  NOTEBOOK_QUERY: "notebook/query",
  // Sites the user can pick from in the notebook's site filter.
  NOTEBOOK_SITES: "notebook/sites",
  // Edit or delete from the notebook, through the offline queue; replies once the server has it.
  NOTEBOOK_UPDATE: "notebook/update",
  NOTEBOOK_DELETE: "notebook/delete",
  // Reading groups (background/groups.js). The reader's groups with their role and member count
  // (`{maxAgeMs}`: a copy that recent will do, and the last copy when the server is away);
  // make one (`{name, description}`) or delete it (`{group}`, a group's id; its owner); a
  // group's members (`{group}`), a member's role (`{group, user, role}`, the owner), removing a
  // member (`{group, user}`) or leaving (`{group}`). shared/roles.js says which of these a role
  // may ask for.
  LIST_GROUPS: "groups/list",
  CREATE_GROUP: "groups/create",
  DELETE_GROUP: "groups/delete",
  LIST_MEMBERS: "groups/members",
  SET_MEMBER_ROLE: "groups/set-role",
  REMOVE_MEMBER: "groups/remove-member",
  LEAVE_GROUP: "groups/leave",
  // An invite link for a group (`{group, expiresIn, maxUses}`, both optional: seconds, uses); the
  // group an invite link or token is for (`{invite}`), and joining it (`{invite}`).
  // A group's invites (`{group}`: `[{id, created, created_by, expires, max_uses, uses, status}]`)
  // and revoking one (`{group, invite}`, its `id`), owners and moderators.
  CREATE_INVITE: "invites/create",
  LIST_INVITES: "invites/list",
  REVOKE_INVITE: "invites/revoke",
  PREVIEW_INVITE: "invites/preview",
  ACCEPT_INVITE: "invites/accept",
  // A group's owner or moderator hides another reader's annotation in it from the group, or
  // shows it again (`{id, post, hidden}`); answers the annotation as the server now has it.
  SET_HIDDEN: "annotation/set-hidden",
  // A registered site's moderation (shared/moderation.js). The site a post is on as the server
  // has it (`{post}`): `{site, name, policy, you}` as `GET /api/sites/lookup` answers, or null
  // for a site nobody registered (no moderators to read a flag). Flag another reader's public
  // note for the site's moderators (`{id, reason, note}`): answers the flag; sent at once, never
  // queued, its refusal (409 flagged already, 429) told to the reader.
  SITE_OF_POST: "site/of-post",
  FLAG_ANNOTATION: "annotation/flag",
  // Remember (or with `visibility: null` forget) the visibility of new notes on a site:
  // `{site, visibility, group}`.
  REMEMBER_SITE_VISIBILITY: "settings/site-visibility",
  // Replies (background/replies.js). The thread below an annotation (`{id}`): `{items}` in
  // thread order with `depth`, queued replies included (`pending`). A reply (`{parent: {id,
  // post}, note}`), queued like a create, behind its parent's create when that is queued too.
  LIST_REPLIES: "replies/list",
  CREATE_REPLY: "reply/create",
  // Replies other readers wrote to the reader's annotations (`{limit}`): `{items, unread, total}`
  // as `GET /api/me/replies` gives them; marking them read (`{until}`, a reply's `created`),
  // which also clears the button's badge.
  REPLIES_TO_ME: "me/replies",
  MARK_REPLIES_READ: "me/replies/read",
});

// Long-lived connections (runtime.connect) and what travels over them.
export const PORTS = Object.freeze({
  // A file from `GET /api/export` (notebook and popup). The page sends
  // `{filters, format, flavor}`; the background answers `{type: "start", filename, mimetype}`,
  // `{type: "chunk", base64}` as many times as the file needs, then `{type: "end", bytes}`, or
  // `{type: "error", error}` at any point. `{everything: true}` asks for the zip of everything
  // the reader made (`GET /api/me/export`) instead.
  EXPORT: "export",
  // Live updates (background/live.js): a page showing posts keeps one open. The page sends
  // `{type: "watch", posts}` (the posts it shows, again whenever that changes) and `{type:
  // "ping"}` now and then (a message keeps a service worker awake); the background sends
  // `{type: "placed"}` after each watch once its stream is placed (the page's first load waits
  // for it), `{type: "changed", byKey: {groupKey: [ids]}, removed: [ids], replied: [{id,
  // reply_to}]}` (read them with ANNOTATIONS_STATE; `replied`, when any: replies made, edited or deleted
  // in a thread on a shown post, whose thread to read again with LIST_REPLIES) and `{type:
  // "reset"}` (load everything again). A closed port (the worker
  // was stopped) is opened again by the page, which wakes the worker.
  LIVE: "live",
});

export const TO_CONTENT = Object.freeze({
  TOGGLE_SIDEBAR: "ui/toggle-sidebar",
  OPEN_SIDEBAR: "ui/open-sidebar",
  HIGHLIGHT_SELECTION: "ui/highlight-selection",
  // The background synced something: re-read the post's annotations.
  ANNOTATIONS_CHANGED: "annotations/changed",
  // Whether the server answers changed (the background learnt it from a request): show it.
  STATUS_CHANGED: "status/changed",
  // The popup asks which post the tab shows.
  GET_PAGE_POST: "page/get-post",
});

/** The `error` of a failed reply for an exception: what it says of itself, else "internal". */
export function errorOf(err) {
  if (err?.kind) return err.toJSON ? err.toJSON() : { kind: err.kind, code: err.code, message: err.message };
  return { code: "internal", message: String(err?.message ?? err) };
}

/** Build a successful reply. */
export function ok(value) {
  return { ok: true, value };
}

/** Build a failed reply; `error` is `{code, message}`. */
export function fail(code, message) {
  return { ok: false, error: { code, message } };
}
