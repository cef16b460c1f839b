// What each role in a reading group may do, as the server decides it (server/postil/store/
// groups.py), so that the options page and the sidebar offer a reader only what the server will
// do for them. Pure; one case table (tests/fixtures/group-role-cases.json) runs against this
// module in Node and against the API in the server's tests, so the two cannot drift apart.
//
// Roles: the owner manages the group (roles, removing anyone, deleting it); moderators invite,
// see and revoke invites, remove plain members, and hide or show the group's annotations;
// members read and write.

export const ROLES = Object.freeze(["owner", "moderator", "member"]);
export const MODERATING_ROLES = Object.freeze(["owner", "moderator"]);

const moderates = (role) => MODERATING_ROLES.includes(role);

/**
 * Whether a reader with `role` may do `action` in their group; `target` is the role of the
 * member acted on (`set_role`, `remove`). Actions: `invite`, `list_invites`, `revoke_invite`,
 * `set_role`, `remove`, `delete_group`, `hide`, `show`. Anything unknown is refused.
 */
export function may(role, action, target = null) {
  switch (action) {
    case "invite":
    case "list_invites":
    case "revoke_invite":
    case "hide":
    case "show":
      return moderates(role);
    case "set_role":
    case "delete_group":
      return role === "owner";
    case "remove":
      return role === "owner" || (role === "moderator" && target === "member");
    default:
      return false;
  }
}

/**
 * Whether the reader (`user`, with `groups` as the server listed them: `[{id, role}]`) may hide
 * or show annotation `a` in the sidebar: another reader's annotation, saved, in a group the
 * reader moderates. Their own notes are theirs to edit or delete instead.
 */
export function mayModerate(a, groups, user) {
  if (!a || a.visibility !== "group" || !a.group || a.pending || a.failed) return false;
  if (!user || a.user === user) return false;
  const role = (groups ?? []).find((g) => g.id === a.group)?.role;
  return may(role, a.hidden ? "show" : "hide");
}

/**
 * Whether reply `row` of the thread below annotation `root` (`rows`: the thread's rows, each
 * with `reply_to`) is hidden because something above it is: hiding hides the whole thread below,
 * and such a reply cannot be shown on its own (the server answers 409: show the one above).
 */
export function hiddenAbove(row, root, rows) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const seen = new Set();
  for (let parent = row.reply_to; parent && !seen.has(parent); parent = byId.get(parent)?.reply_to) {
    seen.add(parent);
    if (parent === root?.id) return Boolean(root.hidden);
    if (byId.get(parent)?.hidden) return true;
  }
  return false;
}

/** Whether the reader may hide reply `row` (of the thread below `root`) or show it again. */
export function mayModerateReply(row, root, rows, groups, user) {
  if (row.deleted || !mayModerate(row, groups, user)) return false;
  return !(row.hidden && hiddenAbove(row, root, rows));
}
