// The options page's "Groups" section, for a signed-in reader: the groups they are in (their role,
// how many members), making a group, an invite link for one (optional expiry and use limit) to
// copy and send, joining by such a link (the group's name shown first), leaving, the members with
// their roles, and for those whose role allows it (shared/roles.js, which follows the server's
// rules) changing a role, removing a member, the group's invites to revoke, and deleting the
// group. An action the reader's role may not take is not offered at all.
//
// options.js calls `showGroups(signedIn)` whenever the sign-in changes, and hears of every new
// list through `onGroups` (the default visibility picker offers the groups). Like every page, it
// asks the background, which alone talks to the server.

import { send } from "../shared/browser.js";
import { TO_BACKGROUND as T } from "../shared/messages.js";
import { may } from "../shared/roles.js";

const $ = (id) => document.getElementById(id);
const ROLE_NAMES = { owner: "Owner", moderator: "Moderator", member: "Member" };
const INVITE_STATES = { active: "Active", revoked: "Revoked", expired: "Expired", "used up": "Used up" };
const EXPIRIES = [["", "Never"], ["3600", "In an hour"], ["86400", "In a day"], ["604800", "In a week"], ["2592000", "In 30 days"]];

let listeners = [];
let me = null;

function say(id, text, tone = "") {
  $(id).textContent = text;
  $(id).className = tone;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

let uid = 0;
const nextId = (stem) => `${stem}-${(uid += 1)}`;

/** Hear every list of the reader's groups this section loads (null when signed out). */
export function onGroups(fn) {
  listeners.push(fn);
}

/** Show the section and its list while signed in as `user`; hide and empty it otherwise. */
export async function showGroups(signedIn, user = null) {
  me = user;
  $("groups").hidden = !signedIn;
  if (!signedIn) {
    $("group-list").replaceChildren();
    hidePreview();
    for (const id of ["groups-message", "join-message", "create-group-message"]) say(id, "");
    for (const fn of listeners) fn(null);
    return;
  }
  await refresh();
}

async function refresh() {
  const reply = await send(T.LIST_GROUPS);
  if (!reply.ok) {
    say("groups-message", `Could not list your groups: ${reply.error.message}`, "err");
    return;
  }
  const { items, online } = reply.value;
  if (!online) say("groups-message", "The server cannot be reached: this is the last list seen.", "warn");
  $("group-list").replaceChildren(...items.map(groupItem));
  $("no-groups").hidden = items.length > 0;
  for (const fn of listeners) fn(items);
}

const memberCount = (n) => `${n} member${n === 1 ? "" : "s"}`;
const when = (iso) => new Date(iso).toLocaleString();

function groupItem(group) {
  const headingId = nextId("group");
  const panel = el("div", { class: "panel" });
  const members = memberCount(group.member_count);
  const item = el("li", { "aria-labelledby": headingId, "data-group": group.id },
    el("h4", { id: headingId, text: group.name }),
    group.description ? el("p", { class: "group-description", text: group.description }) : null,
    el("p", { class: "group-meta muted" },
      el("span", { class: "role", text: `You: ${ROLE_NAMES[group.role] ?? group.role}` }), " · ",
      el("span", { class: "member-count", text: members })),
    el("div", { class: "group-actions" },
      may(group.role, "invite") ? el("button", { type: "button", "aria-label": `Invite to ${group.name}`, onclick: () => showInviteForm(group, panel) }, "Invite…") : null,
      may(group.role, "list_invites") ? el("button", { type: "button", "aria-label": `Invites of ${group.name}`, onclick: () => showInvites(group, panel) }, "Invites") : null,
      el("button", { type: "button", "aria-label": `Members of ${group.name}`, onclick: () => showMembers(group, panel) }, "Members"),
      el("button", { type: "button", "aria-label": `Leave ${group.name}`, onclick: (event) => leave(group, event.currentTarget) }, "Leave"),
      may(group.role, "delete_group") ? el("button", { type: "button", class: "danger", "aria-label": `Delete ${group.name}…`, onclick: () => showDeleteForm(group, panel) }, "Delete group…") : null),
    panel);
  return item;
}

function showInviteForm(group, panel) {
  const expiryId = nextId("invite-expiry");
  const usesId = nextId("invite-uses");
  const linkId = nextId("invite-link");
  const messageId = nextId("invite-message");
  const expiry = el("select", { id: expiryId }, EXPIRIES.map(([value, label]) => el("option", { value, text: label })));
  const uses = el("input", { id: usesId, type: "number", min: "1", step: "1", inputmode: "numeric", placeholder: "No limit" });
  const link = el("input", { id: linkId, type: "text", readonly: true, class: "invite-link-text" });
  const copied = el("p", { class: "copied", role: "status" });
  const copy = el("button", { type: "button", onclick: async () => {
    try {
      await navigator.clipboard.writeText(link.value);
      copied.textContent = "Copied. Send it to whoever should join.";
    } catch {
      // No clipboard access (a browser setting): the link is selected to copy by hand.
      link.select();
      copied.textContent = "Select and copy the link above.";
    }
  } }, "Copy link");
  const result = el("div", { hidden: true },
    el("label", { for: linkId, text: "Invite link" }),
    el("div", { class: "invite-link" }, link, copy), copied);
  const message = el("p", { id: messageId, role: "status" });
  const form = el("form", { class: "invite-form", "aria-label": `Invite to ${group.name}` },
    el("label", {}, el("span", { text: "Expires" }), expiry),
    el("label", {}, el("span", { text: "How many may join with it (optional)" }), uses),
    el("button", { type: "submit" }, "Make invite link"),
    result, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "Making the link…";
    const reply = await send(T.CREATE_INVITE, {
      group: group.id,
      expiresIn: expiry.value ? Number(expiry.value) : null,
      maxUses: uses.value ? Number(uses.value) : null,
    });
    if (!reply.ok) {
      message.textContent = `Could not make an invite link: ${reply.error.message}`;
      message.className = "err";
      return;
    }
    link.value = reply.value.link;
    copied.textContent = "";
    result.hidden = false;
    const limits = [reply.value.expires ? `expires ${new Date(reply.value.expires).toLocaleString()}` : "never expires",
      reply.value.max_uses ? `${reply.value.max_uses} may join with it` : "no use limit"];
    message.className = "ok";
    message.textContent = `Invite link made (${limits.join(", ")}). It is shown this once.`;
    link.focus();
    link.select();
  });
  panel.replaceChildren(form);
  expiry.focus();
}

