// The background: the only part of the extension that talks to the Postil server.
//
// It answers the messages named in shared/messages.js with one switch on `type`, keeps the sign-in
// and the offline queue (queue.js) in storage.local, and drains that queue whenever it wakes: when
// the worker (Chromium) or event page (Firefox) starts, on the `postil-sync` alarm, after every
// change, and as soon as a request shows the server answering again. Keyboard commands are passed
// on to the active tab's content script.

import { activeTab, alarms, broadcast, onCommand, onConnect, onInstalled, onMessage, onStartup, openOptionsPage, sendToTab, storage } from "../shared/browser.js";
import { groupKey, postQuery, wirePost } from "../post-key/index.js";
import { COLORS, EDITABLE_FIELDS, VISIBILITIES } from "../shared/contract.js";
import { PORTS, TO_BACKGROUND as T, TO_CONTENT, errorOf, fail, ok } from "../shared/messages.js";
import { deleteAccount, streamEverything } from "./account.js";
import { flagAnnotation, siteOfPost } from "./moderation.js";
import { deleteFromNotebook, notebookSites, queryNotebook, streamExport, updateFromNotebook } from "./notebook.js";
import { discardFailed, drain, enqueueCreate, enqueueDelete, enqueueUpdate, onQueueEvent, overlay, retryNow } from "./queue.js";
import { PLACE_WAIT_MS, liveMark, replaySince, startLive, streamPlaced } from "./live.js";
import { annotationsQuery, fetchPages, request } from "./server.js";
import { createReply, listReplies, markRepliesRead, refreshUnread, repliesToMe } from "./replies.js";
import {
  acceptInvite, createGroup, createInvite, deleteGroup, groupName, leaveGroup, listGroups, listInvites, listMembers,
  previewInvite, removeMember, revokeInvite, setHidden, setMemberRole,
} from "./groups.js";
import { changePassword, listSessions, revokeSession, sessionLabel, signOutOthers } from "./sessions.js";
import { auth, connection, read, settings, update } from "./state.js";
import { choiceValue, defaultVisibility, fromChoice } from "../shared/visibility.js";

const SYNC_ALARM = "postil-sync";

onMessage(async (message) => {
  try {
    switch (message.type) {
      case T.LIST_ANNOTATIONS:
        return ok(await listAnnotations(message.post));
      case T.CREATE_ANNOTATION:
        return ok(await createAnnotation(message.annotation));
      case T.UPDATE_ANNOTATION:
        return ok(await updateAnnotation(message.id, message.post, message.changes));
      case T.DELETE_ANNOTATION:
        await enqueueDelete(message.id, wirePost(message.post));
        return ok(null);
      case T.ANNOTATIONS_STATE:
        return ok(await annotationState(message.post, message.ids));
      case T.COUNT_ANNOTATIONS:
        return ok(await countAnnotations(message.post));
      case T.GET_STATUS:
        return ok(await status(message.probe !== false));
      case T.SYNC_NOW:
        await retryNow();
        return ok(await status(false));
      case T.DISCARD_FAILED:
        await discardFailed(message.seq ?? null);
        return ok(null);
      case T.GET_SETTINGS:
        return ok({ ...(await settings()), user: (await connection()).user });
      case T.SAVE_SETTINGS:
        return ok(await saveSettings(message.settings ?? {}));
      case T.SIGN_IN:
        return ok(await signIn(message.server, message.username, message.password));
      case T.SIGN_OUT:
        await signOut();
        return ok(null);
      case T.LIST_SESSIONS:
        return ok(await listSessions());
      case T.REVOKE_SESSION:
        await revokeSession(message.id);
        return ok(null);
      case T.SIGN_OUT_OTHERS:
        await signOutOthers();
        return ok(null);
      case T.CHANGE_PASSWORD:
        await changePassword(message.currentPassword, message.newPassword);
        return ok(null);
      case T.DELETE_ACCOUNT:
        return ok(await deleteAccount(message.password, message.publicAnnotations));
      case T.NOTEBOOK_QUERY:
        return ok(await queryNotebook(message.filters, message.cursor, message.limit));
      case T.NOTEBOOK_SITES:
        return ok(await notebookSites());
      case T.NOTEBOOK_UPDATE:
        return ok(await updateFromNotebook(message.annotation, message.changes));
      case T.NOTEBOOK_DELETE:
        return ok(await deleteFromNotebook(message.annotation));
      case T.LIST_GROUPS:
        return ok(await listGroups({ maxAgeMs: message.maxAgeMs ?? 0 }));
      case T.CREATE_GROUP:
        return ok(await createGroup(message.name, message.description));
      case T.DELETE_GROUP:
        await deleteGroup(message.group);
        return ok(null);
      case T.LIST_MEMBERS:
        return ok(await listMembers(message.group));
      case T.SET_MEMBER_ROLE:
        return ok(await setMemberRole(message.group, message.user, message.role));
      case T.REMOVE_MEMBER:
        await removeMember(message.group, message.user);
        return ok(null);
      case T.LEAVE_GROUP:
        await leaveGroup(message.group);
        return ok(null);
      case T.CREATE_INVITE:
        return ok(await createInvite(message.group, { expiresIn: message.expiresIn ?? null, maxUses: message.maxUses ?? null }));
      case T.LIST_INVITES:
        return ok(await listInvites(message.group));
      case T.REVOKE_INVITE:
        await revokeInvite(message.group, message.invite);
        return ok(null);
      case T.SITE_OF_POST:
        return ok(await siteOfPost(message.post));
      case T.FLAG_ANNOTATION:
        return ok(await flagAnnotation(message.id, message.reason, message.note ?? ""));
      case T.SET_HIDDEN:
        return ok(await setHidden(message.id, message.post, message.hidden === true));
      case T.PREVIEW_INVITE:
        return ok(await previewInvite(message.invite));
      case T.ACCEPT_INVITE:
        return ok(await acceptInvite(message.invite));
      case T.REMEMBER_SITE_VISIBILITY:
        return ok(await rememberSiteVisibility(message.site, message.visibility ?? null, message.group ?? null));
      case T.LIST_REPLIES:
        return ok(await listReplies(message.id));
      case T.CREATE_REPLY:
        return ok(await createReply(message.parent, message.note));
      case T.REPLIES_TO_ME:
        return ok(await repliesToMe(message.limit ?? 50, message.cursor ?? null));
      case T.MARK_REPLIES_READ:
        return ok(await markRepliesRead(message.until ?? null));
      default:
        return fail("unknown_message", `No such message: ${message.type}`);
    }
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  }
});

