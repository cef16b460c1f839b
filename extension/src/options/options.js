// The options page: the server URL, signing in (username + password → token, kept by the
// background) and out, and the default colour and visibility for new highlights. The "Password and
// sessions" section is sessions.js's, "Your data" (download everything, delete the account)
// your-data.js's; this page only tells them when the sign-in changes.

import { extensionUrl, send } from "../shared/browser.js";
import { COLOR_LABELS } from "../shared/colors.js";
import { COLORS } from "../shared/contract.js";
import { TO_BACKGROUND as T } from "../shared/messages.js";
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
    $("default-visibility").value = s.defaultVisibility;
  }
  say("signed-in", s.user ? `Signed in as ${s.user} on ${s.server}.` : "Not signed in.", s.user ? "ok" : "warn");
  // Signed in: the status says so and Sign out is the one thing to do; else the sign-in form.
  $("sign-out").hidden = !s.user;
  $("sign-in").hidden = Boolean(s.user);
  await showSessions(Boolean(s.user));
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

$("defaults").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reply = await send(T.SAVE_SETTINGS, {
    settings: { defaultColor: $("default-color").value, defaultVisibility: $("default-visibility").value },
  });
  say("defaults-message", reply.ok ? "Saved." : reply.error.message, reply.ok ? "ok" : "err");
});

load(true);
