// Publisher mode in Firefox, on the real WordPress with the plugin, without the extension. Run by
// tests/browser/test_wordpress_publisher.py, which sets the site's policy, makes the notes it
// needs and passes everything through the environment; prints one JSON line with what it saw.
//
// POSTIL_STORY=approve (the site pre-moderates): on a phone-sized window with touch, a reader
// signs in through the embed's pop-up, selects a passage by touch and writes a public note with
// the embed's toolbar and editor; it is painted for them and kept through a reload, not shown to
// a visitor until the moderator approves it on the moderation page, then painted on the
// visitor's open page.
// POSTIL_STORY=hide (post-moderation, a flagged public note on the post): the moderator hides
// it on the moderation page; it goes from a visitor's open page and stays on its author's.

import { embedColoured, env, inShadow, keepClosedShadowRoots, launchFirefox, press, runFlow, sleep, waitFor } from "./common.mjs";

const STORY = env("POSTIL_STORY");
const SERVER = env("POSTIL_SERVER");
const SITE = env("POSTIL_SITE");
const POST_URL = env("POSTIL_POST_URL");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const MODERATOR = env("POSTIL_MODERATOR");
const LIVE_WAIT = 20000;

async function openPost(errors, who, { phone = false, token = null } = {}) {
  const page = await browser.newPage();
  page.on("pageerror", (err) => errors.push(`${who}: ${err}`));
  await keepClosedShadowRoots(page);
  if (phone) await page.setViewport({ width: 390, height: 844, hasTouch: true, isMobile: true });
  if (token) {
    // What the pop-up leaves in the tab (embed/session.js): a reader who signed in before.
    await page.evaluateOnNewDocument((key, kept) => sessionStorage.setItem(key, kept),
      `postil-embed-session:${SERVER}`, JSON.stringify({ token, user: { name: USER } }));
  }
  await page.goto(POST_URL);
  await waitFor(`${who}'s embed`, () => page.evaluate(() => globalThis.__postilEmbed === true));
  return page;
}

/** The site's moderation page, signed in as its moderator. */
async function moderationPage() {
  const page = await browser.newPage();
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

/** A long-press's word, then a handle drag to the whole phrase: only `selectionchange`, no mouse. */
async function touchSelect(phrase) {
  const walker = document.createTreeWalker(document.querySelector(".entry-content"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    node.parentElement.scrollIntoView({ block: "center" });
    const selection = getSelection();
    selection.setBaseAndExtent(node, at, node, at + phrase.indexOf(" "));
    await new Promise((resolve) => setTimeout(resolve, 120));
    selection.extend(node, at + phrase.length);
    return true;
  }
  return false;
}

async function approve(result, errors) {
  const quote = env("POSTIL_QUOTE");
  const note = env("POSTIL_NOTE");
  const writer = await openPost(errors, "writer", { phone: true });
  result.viewport = await writer.evaluate(() => ({ width: innerWidth, height: innerHeight }));
  const touch = { touch: true };
  await press(writer, await inShadow(writer, "Postil: 0 notes on this page"), touch);
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
  result.writerPainted = await waitFor("the note painted for its author", async () => {
    const painted = await embedColoured(writer);
    return painted.includes(quote) && painted;
  }, LIVE_WAIT);
  await writer.reload();
  result.writerAfterReload = await waitFor("the note painted after a reload", async () => {
    const painted = await embedColoured(writer);
    return painted.includes(quote) && painted;
  }, LIVE_WAIT);

  const visitor = await openPost(errors, "visitor");
  await sleep(1000);
  result.visitorBefore = await embedColoured(visitor);
  await visitor.evaluate(() => { window.notReloaded = true; });
  const desk = await moderationPage();
  result.queued = await moderate(desk, "pending", note, "Approve");
  result.visitorAfter = await waitFor("the approved note painted for the visitor", async () => {
    const painted = await embedColoured(visitor);
    return painted.includes(quote) && painted;
  }, LIVE_WAIT);
  result.visitorNotReloaded = await visitor.evaluate(() => window.notReloaded === true);
}

async function hide(result, errors) {
  const flagged = env("POSTIL_FLAGGED_QUOTE");
  const other = env("POSTIL_OTHER_QUOTE");
  const both = [flagged, other].sort();
  const visitor = await openPost(errors, "visitor");
  const author = await openPost(errors, "author", { token: env("POSTIL_AUTHOR_TOKEN") });
  for (const [who, page] of [["visitor", visitor], ["author", author]]) {
    await waitFor(`both notes painted for the ${who}`, async () =>
      JSON.stringify(await embedColoured(page)) === JSON.stringify(both), LIVE_WAIT);
    await page.evaluate(() => { window.notReloaded = true; });
  }
  const desk = await moderationPage();
  result.queued = await moderate(desk, "flagged", env("POSTIL_FLAGGED_NOTE"), "Hide");
  await desk.waitForSelector(`#queue li[data-id="${result.queued.id}"][data-state="hidden"]`);
  result.visitorAfter = await waitFor("the hidden note gone from the visitor's page", async () => {
    const painted = await embedColoured(visitor);
    return !painted.includes(flagged) && painted;
  }, LIVE_WAIT);
  await sleep(500);
  result.authorAfter = await embedColoured(author);
  result.notReloaded = await visitor.evaluate(() => window.notReloaded === true)
    && await author.evaluate(() => window.notReloaded === true);
}

const browser = await launchFirefox("0b5e9c2a-7d41-4f6e-a3c8-2e9f1d7b6a50");
await runFlow(browser, async (result) => {
  const errors = [];
  result.errors = errors;
  await (STORY === "approve" ? approve : hide)(result, errors);
});
