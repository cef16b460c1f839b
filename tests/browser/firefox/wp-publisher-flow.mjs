// Publisher mode in Firefox, on the real WordPress with the plugin, without the extension: one
// story on one post of a site whose signed-in readers write and whose public notes are
// pre-moderated. tests/browser/test_wordpress_publisher.py sets the site up, writes two public
// notes by the reader through the API (approved, one of them flagged) and passes everything
// through the environment; this prints one JSON line with what it saw.
//
// On a phone-sized window with touch, the reader signs in through the embed's pop-up, selects a
// passage by touch and writes a public note with the embed's toolbar and editor: painted for
// them, kept through a reload, pending. A visitor's open page does not show it until the
// moderator approves it on the moderation page; then the moderator hides the flagged note there,
// and it goes from the visitor's open page while the reader's keeps it.

import { embedColoured, env, inShadow, keepClosedShadowRoots, launchFirefox, newPage, press, runFlow, sleep, touchSelect, waitFor } from "./common.mjs";

const SERVER = env("POSTIL_SERVER");
const SITE = env("POSTIL_SITE");
const POST_URL = env("POSTIL_POST_URL");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const MODERATOR = env("POSTIL_MODERATOR");
const LIVE_WAIT = 20000;

async function openPost(errors, who, { phone = false } = {}) {
  const page = await newPage(browser);
  page.on("pageerror", (err) => errors.push(`${who}: ${err}`));
  await keepClosedShadowRoots(page);
  if (phone) await page.setViewport({ width: 390, height: 844, hasTouch: true, isMobile: true });
  await page.goto(POST_URL);
  await waitFor(`${who}'s embed`, () => page.evaluate(() => globalThis.__postilEmbed === true));
  return page;
}

/** The site's moderation page, signed in as its moderator. */
async function moderationPage() {
  const page = await newPage(browser);
  await page.goto(`${SERVER}/sites/${SITE}/moderation`);
  await page.type("input[name=username]", MODERATOR);
  await page.type("input[name=password]", PASSWORD);
  await page.click("#signin button[type=submit]");
  await page.waitForSelector("#desk:not([hidden])");
  return page;
}

/** On the moderation page: the queue `queue`'s item holding `text`, and press its `action`. */
async function moderate(page, queue, text, action) {
  await page.click(`#queues button[data-queue=${queue}]`);
  const id = await waitFor(`"${text}" in the ${queue} queue`, () => page.evaluate((t) =>
    [...document.querySelectorAll("#queue li[data-id]")].find((li) => li.textContent.includes(t))?.dataset.id, text));
  const shown = await page.$eval(`#queue li[data-id="${id}"]`, (li) => li.textContent.replace(/\s+/g, " "));
  await page.evaluate((which, label) => {
    const button = [...document.querySelectorAll(`#queue li[data-id="${which}"] button`)].find((b) => b.textContent.trim() === label);
    if (!button) throw new Error(`no ${label} button`);
    button.click();
  }, id, action);
  return { id, shown };
}

const settled = (page, test, what) => waitFor(what, async () => {
  const painted = await embedColoured(page);
  return test(painted) && painted;
}, LIVE_WAIT);

async function story(result, errors) {
  const quote = env("POSTIL_QUOTE");
  const note = env("POSTIL_NOTE");
  const flagged = env("POSTIL_FLAGGED_QUOTE");
  const writer = await openPost(errors, "writer", { phone: true });
  result.viewport = await writer.evaluate(() => ({ width: innerWidth, height: innerHeight }));
  await settled(writer, (p) => p.length === 2, "the two public notes painted for the reader");
  const touch = { touch: true };
  await press(writer, await inShadow(writer, "Postil: 2 notes on this page"), touch);
  await press(writer, await inShadow(writer, "Sign in"), touch);
  const popup = await (await browser.waitForTarget((t) => t.url().includes("/embed/signin"))).page();
  await popup.waitForSelector("#signin-form input[name=username]");
  result.popupFor = await popup.$eval("main", (m) => m.textContent.replace(/\s+/g, " "));
  await popup.type("#signin-form input[name=username]", USER);
  await popup.type("#signin-form input[name=password]", PASSWORD);
  await popup.click("#signin-form button[type=submit]");
  await inShadow(writer, "Sign out", { timeout: LIVE_WAIT });
  await press(writer, await inShadow(writer, "Close Postil sidebar"), touch);

  await writer.touchscreen.tap(20, 200); // the reader's finger on the page: the last pointer is touch
  if (!(await writer.evaluate(touchSelect, quote))) throw new Error("phrase not found");
  await press(writer, await inShadow(writer, "Add note"), touch);
  await inShadow(writer, "Note", { field: true });
  await writer.keyboard.type(note);
  const visibility = await inShadow(writer, "Visibility", { field: true });
  await visibility.focus();
  await writer.keyboard.press("End"); // the last choice: Public
  result.visibility = await visibility.evaluate((select) => select.value);
  await press(writer, await inShadow(writer, "Save"), touch);
  result.writerPainted = await settled(writer, (p) => p.includes(quote), "the note painted for its author");
  await writer.reload();
  result.writerAfterReload = await settled(writer, (p) => p.includes(quote), "the note painted after a reload");

  const visitor = await openPost(errors, "visitor");
  await settled(visitor, (p) => p.length === 2, "the visitor's page painted");
  await sleep(1000);
  result.visitorBefore = await embedColoured(visitor);
  await visitor.evaluate(() => { window.notReloaded = true; });
  await writer.evaluate(() => { window.notReloaded = true; });
  const desk = await moderationPage();
  result.approved = await moderate(desk, "pending", note, "Approve");
  result.visitorApproved = await settled(visitor, (p) => p.includes(quote), "the approved note painted for the visitor");

  result.hidden = await moderate(desk, "flagged", env("POSTIL_FLAGGED_NOTE"), "Hide");
  await desk.waitForSelector(`#queue li[data-id="${result.hidden.id}"][data-state="hidden"]`);
  result.visitorHidden = await settled(visitor, (p) => !p.includes(flagged), "the hidden note gone from the visitor's page");
  await sleep(500);
  result.writerHidden = await embedColoured(writer);
  result.notReloaded = await visitor.evaluate(() => window.notReloaded === true)
    && await writer.evaluate(() => window.notReloaded === true);
}

const browser = await launchFirefox("0b5e9c2a-7d41-4f6e-a3c8-2e9f1d7b6a50");
await runFlow(browser, async (result) => {
  const errors = [];
  result.errors = errors;
  await story(result, errors);
});
