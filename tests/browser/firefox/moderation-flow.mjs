// A moderator hides a member's group note from the sidebar, in Firefox: two Firefox instances
// (the extension keeps one sign-in per browser), the moderator's and a plain member's, each on
// the post with another member's group note painted and listed. The moderator presses "Hide
// from group" on it: it is marked hidden for them and goes from the plain member's page (paint
// and sidebar) without a reload; "Show again" brings it back there. The plain member is offered
// neither. tests/browser/test_group_moderation.py makes the group, the readers and the note and
// passes everything through the environment; prints one JSON line with what it saw.

import { env, openReader, painted, runFlow, sidebarItem, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const BLOG = env("POSTIL_BLOG");
const POST = env("POSTIL_POST");
const MODERATOR = env("POSTIL_MODERATOR");
const MEMBER = env("POSTIL_MEMBER");
const PASSWORD = env("POSTIL_PASSWORD");
const QUOTE = env("POSTIL_QUOTE");
const NOTE = env("POSTIL_NOTE");
const SCREENSHOT = process.env.POSTIL_SCREENSHOT;
const UUID = "5e2b7d90-1c4a-4f38-9b6e-0a7d3c8f2e61";
const LIVE_WAIT = 30000;

const item = sidebarItem;

/** Press the moderation button of `note`'s item whose label starts with `label`. */
function press(page, note, label) {
  return page.evaluate((text, start) => {
    const items = [...document.querySelector("postil-ui").shadowRoot.querySelectorAll(".sidebar li.item")];
    const button = [...(items.find((li) => li.textContent.includes(text))?.querySelectorAll("div.moderation button") ?? [])]
      .find((b) => b.getAttribute("aria-label").startsWith(start));
    if (!button) throw new Error(`no button "${start}…" on "${text}"`);
    button.click();
  }, note, label);
}

/** One reader's Firefox, signed in, with the post open and its sidebar shown. */
async function reader(user, errors) {
  const opened = await openReader({ uuid: UUID, extension: EXTENSION, server: SERVER, user, password: PASSWORD,
    url: `${BLOG}${POST}`, errors, timeout: LIVE_WAIT, ready: async (page) => (await painted(page)).includes(QUOTE) });
  await waitFor(`the note in ${user}'s sidebar`, () => item(opened.page, NOTE));
  return opened;
}

const errors = [];
let member = null;
let moderator = null;
await runFlow({ close: async () => { await member?.browser.close(); await moderator?.browser.close(); } }, async (result) => {
  result.errors = errors;
  moderator = await reader(MODERATOR, errors);
  member = await reader(MEMBER, errors);
  result.signedIn = [moderator.signedIn, member.signedIn];
  result.memberOffered = (await item(member.page, NOTE)).moderation;
  result.moderatorOffered = (await item(moderator.page, NOTE)).moderation;

  await press(moderator.page, NOTE, "Hide from ");
  result.markedHidden = await waitFor("the note marked hidden for the moderator", async () => {
    const shown = await item(moderator.page, NOTE);
    return shown?.text.includes("Hidden from the group by a moderator") && shown;
  });
  result.stillPaintedForModerator = (await painted(moderator.page)).includes(QUOTE);
  if (SCREENSHOT) await moderator.page.screenshot({ path: SCREENSHOT });
  result.goneForMember = await waitFor("the note gone from the member's page", async () =>
    !(await painted(member.page)).includes(QUOTE) && !(await item(member.page, NOTE)), LIVE_WAIT);

  await press(moderator.page, NOTE, "Show again");
  result.unmarked = await waitFor("the note shown again", async () => {
    const shown = await item(moderator.page, NOTE);
    return shown && !shown.text.includes("Hidden from the group") && shown.moderation.some((l) => l.startsWith("Hide from ")) && shown;
  });
  result.backForMember = await waitFor("the note back on the member's page", async () =>
    (await painted(member.page)).includes(QUOTE) && Boolean(await item(member.page, NOTE)), LIVE_WAIT);
  result.sameDocuments = await member.page.evaluate(() => window.notReloaded === true)
    && await moderator.page.evaluate(() => window.notReloaded === true);
});
