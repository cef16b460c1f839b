// Reading groups, for the options page, the note editor and the sidebar: the reader's groups (kept
// in storage.local too, so the editor's picker has them offline), making and deleting one, its
// members and their roles, leaving, invite links (made, listed, revoked), joining by one, and a
// moderator hiding a group's annotation or showing it again. The server decides who may do
// what; a refusal comes back as its error, in words.
//
// Every change to the reader's memberships reloads the list and tells the open tabs, whose
// annotations change with it (a group's notes appear on joining and go on leaving).

import { groupKey } from "../post-key/index.js";
import { broadcast } from "../shared/browser.js";
import { TO_CONTENT } from "../shared/messages.js";
import { parseInvite } from "../shared/visibility.js";
import { request, ServerError } from "./server.js";
import { connection, read, update } from "./state.js";

const ROLES = ["owner", "moderator", "member"];

function invalid(message) {
  return new ServerError("permanent", 400, "invalid", message);
}

async function signedIn() {
  const { server, token, user } = await connection();
  if (!token) throw new ServerError("unauthorized", 401, "signed_out", "Sign in first.");
  return { server, token, user };
}

function groupId(value) {
  if (typeof value !== "string" || !value) throw invalid("No such group.");
  return encodeURIComponent(value);
}

/**
 * The reader's groups, `{items, at, online}`: `items` as the server lists them (id, name,
 * description, role, member_count, created). A copy younger than `maxAgeMs` is used as it is;
 * when the server cannot be reached the last copy is, with `online: false`.
 */
export async function listGroups({ maxAgeMs = 0 } = {}) {
  const { server, token, user } = await connection();
  if (!token) return { items: [], at: null, online: true };
  const { groups: cached } = await read(["groups"]);
  const mine = cached && cached.user === user && cached.server === server ? cached : null;
  if (mine && maxAgeMs > 0 && Date.now() - mine.at < maxAgeMs) return { items: mine.items, at: mine.at, online: true };
  try {
    return { ...(await reload(server, token, user)), online: true };
  } catch (err) {
    if (err?.kind !== "transient" || !mine) throw err;
    return { items: mine.items, at: mine.at, online: false };
  }
}

async function reload(server, token, user) {
  const { data } = await request(server, "GET", "api/groups", { token });
  const items = data?.items ?? [];
  const at = Date.now();
  await update(["groups"], (state) => {
    state.groups = { server, user, items, at };
  });
  return { items, at };
}

/**
 * The server said what the reader may see changed (the live stream's `reset`: they joined, left,
 * were removed or given another role, maybe elsewhere): the kept list is not to be trusted as
 * young, so the next page that asks reads the roles again.
 */
export async function groupsMayHaveChanged() {
  await update(["groups"], (state) => {
    if (state.groups) state.groups = { ...state.groups, at: 0 };
  });
}

/** The memberships changed: reload the list and let open pages show what the reader may see now. */
async function membershipsChanged(server, token, user) {
  await reload(server, token, user).catch(() => {});
  broadcast(TO_CONTENT.ANNOTATIONS_CHANGED).catch(() => {});
}

export async function createGroup(name, description = "") {
  const { server, token, user } = await signedIn();
  if (!String(name ?? "").trim()) throw invalid("A group needs a name.");
  const { data } = await request(server, "POST", "api/groups", {
    token, body: { name: String(name).trim(), description: String(description ?? "").trim() },
  });
  await membershipsChanged(server, token, user);
  return data;
}

/**
 * Delete a group (its owner). Nothing anyone wrote in it is deleted: every annotation in it
 * becomes its author's private one, so the group's notes by others leave the reader's pages.
 */
export async function deleteGroup(group) {
  const { server, token, user } = await signedIn();
  await request(server, "DELETE", `api/groups/${groupId(group)}`, { token });
  await membershipsChanged(server, token, user);
}

/** A group's members, `[{user, role, joined}]`. */
export async function listMembers(group) {
  const { server, token } = await signedIn();
  const { data } = await request(server, "GET", `api/groups/${groupId(group)}/members`, { token });
  return data?.items ?? [];
}

export async function setMemberRole(group, member, role) {
  if (!ROLES.includes(role)) throw invalid(`A role is one of ${ROLES.join(", ")}.`);
  if (typeof member !== "string" || !member) throw invalid("No such member.");
  const { server, token, user } = await signedIn();
  const { data } = await request(server, "PATCH", `api/groups/${groupId(group)}/members/${encodeURIComponent(member)}`, {
    token, body: { role },
  });
  await membershipsChanged(server, token, user);
  return data;
}