/** The members and their roles; `said` ({text, tone}): what the last change in it did. */
async function showMembers(group, panel, said = null) {
  const reply = await send(T.LIST_MEMBERS, { group: group.id });
  if (!reply.ok) {
    panel.replaceChildren(el("p", { class: "err", role: "status", text: `Could not list the members: ${reply.error.message}` }));
    return;
  }
  const message = el("p", { role: "status", class: said?.tone ?? "", text: said?.text ?? "" });
  const rows = reply.value.map((member) => memberRow(group, member, panel, message));
  const captionId = nextId("members");
  panel.replaceChildren(
    el("table", { class: "members", "aria-labelledby": captionId },
      el("caption", { id: captionId, class: "visually-hidden", text: `Members of ${group.name}` }),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: "Member" }), el("th", { scope: "col", text: "Role" }),
        el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: "Action" })))),
      el("tbody", {}, rows)),
    message);
}

function memberRow(group, member, panel, message) {
  const you = member.user === me;
  const name = el("td", { text: you ? `${member.user} (you)` : member.user });
  let role;
  if (!you && may(group.role, "set_role", member.role)) {
    const select = el("select", { "aria-label": `Role of ${member.user}` },
      Object.entries(ROLE_NAMES).map(([value, label]) => el("option", { value, text: label, selected: value === member.role })));
    select.addEventListener("change", async () => {
      select.disabled = true;
      const reply = await send(T.SET_MEMBER_ROLE, { group: group.id, user: member.user, role: select.value });
      if (!reply.ok) {
        message.className = "err";
        message.textContent = `Could not change ${member.user}'s role: ${reply.error.message}`;
        select.value = member.role;
        select.disabled = false;
        return;
      }
      // Drawn again: what may be done to them (removing a moderator, say) follows their role.
      await showMembers(group, panel, { tone: "ok", text: `${member.user} is now ${ROLE_NAMES[select.value].toLowerCase()}.` });
      if (select.value === "owner") await refresh();
    });
    role = el("td", {}, select);
  } else {
    role = el("td", { text: ROLE_NAMES[member.role] ?? member.role });
  }
  const action = el("td");
  if (!you && may(group.role, "remove", member.role)) {
    action.append(el("button", { type: "button", class: "danger", "aria-label": `Remove ${member.user} from ${group.name}`, onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      const reply = await send(T.REMOVE_MEMBER, { group: group.id, user: member.user });
      if (!reply.ok) {
        message.className = "err";
        message.textContent = `Could not remove ${member.user}: ${reply.error.message}`;
        button.disabled = false;
        return;
      }
      await showMembers(group, panel);
      // Counted again first: once it says so, everything shown has them gone.
      await refreshCounts();
      say("groups-message", `${member.user} was removed from ${group.name}.`, "ok");
    } }, "Remove"));
  }
  return el("tr", {}, name, role, action);
}

