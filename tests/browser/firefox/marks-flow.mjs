// A registered site's moderation as readers see it in the sidebar, in Firefox: two Firefox
// instances (one sign-in per browser), the author's and another reader's, on a post of a site
// that pre-moderates public notes. The author sees their note waiting for approval, marked in
// the sidebar and painted muted; the other reader sees nothing of it. A moderator approves it
// (through the API, as the moderation page does): the mark goes from the author's open page and
// the note appears on the reader's, without a reload. The reader flags it with a reason from
// the sidebar's form and is thanked; no Flag button on anyone's own note.
// tests/browser/test_moderation_marks.py makes the site, the readers and the notes, passes
// everything through the environment and checks the moderators' queue; prints one JSON line.

import { env, openReader, painted, runFlow, sidebarItem, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const PAGE = env("POSTIL_PAGE");
const AUTHOR = env("POSTIL_AUTHOR");
const READER = env("POSTIL_READER");
const PASSWORD = env("POSTIL_PASSWORD");
const QUOTE = env("POSTIL_QUOTE");
const NOTE = env("POSTIL_NOTE");
// The reader's own note, shown: listed on their page, with no Flag button.
const OWN_NOTE = env("POSTIL_OWN_NOTE");
// {api, token, id}: the moderator's approval of the author's note.
const APPROVE = JSON.parse(env("POSTIL_APPROVE"));
const FLAG_NOTE = env("POSTIL_FLAG_NOTE");
const SCREENSHOT = process.env.POSTIL_SCREENSHOT;
const UUID = "7c1d9e42-5a3b-4c6d-8e9f-0b1a2c3d4e5f";
const LIVE_WAIT = 30000;

/** The texts the extension painted as withheld (muted) on `page`. */
function withheld(page) {
  return page.evaluate(() => [...(CSS.highlights.get("postil-withheld") ?? [])].map((r) => r.toString()));
}

/** In the item holding `note`: press Flag, pick `reason`, write `words`, send. */
function flag(page, note, reason, words) {
  return page.evaluate(async (text, value, typed) => {
    const root = document.querySelector("postil-ui").shadowRoot;
    const find = () => [...root.querySelectorAll(".sidebar li.item")].find((li) => li.textContent.includes(text));
    const tick = () => new Promise((resolve) => setTimeout(resolve, 50));
    find().querySelector("button.flag-button").click();
    await tick();
    find().querySelector(`input[type=radio][value="${value}"]`).click();
    await tick();
    const box = find().querySelector("textarea.flag-note");
    box.focus();
    box.value = typed;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    find().querySelector(".flag-form button[type=submit]").click();
  }, note, reason, words);
}

const errors = [];
let author = null;
let reader = null;
await runFlow({ close: async () => { await author?.browser.close(); await reader?.browser.close(); } }, async (result) => {
  result.errors = errors;
  author = await openReader({ uuid: UUID, extension: EXTENSION, server: SERVER, user: AUTHOR, password: PASSWORD,
    url: PAGE, errors, timeout: LIVE_WAIT, ready: async (page) => (await painted(page)).includes(QUOTE) });
  result.authorItem = await waitFor("the author's note listed", () => sidebarItem(author.page, NOTE));
  result.authorWithheld = await withheld(author.page);
  if (SCREENSHOT) await author.page.screenshot({ path: SCREENSHOT });

  reader = await openReader({ uuid: UUID, extension: EXTENSION, server: SERVER, user: READER, password: PASSWORD,
    url: PAGE, errors, timeout: LIVE_WAIT, ready: (page) => sidebarItem(page, OWN_NOTE) });
  result.readerSawPending = Boolean(await sidebarItem(reader.page, NOTE)) || (await painted(reader.page)).includes(QUOTE);

  const approved = await fetch(`${APPROVE.api}/api/annotations/${APPROVE.id}/moderation`, {
    method: "POST", headers: { Authorization: `Bearer ${APPROVE.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "approve" }),
  });
  if (approved.status !== 200) throw new Error(`approving answered ${approved.status}`);
  result.authorAfter = await waitFor("the mark gone from the author's page", async () => {
    const shown = await sidebarItem(author.page, NOTE);
    return shown && !shown.text.includes("Waiting for approval") && !(await withheld(author.page)).length && shown;
  }, LIVE_WAIT);
  result.readerAfter = await waitFor("the note on the reader's page", async () =>
    (await painted(reader.page)).includes(QUOTE) && sidebarItem(reader.page, NOTE), LIVE_WAIT);
  result.ownItem = await sidebarItem(reader.page, OWN_NOTE);

  await flag(reader.page, NOTE, "other", FLAG_NOTE);
  result.flagged = await waitFor("the flag thanked", async () => {
    const shown = await sidebarItem(reader.page, NOTE);
    return shown?.text.includes("Flagged — thanks") && shown;
  });
  result.sameDocuments = await author.page.evaluate(() => window.notReloaded === true)
    && await reader.page.evaluate(() => window.notReloaded === true);
});
