// The options page: the server URL, signing in (username + password → token, kept by the
// background) and out, and the default colour and visibility for new highlights, with the sites
// that have their own visibility (remembered from the last choice for a new note there). The
// "Password and sessions" section is sessions.js's, "Groups" groups.js's, "Your data" (download
// everything, delete the account) your-data.js's; this page only tells them when the sign-in
// changes.

import { extensionUrl, send } from "../shared/browser.js";
import { COLOR_LABELS } from "../shared/colors.js";
import { COLORS } from "../shared/contract.js";
import { TO_BACKGROUND as T } from "../shared/messages.js";
import { choiceValue, fromChoice, visibilityChoices, visibilityLabel } from "../shared/visibility.js";
import { onGroups, showGroups } from "./groups.js";
import { showSessions } from "./sessions.js";
import { mountYourData } from "./your-data.js";

const $ = (id) => document.getElementById(id);

$("open-notebook").href = extensionUrl("src/notebook/notebook.html");

function say(id, text, tone = "") {
  $(id).textContent = text;
  $(id).className = tone;
}

for (const color of COLORS) {
  const option = document.createElement("option");
  option.value = color;
  option.textContent = COLOR_LABELS[color];
  $("default-color").append(option);
}

/** Show the saved settings; the form fields only on first load, so a typed URL survives a failed sign-in. */
async function load(initial = false) {
  const reply = await send(T.GET_SETTINGS);
  if (!reply.ok) return say("account-message", reply.error.message, "err");
  const s = reply.value;
  if (initial) {
    $("server").value = s.server;
    $("default-color").value = s.defaultColor;
  }
  saved = s;
  fillVisibilities();
  say("signed-in", s.user ? `Signed in as ${s.user} on ${s.server}.` : "Not signed in.", s.user ? "ok" : "warn");
  // Signed in: the status says so and Sign out is the one thing to do; else the sign-in form.
  $("sign-out").hidden = !s.user;
  $("sign-in").hidden = Boolean(s.user);
  await showSessions(Boolean(s.user));
  await showGroups(Boolean(s.user), s.user);
  showYourData(s);
}

const showYourData = mountYourData({
  onDeleted: async (message) => {
    await load();
    say("account-message", message, "ok");
  },
});

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("account-message", "Signing in…");
  const reply = await send(T.SIGN_IN, {
    server: $("server").value,
    username: $("username").value,
    password: $("password").value,
  });
  $("password").value = "";
  // Success shows in the status line above; only a failure needs its own message.
  if (reply.ok) say("account-message", "");
  else say("account-message", `Could not sign in: ${reply.error.message}`, "err");
  await load();
});

$("sign-out").addEventListener("click", async () => {
  await send(T.SIGN_OUT);
  say("account-message", "");
  await load();
});

// The saved settings and the reader's groups, which the visibility pickers offer.
let saved = null;
let groups = [];
onGroups((items) => {
  groups = items ?? [];
  fillVisibilities();
});

function picker(select, current) {
  const keep = select.matches(":focus") ? select.value : null;
  select.replaceChildren(...visibilityChoices(groups, current).map(({ value, label }) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    return option;
  }));
  select.value = keep ?? choiceValue(current);
}

/** The default visibility picker and the sites' table, as saved, offering the reader's groups. */
function fillVisibilities() {
  if (!saved) return;
  const mine = (v) => (v.visibility === "group" ? { ...v, group_name: groups.find((g) => g.id === v.group)?.name } : v);
  picker($("default-visibility"), mine({ visibility: saved.defaultVisibility, group: saved.defaultGroup }));
  const sites = Object.entries(saved.siteVisibility ?? {}).sort(([a], [b]) => a.localeCompare(b));
  $("site-defaults").hidden = sites.length === 0;
  $("no-site-defaults").hidden = sites.length > 0;
  $("site-defaults").tBodies[0].replaceChildren(...sites.map(([site, visibility]) => siteRow(site, mine(visibility))));
}

function siteRow(site, visibility) {
  const tr = document.createElement("tr");
  const name = document.createElement("td");
  name.textContent = site;
  const select = document.createElement("select");
  select.setAttribute("aria-label", `New notes on ${site} are`);
  picker(select, visibility);
  select.addEventListener("change", () => remember(site, fromChoice(select.value)));
  const forget = document.createElement("button");
  forget.type = "button";
  forget.textContent = "Forget";
  forget.setAttribute("aria-label", `Forget the visibility for ${site}`);
  forget.addEventListener("click", () => remember(site, { visibility: null, group: null }));
  const cells = [name, document.createElement("td"), document.createElement("td")];
  cells[1].append(select);
  cells[2].append(forget);
  tr.append(...cells);
  return tr;
}

async function remember(site, { visibility, group }) {
  const reply = await send(T.REMEMBER_SITE_VISIBILITY, { site, visibility, group });
  if (!reply.ok) return say("site-defaults-message", `Could not save: ${reply.error.message}`, "err");
  saved = reply.value;
  fillVisibilities();
  say("site-defaults-message", visibility === null ? `New notes on ${site} start with your default again.`
    : `New notes on ${site} start as ${visibilityLabel({ ...reply.value.siteVisibility[site], group_name: groups.find((g) => g.id === group)?.name })}.`, "ok");
}

$("defaults").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { visibility, group } = fromChoice($("default-visibility").value);
  const reply = await send(T.SAVE_SETTINGS, {
    settings: { defaultColor: $("default-color").value, defaultVisibility: visibility, defaultGroup: group },
  });
  if (reply.ok) saved = reply.value;
  say("defaults-message", reply.ok ? "Saved." : reply.error.message, reply.ok ? "ok" : "err");
});

load(true);