/**
 * The group's invite links, newest first (owners and moderators): when each was made and by
 * whom, when it expires, how many joined with it out of how many may, and whether it still works;
 * a working one can be revoked. `said`: what the last revoke did.
 */
async function showInvites(group, panel, said = null) {
  const reply = await send(T.LIST_INVITES, { group: group.id });
  if (!reply.ok) {
    panel.replaceChildren(el("p", { class: "err", role: "status", text: `Could not list the invite links: ${reply.error.message}` }));
    return;
  }
  const message = el("p", { role: "status", class: said?.tone ?? "", text: said?.text ?? "" });
  if (!reply.value.length) {
    panel.replaceChildren(el("p", { class: "muted", text: `${group.name} has no invite links yet.` }), message);
    return;
  }
  const captionId = nextId("invites");
  const rows = reply.value.map((invite) => {
    const made = `${when(invite.created)}${invite.created_by ? ` by ${invite.created_by}` : ""}`;
    const uses = invite.max_uses ? `${invite.uses} of ${invite.max_uses}` : `${invite.uses} (no limit)`;
    const state = INVITE_STATES[invite.status] ?? invite.status;
    const action = el("td");
    if (invite.status === "active" && may(group.role, "revoke_invite")) {
      action.append(el("button", { type: "button", class: "danger", "aria-label": `Revoke the invite link made ${made}`, onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        const answer = await send(T.REVOKE_INVITE, { group: group.id, invite: invite.id });
        if (!answer.ok) {
          message.className = "err";
          message.textContent = `Could not revoke the invite link: ${answer.error.message}`;
          button.disabled = false;
          return;
        }
        await showInvites(group, panel, { tone: "ok", text: "Revoked: that link no longer lets anyone join." });
      } }, "Revoke"));
    }
    return el("tr", { "data-invite": String(invite.id), class: `invite ${invite.status.replace(" ", "-")}` },
      el("td", { text: made }),
      el("td", { text: invite.expires ? when(invite.expires) : "Never" }),
      el("td", { text: uses }),
      el("td", { class: "invite-state", text: state }),
      action);
  });
  panel.replaceChildren(
    el("table", { class: "invites", "aria-labelledby": captionId },
      el("caption", { id: captionId, class: "visually-hidden", text: `Invites of ${group.name}` }),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: "Made" }), el("th", { scope: "col", text: "Expires" }),
        el("th", { scope: "col", text: "Joined with it" }), el("th", { scope: "col", text: "State" }),
        el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: "Action" })))),
      el("tbody", {}, rows)),
    el("p", { class: "help", text: "The links themselves are not shown again: the server keeps only a fingerprint of each." }),
    message);
}

/** Ask before deleting a group, saying what becomes of its notes. */
function showDeleteForm(group, panel) {
  const message = el("p", { role: "status" });
  const cancel = el("button", { type: "button", onclick: () => panel.replaceChildren() }, "Cancel");
  const confirm = el("button", { type: "button", class: "danger", onclick: async () => {
    confirm.disabled = true;
    cancel.disabled = true;
    message.className = "";
    message.textContent = "Deleting the group…";
    const reply = await send(T.DELETE_GROUP, { group: group.id });
    if (!reply.ok) {
      message.className = "err";
      message.textContent = `Could not delete ${group.name}: ${reply.error.message}`;
      confirm.disabled = false;
      cancel.disabled = false;
      return;
    }
    await refresh();
    say("groups-message", `${group.name} was deleted. Its notes are now private, each to the reader who wrote it.`, "ok");
  } }, `Delete ${group.name}`);
  const others = group.member_count - 1;
  const who = others === 0 ? "Nobody else is in it" : others === 1 ? "Its other member loses it at once" : `Its ${others} other members lose it at once`;
  panel.replaceChildren(el("div", { class: "delete-group", role: "group", "aria-label": `Delete ${group.name}?` },
    el("p", { class: "warn", text: `Delete ${group.name} for good? ${who}, and its invite links stop working.` }),
    el("p", { text: "No note is deleted: every note written in the group becomes private to the reader who wrote it, who alone sees it from then on. The rest of the group no longer does." }),
    el("div", { class: "group-actions" }, confirm, cancel),
    message));
  cancel.focus();
}

