// Reading groups in Firefox: sign in on the options page, make a group and an invite link for it;
// open a post with another reader's group note on it (not painted: not a member), join that group
// by its invite link (its name shown first), see the note painted and labelled with the group after
// a reload, leave the group, and see the note gone after another; then make a second invite link
// for the group of one's own, see both in its Invites list and revoke the newest.
// tests/browser/test_reading_groups.py
// makes the reader, the other reader's group, its invite link and the note, and passes everything
// through the environment; prints one JSON line with what it saw.

import { env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const BLOG = env("POSTIL_BLOG");
const POST = env("POSTIL_POST");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const INVITE = env("POSTIL_INVITE");
const THEIR_GROUP = env("POSTIL_THEIR_GROUP");
const OWN_GROUP = env("POSTIL_OWN_GROUP");
const QUOTE = env("POSTIL_QUOTE");
const NOTE = env("POSTIL_NOTE");
const SCREENSHOT = process.env.POSTIL_SCREENSHOT;
const UUID = "9a4e6c1d-3b7f-4e2a-8d50-6f1c2b9e7a43";

const inRoot = (page, fn, arg) => page.evaluate(fn, arg);

async function waitReady(page) {
  await page.waitForSelector("postil-ui");
  await waitFor("the sidebar status", () => inRoot(page, () => {
    const s = document.querySelector("postil-ui")?.shadowRoot?.querySelector(".sidebar .status");
    return Boolean(s && s.textContent && s.textContent !== "Loading…");
  }));
}

function painted(page) {
  return inRoot(page, () => {
    const out = [];
    for (const c of ["yellow", "green", "blue", "pink", "purple"]) {
      const h = globalThis.CSS?.highlights?.get(`postil-${c}`);
      out.push(...(h ? [...h].map((r) => r.toString()) : []));
    }
    return out;
  });
}

/** Click the button whose accessible name is `label`. */
function press(page, label) {
  return page.evaluate((name) => {
    const button = [...document.querySelectorAll("button")].find((b) => (b.getAttribute("aria-label") ?? b.textContent) === name);
    if (!button) throw new Error(`no button "${name}"`);
    button.click();
  }, label);
}

const text = (page, selector) => page.$eval(selector, (el) => el.textContent);
const groupTexts = (page) => page.$$eval("#group-list > li", (els) => els.map((el) => el.textContent.replace(/\s+/g, " ").trim()));

const browser = await launchFirefox(UUID);
const errors = [];
await runFlow(browser, async (result) => {
  result.errors = errors;
  await browser.installExtension(EXTENSION);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#groups");
  options.on("pageerror", (err) => errors.push(String(err)));
  // Tests read the page's Postil UI through a root the extension's own storage opens.
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));
  await waitFor("the groups section", () => options.$eval("#groups", (el) => !el.hidden));

  // A group of one's own, and an invite link for it.
  await options.type("#group-name", OWN_GROUP);
  await options.type("#group-description", "made in Firefox");
  await options.click("#create-group button[type=submit]");
  result.created = await waitFor("the new group", async () => (await groupTexts(options)).find((t) => t.includes(OWN_GROUP)));
  await press(options, `Invite to ${OWN_GROUP}`);
  await options.waitForSelector(".invite-form input[type=number]");
  await options.type(".invite-form input[type=number]", "2");
  await options.click(".invite-form button[type=submit]");
  const link = await waitFor("the invite link", () => options.$eval(".invite-link-text", (el) => el.value));
  result.link = link;
  result.inviteMessage = await waitFor("the invite's limits", () =>
    options.$eval(".invite-form > [role=status]", (el) => el.textContent.startsWith("Invite link made") && el.textContent));

  // Not a member yet: the other reader's group note is not on the page.
  const page = await browser.newPage();
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(`${BLOG}${POST}`);
  await waitReady(page);
  result.paintedBefore = await painted(page);

  // Join by the link: the group is named before joining.
  await options.bringToFront();
  await options.type("#invite-input", INVITE);
  await options.click("#join-group button[type=submit]");
  result.preview = await waitFor("the invite's group", () =>
    options.$eval("#invite-preview", (el) => !el.hidden && el.querySelector("#invite-preview-text").textContent));
  await options.click("#accept-invite");
  result.joined = await waitFor("joining", async () => {
    const said = await text(options, "#join-message");
    return said.startsWith("You joined") && said;
  });
  result.groupsAfterJoin = await waitFor("the group in the list", async () => {
    const shown = await groupTexts(options);
    return shown.some((t) => t.includes(THEIR_GROUP)) && shown;
  });

  await page.bringToFront();
  await page.reload();
  await waitReady(page);
  result.paintedAfterJoin = await waitFor("the group note painted", async () => {
    const shown = await painted(page);
    return shown.includes(QUOTE) && shown;
  });
  await options.evaluate(async () => {
    for (const tab of await browser.tabs.query({})) browser.tabs.sendMessage(tab.id, { type: "ui/open-sidebar" }).catch(() => {});
  });
  result.card = await waitFor("the note in the sidebar", () => inRoot(page, (note) => {
    const items = [...(document.querySelector("postil-ui")?.shadowRoot?.querySelectorAll(".sidebar li.item") ?? [])];
    return items.find((li) => li.textContent.includes(note))?.textContent.replace(/\s+/g, " ") ?? null;
  }, NOTE));
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });

  // Leave (asked twice), and the note is gone from the page.
  await options.bringToFront();
  await press(options, `Leave ${THEIR_GROUP}`);
  await press(options, `Really leave ${THEIR_GROUP}? Press again to leave`);
  result.left = await waitFor("leaving", async () => {
    const said = await text(options, "#groups-message");
    return said.startsWith("You left") && said;
  });
  result.groupsAfterLeave = await waitFor("the list without the group", async () => {
    const shown = await groupTexts(options);
    return !shown.some((t) => t.includes(THEIR_GROUP)) && shown;
  }, 5000).catch(() => groupTexts(options));
  await page.bringToFront();
  await page.reload();
  await waitReady(page);
  result.paintedAfterLeave = await painted(page);

  // A second invite link for the group of one's own; the Invites list shows both, newest first,
  // and the newest is revoked (the first stays for the test to join with).
  await options.bringToFront();
  await press(options, `Invite to ${OWN_GROUP}`);
  await options.waitForSelector(".invite-form input[type=number]");
  await options.type(".invite-form input[type=number]", "2");
  await options.click(".invite-form button[type=submit]");
  result.secondLink = await waitFor("a second invite link", async () => {
    const made = await options.$eval(".invite-link-text", (el) => el.value);
    return made !== link && made;
  }, 10000);
  await press(options, `Invites of ${OWN_GROUP}`);
  const inviteRows = () => options.$$eval("table.invites tbody tr", (rows) => rows.map((row) =>
    [...row.querySelectorAll("td")].slice(1, 4).map((td) => td.textContent)));
  result.invitesBefore = await waitFor("both invites listed", async () => {
    const rows = await inviteRows();
    return rows.length === 2 && rows;
  });
  await options.click("table.invites tbody tr:first-child button");
  result.revoked = await waitFor("the revoke confirmed", () =>
    options.$eval("table.invites ~ [role=status]", (el) => el.textContent.startsWith("Revoked") && el.textContent));
  result.invitesAfter = await inviteRows();
});
