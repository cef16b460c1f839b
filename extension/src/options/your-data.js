// The options page's "Your data": download everything the reader made (one zip, one click) and
// delete the account, choosing whether public notes go too or stay with no name on them. Both go
// through the background, the only part that talks to the server; after a deletion the
// background has forgotten the account, and the page is told to show itself signed out.

import { send } from "../shared/browser.js";
import { TO_BACKGROUND as T } from "../shared/messages.js";
import { fetchEverything, saveFile } from "../notebook/files.js";

const $ = (id) => document.getElementById(id);

function say(id, text, tone = "") {
  $(id).textContent = text;
  $(id).className = tone;
}

/**
 * Wire the section; `onDeleted(message)` runs once the account is gone, with what to tell the
 * reader. Returns `show(settings)`, which
 * the page calls whenever it knows who is signed in: the section is there only for a signed-in
 * reader.
 */
export function mountYourData({ onDeleted }) {
  const section = $("your-data");
  const form = $("delete-account");

  $("download-everything").addEventListener("click", async () => {
    const button = $("download-everything");
    button.disabled = true;
    say("download-message", "Preparing your download…");
    try {
      const reply = await fetchEverything();
      if (!reply.ok) return say("download-message", `Could not download: ${reply.error.message}`, "err");
      saveFile(reply.value);
      say("download-message", `Saved ${reply.value.filename}.`, "ok");
    } finally {
      button.disabled = false;
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const choice = form.elements["public-annotations"].value;
    const submit = form.querySelector("button[type=submit]");
    say("delete-message", "Deleting your account…");
    submit.disabled = true; // one deletion at a time
    let reply;
    try {
      reply = await send(T.DELETE_ACCOUNT, { password: $("delete-password").value, publicAnnotations: choice });
    } finally {
      submit.disabled = false;
    }
    $("delete-password").value = "";
    if (!reply.ok) return say("delete-message", `Your account was not deleted: ${reply.error.message}`, "err");
    form.reset();
    say("delete-message", "");
    const kept = choice === "anonymise" ? "your public notes stay with no name on them" : "your public notes were deleted too";
    // The section hides once signed out, so the page says it where the sign-in form is.
    await onDeleted(`Your account ${reply.value.deleted} was deleted; ${kept}. You are signed out.`);
  });

  return function show(settings) {
    section.hidden = !settings?.user;
  };
}