/** Update the member counts without closing an open panel. */
async function refreshCounts() {
  const reply = await send(T.LIST_GROUPS);
  if (!reply.ok) return;
  for (const group of reply.value.items) {
    const count = [...$("group-list").children].find((li) => li.dataset.group === group.id)?.querySelector(".member-count");
    if (count) count.textContent = memberCount(group.member_count);
  }
  for (const fn of listeners) fn(reply.value.items);
}

async function leave(group, button) {
  // The first press arms, the second leaves: the group's notes go out of reach at once.
  if (!button.classList.contains("confirm")) {
    // A group keeps an owner: its only owner is told so now, not armed to be refused.
    if (group.role === "owner") {
      const reply = await send(T.LIST_MEMBERS, { group: group.id });
      if (reply.ok && reply.value.filter((m) => m.role === "owner").length <= 1) {
        say("groups-message", `You are the only owner of ${group.name}: make another member owner first, or delete the group.`, "warn");
        return;
      }
    }
    button.classList.add("confirm");
    button.textContent = `Really leave ${group.name}?`;
    button.setAttribute("aria-label", `Really leave ${group.name}? Press again to leave`);
    say("groups-message", `Press again to leave ${group.name}: you will no longer see its notes.`, "warn");
    return;
  }
  button.disabled = true;
  const reply = await send(T.LEAVE_GROUP, { group: group.id });
  if (!reply.ok) {
    button.disabled = false;
    say("groups-message", `Could not leave ${group.name}: ${reply.error.message}`, "err");
    return;
  }
  await refresh();
  say("groups-message", `You left ${group.name}.`, "ok");
}

$("create-group").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("create-group-message", "Making the group…");
  const reply = await send(T.CREATE_GROUP, { name: $("group-name").value, description: $("group-description").value });
  if (!reply.ok) return say("create-group-message", `Could not make the group: ${reply.error.message}`, "err");
  $("group-name").value = "";
  $("group-description").value = "";
  say("create-group-message", `Group “${reply.value.name}” made; you own it.`, "ok");
  await refresh();
});

let previewed = null;

function hidePreview() {
  previewed = null;
  $("invite-preview").hidden = true;
  $("invite-preview-text").textContent = "";
}

$("join-group").addEventListener("submit", async (event) => {
  event.preventDefault();
  hidePreview();
  say("join-message", "Looking the invite up…");
  const invite = $("invite-input").value;
  const reply = await send(T.PREVIEW_INVITE, { invite });
  if (!reply.ok) return say("join-message", `Could not use this invite: ${reply.error.message}`, "err");
  const group = reply.value;
  const count = memberCount(group.member_count);
  if (group.member) return say("join-message", `You are already in “${group.name}”.`, "ok");
  say("join-message", "");
  previewed = { invite, group };
  $("invite-preview-text").textContent = `You are invited to “${group.name}” (${count})${group.description ? `: ${group.description}` : "."}`;
  $("accept-invite").textContent = `Join ${group.name}`;
  $("invite-preview").hidden = false;
  $("accept-invite").focus();
});

$("accept-invite").addEventListener("click", async () => {
  if (!previewed) return;
  const { invite, group } = previewed;
  $("accept-invite").disabled = true;
  const reply = await send(T.ACCEPT_INVITE, { invite });
  $("accept-invite").disabled = false;
  if (!reply.ok) return say("join-message", `Could not join “${group.name}”: ${reply.error.message}`, "err");
  hidePreview();
  $("invite-input").value = "";
  say("join-message", `You joined “${reply.value.name}”. Its notes show on the pages they are on.`, "ok");
  await refresh();
});

$("cancel-invite").addEventListener("click", () => {
  hidePreview();
  say("join-message", "");
  $("invite-input").focus();
});