export async function removeMember(group, member) {
  if (typeof member !== "string" || !member) throw invalid("No such member.");
  const { server, token, user } = await signedIn();
  await request(server, "DELETE", `api/groups/${groupId(group)}/members/${encodeURIComponent(member)}`, { token });
  await membershipsChanged(server, token, user);
}

/** Leave a group: the server ends the reader's access to its notes at once. */
export async function leaveGroup(group) {
  const { user } = await signedIn();
  await removeMember(group, user);
}

/**
 * Make an invite link; `expiresIn` (seconds) and `maxUses` are optional. Returns `{link, token,
 * expires, max_uses}`: the link is what a reader pastes into "Join a group" (its token is shown
 * this once by the server, which keeps only a hash).
 */
export async function createInvite(group, { expiresIn = null, maxUses = null } = {}) {
  const body = {};
  if (expiresIn !== null && expiresIn !== undefined && expiresIn !== "") {
    if (!Number.isInteger(expiresIn) || expiresIn <= 0) throw invalid("The expiry must be a whole number of seconds.");
    body.expires_in = expiresIn;
  }
  if (maxUses !== null && maxUses !== undefined && maxUses !== "") {
    if (!Number.isInteger(maxUses) || maxUses <= 0) throw invalid("The use limit must be a whole number, 1 or more.");
    body.max_uses = maxUses;
  }
  const { server, token } = await signedIn();
  const { data } = await request(server, "POST", `api/groups/${groupId(group)}/invites`, { token, body });
  const link = data?.links?.preview ?? `${server}/api/invites/${data.token}`;
  return { link, token: data.token, expires: data.expires ?? null, max_uses: data.max_uses ?? null };
}

/**
 * A group's invites, newest first (owners and moderators): `[{id, created, created_by, expires,
 * max_uses, uses, status}]`, `status` one of "active", "revoked", "expired", "used up". Never
 * their tokens: the server keeps only hashes.
 */
export async function listInvites(group) {
  const { server, token } = await signedIn();
  const { data } = await request(server, "GET", `api/groups/${groupId(group)}/invites`, { token });
  return data?.items ?? [];
}

/** Revoke invite `invite` (its number in the list) of a group: its link stops working at once. */
export async function revokeInvite(group, invite) {
  if (!Number.isInteger(invite) || invite <= 0) throw invalid("No such invite.");
  const { server, token } = await signedIn();
  await request(server, "DELETE", `api/groups/${groupId(group)}/invites/${invite}`, { token });
}

/**
 * Hide a group's annotation from its members (`hidden` true) or show it again (false), as one
 * of the group's owners or moderators; returns the annotation as the server now has it. Not
 * queued: a moderator's decision needs the server's word (it may refuse), shown at once. The
 * post's cached copy takes the answer, so the page that asked shows it as it is now (other tabs
 * hear of it from the live stream, as of any change).
 */
export async function setHidden(id, post, hidden) {
  if (typeof id !== "string" || !id) throw invalid("No such annotation.");
  const { server, token, user } = await signedIn();
  const { data } = await request(server, hidden ? "PUT" : "DELETE", `api/annotations/${encodeURIComponent(id)}/hidden`, { token });
  if (data?.id && post) {
    const key = groupKey(post);
    await update(["cache"], (state) => {
      const copy = state.cache?.[key];
      if (copy?.user !== user || !Array.isArray(copy.items)) return;
      copy.items = copy.items.map((item) => (item.id === data.id ? data : item));
    });
  }
  return data;
}

/** The token of a pasted invite, refused in words if it is not one or is for another server. */
function inviteToken(input, server) {
  const parsed = parseInvite(input);
  if (!parsed) throw invalid("That is not an invite link: paste the whole link you were sent.");
  if (parsed.server && parsed.server.replace(/\/+$/, "") !== server.replace(/\/+$/, "")) {
    throw invalid(`This invite is for the server at ${parsed.server}; you are signed in to ${server}.`);
  }
  return encodeURIComponent(parsed.token);
}

/** The group an invite is for, `{id, name, description, member_count, member}`, before joining. */
export async function previewInvite(input) {
  const { server, token } = await signedIn();
  const { data } = await request(server, "GET", `api/invites/${inviteToken(input, server)}`, { token });
  return data;
}

/** Join the group of an invite; returns the group. */
export async function acceptInvite(input) {
  const { server, token, user } = await signedIn();
  const { data } = await request(server, "POST", `api/invites/${inviteToken(input, server)}/accept`, { token });
  await membershipsChanged(server, token, user);
  return data;
}

/** Name of a group the reader is in, from the last list (for a note saved while offline). */
export async function groupName(group) {
  const { groups: cached } = await read(["groups"]);
  return cached?.items?.find((g) => g.id === group)?.name ?? null;
}
