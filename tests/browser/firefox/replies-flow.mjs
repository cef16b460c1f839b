// The sidebar's reply box in Firefox: bob signs in, opens the post where alice's public note is
// (seeded by tests/browser/test_reply_threads.py), opens the sidebar, presses the note's Reply button,
// types a reply with the keyboard and sends it with Ctrl+Enter; reports the reply box's frame (a
// frame of the extension's own, which WebDriver does not show the inside of here, so the reader's
// keyboard does it all), what a page script listening for keys on its window heard meanwhile,
// and the thread under the note once the reply has synced. Prints one JSON line with what it saw.

import { env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const BLOG = env("POSTIL_BLOG");
const POST = env("POSTIL_POST");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const REPLY = env("POSTIL_REPLY");
const UUID = "5b1e7c0a-93d4-4f2e-8a61-2c7d9e4b0f13";

const inUi = (page, fn, arg) => page.evaluate((source, value) => {
  const root = document.querySelector("postil-ui")?.shadowRoot;
  return root ? new Function("root", "value", source)(root, value) : null;
}, fn, arg);

const browser = await launchFirefox(UUID);
await runFlow(browser, async (result) => {
  await browser.installExtension(EXTENSION);
  await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#server");
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(`${BLOG}${POST}`);
  await page.waitForSelector("postil-ui");
  await waitFor("the note in the sidebar", () => inUi(page, `return root.querySelector(".sidebar li.item") !== null`));
  await options.evaluate(async () => {
    for (const tab of await browser.tabs.query({})) {
      browser.tabs.sendMessage(tab.id, { type: "ui/open-sidebar" }).catch(() => {});
    }
  });
  await page.evaluate(() => {
    window.heard = [];
    for (const type of ["keydown", "keypress", "keyup", "input", "beforeinput"]) {
      window.addEventListener(type, (e) => window.heard.push(`${type}:${e.key ?? e.data ?? ""}`), true);
    }
  });
  await waitFor("the Reply button", () => inUi(page, `
    const button = root.querySelector(".sidebar li.item button.reply-button");
    if (!button || !button.getClientRects().length) return null;
    button.click();
    return true;`));
  result.box = await waitFor("the reply box", () => inUi(page, `
    const frame = root.querySelector(".sidebar iframe.reply-frame");
    // Focused at once and again once loaded (an element just drawn may not take it at once);
    // sized once the frame has opened the box in it (its "size" message).
    if (!frame || root.activeElement !== frame || !frame.style.height) return null;
    return { title: frame.title, focused: root.activeElement === frame,
             textareaInPage: root.querySelector("textarea") !== null };`));
  // The frame's text box takes the focus as the box opens (retried on the frame's next frames).
  await new Promise((resolve) => setTimeout(resolve, 500));
  await page.keyboard.type(REPLY);
  await page.keyboard.down("Control");
  await page.keyboard.press("Enter");
  await page.keyboard.up("Control");
  result.rows = await waitFor("the synced reply in the thread", () => inUi(page, `
    const rows = [...root.querySelectorAll(".sidebar li.item li.reply")];
    if (!rows.length || rows.some((r) => r.querySelector(".badge"))) return null;
    return rows.map((r) => ({ depth: r.dataset.depth, text: r.querySelector(".note").textContent,
                              author: r.querySelector(".author").textContent }));`));
  result.boxOpen = await inUi(page, `return root.querySelector(".reply-box:not(.retiring) iframe.reply-frame") !== null`);
  result.pageHeard = (await page.evaluate(() => window.heard)).filter((e) => REPLY.includes(e.split(":")[1]));
  result.errors = errors;
});
