// The options page's "Password and sessions" section, for a signed-in reader: change the
// password, see where they are signed in (label, when, last used, which one is this browser),
// end any other session, or all of them at once.
//
// options.js calls `showSessions(signedIn)` whenever the sign-in changes; everything else of the
// section lives here. Like every page, it asks the background, which alone talks to the server.

import { send } from "../shared/browser.js";
import { TO_BACKGROUND as T } from "../shared/messages.js";

const $ = (id) => document.getElementById(id);

function say(id, text, tone = "") {
  $(id).textContent = text;
  $(id).className = tone;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "never";
}

/** Show the section and fill its list while signed in; hide and empty it otherwise. */
export async function showSessions(signedIn) {
  $("sessions").hidden = !signedIn;
  if (!signedIn) {
    $("session-list").tBodies[0].replaceChildren();
    say("sessions-message", "");
    say("password-message", "");
    return;
  }
  await refresh();
}

async function refresh() {
  const reply = await send(T.LIST_SESSIONS);
  if (!reply.ok) return say("sessions-message", `Could not list your sessions: ${reply.error.message}`, "err");
  $("session-list").tBodies[0].replaceChildren(...reply.value.map(row));
  $("sign-out-others").disabled = reply.value.every((s) => s.current);
}

function row(session) {
  const tr = document.createElement("tr");
  const name = session.label || "Unnamed session";
  const label = document.createElement("td");
  label.textContent = name;
  if (session.current) {
    const mark = document.createElement("span");
    mark.className = "this-browser";
    mark.textContent = " (this browser)";
    label.append(mark);
  }
  const created = document.createElement("td");
  created.textContent = when(session.created);
  const used = document.createElement("td");
  used.textContent = when(session.last_used);
  const action = document.createElement("td");
  if (!session.current) {
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.textContent = "Revoke";
    revoke.setAttribute("aria-label", `Revoke ${name}, signed in ${when(session.created)}`);
    revoke.addEventListener("click", async () => {
      revoke.disabled = true;
      const reply = await send(T.REVOKE_SESSION, { id: session.id });
      say("sessions-message", reply.ok ? `Signed out “${name}”.` : reply.error.message, reply.ok ? "ok" : "err");
      await refresh();
    });
    action.append(revoke);
  }
  tr.append(label, created, used, action);
  return tr;
}

$("sign-out-others").addEventListener("click", async () => {
  const reply = await send(T.SIGN_OUT_OTHERS);
  say("sessions-message", reply.ok ? "Signed out everywhere else." : reply.error.message, reply.ok ? "ok" : "err");
  await refresh();
});

$("change-password").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("password-message", "Changing…");
  const reply = await send(T.CHANGE_PASSWORD, {
    currentPassword: $("current-password").value,
    newPassword: $("new-password").value,
  });
  $("current-password").value = "";
  $("new-password").value = "";
  if (reply.ok) say("password-message", "Password changed; you were signed out everywhere else.", "ok");
  else say("password-message", `Could not change the password: ${reply.error.message}`, "err");
  await refresh();
});
