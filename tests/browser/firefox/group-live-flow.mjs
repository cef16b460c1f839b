// Reading together live, in Firefox, two readers in two Firefox instances (the extension keeps one
// sign-in per browser): a group's member and a reader outside the group, each with the post open.
// Another member (through the API, "another device") highlights a passage for the group: painted
// on the member's page without a reload; a public highlight made after it reaches the outsider,
// the group's one never does. A reply to the group's note appears in the thread under its passage
// in the member's open sidebar. A page note with a reply, deleted elsewhere, stays there as its
// thread's tombstone. Then the member leaves the group (on another device): the group's
// highlight goes from their page on the next event, the public one stays.
// tests/browser/test_live_updates_firefox.py makes the readers and the group; this script writes
// through the API as the other member; prints one JSON line with what it saw.

import { apiToken, env, launchFirefox, openExtensionPage, painted, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const BLOG = env("POSTIL_BLOG");
const MEMBER = env("POSTIL_MEMBER");
const OUTSIDER = env("POSTIL_OUTSIDER");
const WRITER = env("POSTIL_WRITER");
const PASSWORD = env("POSTIL_PASSWORD");
const GROUP = env("POSTIL_GROUP");
const UUID = "7d4f1a2c-6e8b-4c90-b3d5-1f9e0a6c4b27";
const POST = "/sample/how-tide-pools-keep-time/";
const TIDE = "Twice a day the tide covers the pool and twice a day it leaves";
const SHORE = "Walk down a rocky shore at low tide";
const LIVE_WAIT = 30000;

const tokens = {};
async function api(user, method, path, body) {
  tokens[user] ??= await apiToken(SERVER, user, PASSWORD);
  const reply = await fetch(`${SERVER}${path}`, {
    method, headers: { Authorization: `Bearer ${tokens[user]}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await reply.text();
  if (!reply.ok) throw new Error(`${method} ${path}: ${reply.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const post = () => ({ site: `${new URL(BLOG).host}/sample`, post_id: 101 });
const make = (phrase, color, visibility, note = "") => api(WRITER, "POST", "/api/annotations", {
  post: post(), quote: phrase, color, visibility, note, ...(visibility === "group" ? { group: GROUP } : {}),
  selectors: [{ type: "TextQuoteSelector", exact: phrase }],
});

/** The sidebar's item holding `text`: its own text and its thread's rows. */
function item(page, text) {
  return page.evaluate((wanted) => {
    const items = [...(document.querySelector("postil-ui")?.shadowRoot?.querySelectorAll(".sidebar li.item") ?? [])];
    const found = items.find((li) => li.textContent.includes(wanted));
    if (!found) return null;
    return { text: found.textContent.replace(/\s+/g, " "),
             replies: [...found.querySelectorAll("li.reply")].map((r) => r.textContent.replace(/\s+/g, " ")) };
  }, text);
}

/** One reader's Firefox, signed in, with the post open and its sidebar shown. */
async function reader(user, errors) {
  const browser = await launchFirefox(UUID);
  await browser.installExtension(EXTENSION);
  const signedIn = await signIn(browser, UUID, { server: SERVER, user, password: PASSWORD });
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#server");
  // Tests read the page's Postil UI through a root the extension's own storage opens.
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));
  const page = await browser.newPage();
  page.on("pageerror", (err) => errors.push(`${user}: ${err}`));
  await page.goto(`${BLOG}${POST}`);
  await waitFor(`${user}'s sidebar status`, () => page.evaluate(() => {
    const s = document.querySelector("postil-ui")?.shadowRoot?.querySelector(".sidebar .status");
    return Boolean(s && s.textContent && s.textContent !== "Loading…");
  }));
  await page.evaluate(() => { window.notReloaded = true; });
  await options.evaluate(async () => {
    for (const tab of await browser.tabs.query({})) browser.tabs.sendMessage(tab.id, { type: "ui/open-sidebar" }).catch(() => {});
  });
  await page.bringToFront();
  return { browser, page, signedIn };
}

const errors = [];
let member = null;
let outsider = null;
await runFlow({ close: async () => { await member?.browser.close(); await outsider?.browser.close(); } }, async (result) => {
  result.errors = errors;
  member = await reader(MEMBER, errors);
  outsider = await reader(OUTSIDER, errors);
  result.signedIn = [member.signedIn, outsider.signedIn];

  // A group highlight: painted for the member, live.
  const tide = await make(TIDE, "green", "group", "For the group");
  result.paintedForMember = await waitFor("the group's highlight on the member's page",
    async () => (await painted(member.page)).includes(TIDE), LIVE_WAIT);
  // A public one after it reaches the outsider; the group's, before it, never does.
  await make(SHORE, "blue", "public");
  result.publicForOutsider = await waitFor("the public one on the outsider's page",
    async () => (await painted(outsider.page)).includes(SHORE), LIVE_WAIT);
  result.groupForOutsider = (await painted(outsider.page)).includes(TIDE) || Boolean(await item(outsider.page, "For the group"));

  // A reply to the group's note: in the thread under its passage in the member's sidebar.
  await api(WRITER, "POST", "/api/annotations", { reply_to: tide.id, note: "The moon sets the hour." });
  result.thread = await waitFor("the reply under the passage", async () => {
    const shown = await item(member.page, "For the group");
    return shown?.replies.some((r) => r.includes("The moon sets the hour.")) && shown;
  }, LIVE_WAIT);

  // A page note with a reply, deleted on another device: its thread's tombstone stays.
  const pageNote = await api(WRITER, "POST", "/api/annotations", {
    post: post(), quote: "", selectors: [], note: "Which beach was this?", visibility: "public" });
  await waitFor("the page note listed", () => item(member.page, "Which beach was this?"), LIVE_WAIT);
  await api(MEMBER, "POST", "/api/annotations", { reply_to: pageNote.id, note: "Mine, I think." });
  await waitFor("the member's reply under it", async () =>
    (await item(member.page, "Which beach was this?"))?.replies.some((r) => r.includes("Mine, I think.")), LIVE_WAIT);
  await api(WRITER, "DELETE", `/api/annotations/${pageNote.id}`);
  result.pageNoteTombstone = await waitFor("the page note's tombstone", async () => {
    const shown = await item(member.page, "Mine, I think.");
    return shown && !shown.text.includes("Which beach was this?") && shown.text;
  }, LIVE_WAIT);

  // The member leaves the group elsewhere: the group's highlight goes on the next event.
  await api(MEMBER, "DELETE", `/api/groups/${GROUP}/members/${MEMBER}`);
  result.goneAfterLeaving = await waitFor("the group's highlight gone from the former member's page",
    async () => !(await painted(member.page)).includes(TIDE), LIVE_WAIT);
  result.publicStays = (await painted(member.page)).includes(SHORE);
  result.sameDocuments = await member.page.evaluate(() => window.notReloaded === true)
    && await outsider.page.evaluate(() => window.notReloaded === true);
});
