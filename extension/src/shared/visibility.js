// Who may see a note, as the reader picks and reads it: private, one of the reader's groups, or
// public. Pure, so the editor, the options page, the notebook and the background agree, and the
// Node tests check it.
//
// A picker's option value is one string: "private", "public" or "group:<group id>" (a group is
// named by its id, never its name: two groups may share a name). `{visibility, group}` is the
// annotation's own pair, as the server reads and writes it.

import { VISIBILITY_LABELS } from "./colors.js";

export const GROUP_PREFIX = "group:";

/** The picker value for an annotation's (or a setting's) `{visibility, group}`. */
export function choiceValue({ visibility, group } = {}) {
  if (visibility === "group" && typeof group === "string" && group) return GROUP_PREFIX + group;
  return visibility === "public" ? "public" : "private";
}

/** The `{visibility, group}` a picker value stands for; anything unknown is private. */
export function fromChoice(value) {
  const text = String(value ?? "");
  if (text.startsWith(GROUP_PREFIX) && text.length > GROUP_PREFIX.length) {
    return { visibility: "group", group: text.slice(GROUP_PREFIX.length) };
  }
  return { visibility: text === "public" ? "public" : "private", group: null };
}

/**
 * The picker's options: Private, each of the reader's groups by name (A–Z, as the server lists
 * them), Public. `current` (an annotation being edited) adds its group when the reader's list
 * lacks it (left meanwhile, or the list could not be loaded), so opening an editor never moves a
 * note out of its group by itself.
 */
export function visibilityChoices(groups = [], current = null) {
  const choices = [{ value: "private", label: VISIBILITY_LABELS.private }];
  for (const g of groups ?? []) choices.push({ value: GROUP_PREFIX + g.id, label: `Group: ${g.name}` });
  if (current?.visibility === "group" && current.group && !choices.some((c) => c.value === GROUP_PREFIX + current.group)) {
    choices.push({ value: GROUP_PREFIX + current.group, label: `Group: ${current.group_name ?? "a group you left"}` });
  }
  choices.push({ value: "public", label: VISIBILITY_LABELS.public });
  return choices;
}

/** How an annotation's visibility reads on its card, in the sidebar and in the notebook. */
export function visibilityLabel(annotation) {
  if (annotation?.visibility === "public") return "Public";
  if (annotation?.visibility === "group") return annotation.group_name ? `Group: ${annotation.group_name}` : "Group";
  return "Private";
}

/**
 * The visibility a new note or highlight on `site` starts with: the one remembered for the site,
 * else the reader's default. A group the reader is no longer in (or that `groups` does not list)
 * falls back to private, never to something wider. `groups` null: the list is unknown (offline
 * before it was ever loaded), and a remembered group is trusted.
 */
export function defaultVisibility(settings = {}, site = null, groups = null) {
  const remembered = site ? settings.siteVisibility?.[site] : null;
  const picked = remembered ?? { visibility: settings.defaultVisibility, group: settings.defaultGroup ?? null };
  const { visibility, group } = fromChoice(choiceValue(picked));
  if (visibility !== "group") return { visibility, group: null };
  if (groups && !groups.some((g) => g.id === group)) return { visibility: "private", group: null };
  return { visibility, group };
}

/**
 * The token of an invite, from what the reader pasted: the invite link the options page made
 * (".../api/invites/<token>", maybe with "/accept") or the bare token. Returns
 * `{token, server}` (`server`: the link's origin and path before "/api/", or null for a bare
 * token), or null when it is neither.
 */
export function parseInvite(input) {
  const text = String(input ?? "").trim();
  if (!text) return null;
  const link = /^(https?:\/\/.+?)\/api\/invites\/([A-Za-z0-9_-]+)(?:\/accept)?\/?(?:[?#].*)?$/.exec(text);
  if (link) return { token: link[2], server: link[1] };
  if (/^[A-Za-z0-9_-]{8,}$/.test(text)) return { token: text, server: null };
  return null;
}