// Exports go over a port, in pieces (see PORTS.EXPORT): one message could not carry a large file.
onConnect(PORTS.EXPORT, (port) => {
  let open = true;
  port.onDisconnect.addListener(() => {
    open = false;
  });
  let started = false;
  port.onMessage.addListener(async (message) => {
    // One export per port; later messages are the page's keep-alive pings (each one an event
    // that keeps Chromium from stopping an idle-looking worker during a slow export).
    if (started) return;
    started = true;
    const post = (piece) => {
      if (!open) throw new Error("the page that asked for the export has closed");
      port.postMessage(piece);
    };
    try {
      if (message?.everything) await streamEverything(post);
      else await streamExport(message?.filters, message?.format, message?.flavor ?? null, post);
    } catch (err) {
      if (open) port.postMessage({ type: "error", error: errorOf(err) });
    }
  });
});

/** The post's annotations from the server, overlaid with queued changes; cached for offline use. */
async function listAnnotations(post) {
  const key = groupKey(post);
  const { server, token, user } = await connection();
  let items;
  let online = true;
  let error = null;
  // Ops queued before the list is read may land on the server after it was read: they are laid
  // over it too, or a change would vanish from the page until the next refresh.
  const { queue: queuedBefore = [] } = await read(["queue"]);
  // A stream being opened (this page's first load opened it) is placed first, so the list
  // misses nothing it will not bring; live events that arrive while the list is on its way
  // are laid over it (live.js).
  await streamPlaced(PLACE_WAIT_MS);
  const mark = liveMark(key);
  try {
    // With the tombstones of deleted notes that live replies still answer, which head their
    // threads in the sidebar (replies=include); the replies themselves are the threads' own.
    const query = { ...annotationsQuery(post), replies: "include" };
    items = (await fetchPages(server, "api/annotations", { token, query })).filter((item) => !item.reply_to);
    await update(["cache", "serverStatus"], (state) => {
      items = replaySince(mark, key, items);
      state.cache ??= {};
      state.cache[key] = { items, at: Date.now(), user };
      state.serverStatus = { up: true, at: Date.now() };
    });
    // The server is answering: anything that was waiting for it can go now, and the unread
    // count may have moved (asked at most every few seconds however many pages load).
    refreshUnread({ maxAgeMs: 2000 }).catch(() => {});
    const { queue = [] } = await read(["queue"]);
    if (queue.length && token) retryNow().catch(() => {});
  } catch (err) {
    if (err?.kind !== "transient" && err?.kind !== "unauthorized") throw err;
    online = false;
    error = err.toJSON();
    const { cache = {} } = await read(["cache"]);
    items = cache[key]?.user === user ? cache[key].items : [];
  }
  const { queue = [], failed = [] } = await read(["queue", "failed"]);
  // Those that left the queue since landed (a refused one is in `failed`, and shown as such).
  const known = new Set([...queue, ...failed].map((op) => op.seq));
  const ops = [...queuedBefore.filter((op) => !known.has(op.seq)), ...queue];
  return { items: overlay(items, ops, failed, key, user), user, online, error, signedIn: Boolean(token) };
}

/**
 * Annotations `ids` of a post as this reader sees them now: the cached copy (which the live
 * stream keeps current) overlaid with the queued and refused changes, as listAnnotations lays
 * them. Null when there is no copy of that post for this reader to answer from.
 */
async function annotationState(post, ids) {
  const key = groupKey(post);
  const wanted = new Set(Array.isArray(ids) ? ids : []);
  const { user } = await connection();
  const { cache = {}, queue = [], failed = [] } = await read(["cache", "queue", "failed"]);
  const copy = cache[key];
  if (!copy || copy.user !== user) return null;
  const mine = (list) => list.filter((x) => wanted.has(x.id));
  return { items: overlay(mine(copy.items), mine(queue), mine(failed), key, user) };
}

async function countAnnotations(post) {
  const { server, token } = await connection();
  const { data } = await request(server, "GET", "api/annotations", { token, query: { ...postQuery(post), limit: 0 } });
  return data?.total ?? 0;
}

/**
 * Validate what the content script sent, give it an id, queue it, and return the local copy. A
 * draft without a visibility (or "group" without a group) takes the reader's default for its site.
 */
async function createAnnotation(draft) {
  if (!draft?.post) throw Object.assign(new Error("An annotation needs a post"), { kind: "invalid", code: "invalid" });
  const s = await settings();
  const picked = VISIBILITIES.includes(draft.visibility) && (draft.visibility !== "group" || typeof draft.group === "string")
    ? fromChoice(choiceValue(draft))
    : defaultVisibility(s, draft.post.site ?? null);
  const annotation = {
    id: draft.id ?? crypto.randomUUID(),
    post: wirePost(draft.post),
    quote: String(draft.quote ?? ""),
    selectors: Array.isArray(draft.selectors) ? draft.selectors : [],
    note: String(draft.note ?? ""),
    color: COLORS.includes(draft.color) ? draft.color : s.defaultColor,
    tags: Array.isArray(draft.tags) ? draft.tags.map(String) : [],
    visibility: picked.visibility,
  };
  // A group annotation names its group; "group" with none would be refused, so it is never sent.
  // Its name goes with the queued op (not to the server) so the page can show it before sync.
  const local = {};
  if (annotation.visibility === "group") {
    annotation.group = picked.group;
    local.group_name = await groupName(picked.group);
  }
  await enqueueCreate(annotation, local);
  const { user } = await connection();
  return { ...annotation, ...local, user: user ?? "you", note_html: null, pending: true };
}

async function updateAnnotation(id, post, changes) {
  const allowed = {};
  for (const field of EDITABLE_FIELDS) if (changes && field in changes) allowed[field] = changes[field];
  // Out of a group: say so (group null), so a queued "group" edit folded in before is undone too.
  if ("visibility" in allowed && allowed.visibility !== "group") allowed.group = null;
  const local = {};
  if (allowed.visibility === "group" && typeof allowed.group === "string") local.group_name = await groupName(allowed.group);
  else if ("visibility" in allowed) local.group_name = null;
  await enqueueUpdate(id, wirePost(post), allowed, local);
  return { id, ...allowed, ...local };
}

async function status(probe) {
  const { server, token, user } = await connection();
  const { queue = [], failed = [], serverStatus = null } = await read(["queue", "failed", "serverStatus"]);
  let up = serverStatus?.up ?? null;
  let me = user;
  let problem = serverStatus?.error ?? null;
  if (probe) {
    try {
      const { data } = await request(server, "GET", "api/me", { token });
      me = data?.user?.name ?? me;
      up = true;
      problem = null;
    } catch (err) {
      up = err?.kind !== "transient";
      problem = err?.toJSON ? err.toJSON() : { message: String(err) };
      if (err?.kind === "unauthorized") me = null;
    }
  }
  return {
    server,
    user: token ? me : null,
    signedIn: Boolean(token),
    serverUp: up,
    problem,
    queued: queue.length,
    failed: failed.map((op) => ({ seq: op.seq, kind: op.kind, id: op.id, quote: op.body?.quote ?? "", error: op.error })),
  };
}

async function saveSettings(changes) {
  const next = {};
  if (typeof changes.server === "string" && changes.server.trim()) next.server = normaliseServer(changes.server);
  if (COLORS.includes(changes.defaultColor)) next.defaultColor = changes.defaultColor;
  if (VISIBILITIES.includes(changes.defaultVisibility)) {
    // "group" goes with the group's id; one without is no default at all.
    const { visibility, group } = fromChoice(choiceValue({ visibility: changes.defaultVisibility, group: changes.defaultGroup }));
    if (visibility === changes.defaultVisibility) {
      next.defaultVisibility = visibility;
      next.defaultGroup = group;
    }
  }
  await update(["settings"], (state) => {
    state.settings = { ...(state.settings ?? {}), ...next };
  });
  return settings();
}

/** Remember what a new note on `site` starts as (the last choice made there), or forget it. */
async function rememberSiteVisibility(site, visibility, group) {
  if (typeof site !== "string" || !site) throw Object.assign(new Error("No site named"), { kind: "invalid", code: "invalid" });
  await update(["settings"], (state) => {
    const saved = { ...(state.settings ?? {}) };
    const sites = { ...(saved.siteVisibility ?? {}) };
    if (visibility === null) delete sites[site];
    else sites[site] = fromChoice(choiceValue({ visibility, group }));
    saved.siteVisibility = sites;
    state.settings = saved;
  });
  return settings();
}

function normaliseServer(value) {
  const url = new URL(value.trim());
  if (url.protocol !== "http:" && url.protocol !== "https:") throw Object.assign(new Error("The server URL must start with http:// or https://"), { kind: "invalid", code: "invalid_server" });
  return url.origin + url.pathname.replace(/\/+$/, "");
}

async function signIn(serverInput, username, password) {
  const server = serverInput ? normaliseServer(serverInput) : (await settings()).server;
  const { data } = await request(server, "POST", "api/tokens", { body: { username, password, label: sessionLabel() } });
  await update(["settings", "auth", "serverStatus"], (state) => {
    state.settings = { ...(state.settings ?? {}), server };
    state.auth = { server, token: data.token, user: data.user?.name ?? username };
    state.serverStatus = { up: true, at: Date.now() };
  });
  retryNow().catch(() => {});
  broadcast(TO_CONTENT.ANNOTATIONS_CHANGED).catch(() => {});
  return { user: data.user?.name ?? username, server };
}

async function signOut() {
  const current = await auth();
  if (current?.token) {
    try {
      await request(current.server, "DELETE", "api/tokens/current", { token: current.token });
    } catch {
      // Signing out locally matters more than telling an unreachable server.
    }
  }
  await update(["auth", "cache", "groups"], (state) => {
    state.auth = null;
    state.cache = {};
    state.groups = null;
    state.threads = {};
  });
  broadcast(TO_CONTENT.ANNOTATIONS_CHANGED).catch(() => {});
}

// Tell open pages when their annotations' sync state changed, so badges and ids stay current.
let notifyTimer = null;
onQueueEvent((event) => {
  if (event.type !== "synced" && event.type !== "failed") return;
  clearTimeout(notifyTimer);
  notifyTimer = setTimeout(() => {
    broadcast(TO_CONTENT.ANNOTATIONS_CHANGED).catch(() => {});
    // A sync is a moment the server answers: the unread count may have moved too.
    refreshUnread().catch(() => {});
  }, 200);
});

// Open pages say whether the server answers, as the popup does: tell them when that flips, whichever
// request (a list, the queue, a sign-in) found it out.
storage.onChanged((changes) => {
  // Signed in or out, here or by another of the extension's pages: the badge is the new reader's.
  if (changes.auth) refreshUnread().catch(() => {});
  const change = changes.serverStatus;
  if (!change) return;
  const was = change.oldValue ?? {};
  const now = change.newValue ?? {};
  if (was.up !== now.up || Boolean(was.unauthorized) !== Boolean(now.unauthorized)) {
    broadcast(TO_CONTENT.STATUS_CHANGED).catch(() => {});
  }
});

onCommand(async (command, tab) => {
  const target = tab ?? (await activeTab());
  if (!target) return;
  if (command === "highlight-selection") await sendToTab(target.id, TO_CONTENT.HIGHLIGHT_SELECTION);
  if (command === "toggle-sidebar") await sendToTab(target.id, TO_CONTENT.TOGGLE_SIDEBAR);
});

alarms.onAlarm((alarm) => {
  if (alarm.name !== SYNC_ALARM) return;
  drain().catch(() => {});
  // Replies to the reader arrive while no page asks: the alarm (every half minute) asks for them.
  refreshUnread().catch(() => {});
});

function wake() {
  alarms.create(SYNC_ALARM, { periodInMinutes: 0.5 });
  drain().catch(() => {});
  refreshUnread().catch(() => {});
}

onStartup(wake);
onInstalled(async (details) => {
  wake();
  // A fresh install cannot sync anything until the reader names a server and signs in.
  if (details?.reason === "install" && !(await auth())) openOptionsPage();
});
// Every start of the worker or event page (not only browser start-up) drains what is left.
wake();
startLive();
