// A note whose HTML the server should never have sent, in Firefox: sign in, open the post the
// note is on (the sample blog, under its Content-Security-Policy), open the sidebar and read what
// the note's element holds, click its would-be javascript: link, and report whether anything ran,
// loaded, or broke the page's policy. The tampered note is seeded by
// tests/browser/test_note_html.py; prints one JSON line with what it saw.

import { env, launchFirefox, openExtensionPage, runFlow, signIn, sleep, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const BLOG = env("POSTIL_BLOG");
const POST = env("POSTIL_POST");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const SCREENSHOT = process.env.POSTIL_SCREENSHOT;
const UUID = "0d6a3c52-7e19-4b8f-9c2e-5a41f7b3d980";

// The note is the one of the item (inside the UI's shadow root) that shows the tampered note:
// other tests of the session leave items on the same post, with this passage too (a deleted
// note heading a thread, say).
const QUOTE = "Tampered note";

const browser = await launchFirefox(UUID);
await runFlow(browser, async (result) => {
  await browser.installExtension(EXTENSION);
  await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  // Tests read the sidebar through a root the extension's own storage opens.
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#server");
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));

  const page = await browser.newPage();
  const errors = [];
  const loads = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("request", (request) => { if (request.url().includes("pwned")) loads.push(request.url()); });
  await page.evaluateOnNewDocument(() => {
    window.violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  await page.goto(`${BLOG}${POST}`);
  await page.waitForSelector("postil-ui");
  await options.evaluate(async () => {
    for (const tab of await browser.tabs.query({})) {
      browser.tabs.sendMessage(tab.id, { type: "ui/open-sidebar" }).catch(() => {});
    }
  });
  result.note = await waitFor("the note in the sidebar", () => page.evaluate((quote) => {
    const note = [...document.querySelector("postil-ui")?.shadowRoot?.querySelectorAll(".sidebar li.item") ?? []]
      .find((item) => item.textContent.includes(quote))?.querySelector(".note");
    if (!note || !note.textContent.trim()) return null;
    return {
      text: note.textContent.replace(/\s+/g, " ").trim(),
      elements: [...note.querySelectorAll("*")].map((e) => e.localName),
      links: [...note.querySelectorAll("a")].map((a) => ({
        href: a.getAttribute("href"), rel: a.getAttribute("rel"), target: a.getAttribute("target") })),
      attributes: [...note.querySelectorAll("*")].flatMap((e) => [...e.attributes].map((a) => a.name)),
    };
  }, QUOTE));
  // Click where the javascript: link's text is, as a reader would.
  const box = await page.evaluate((quote) => {
    const note = [...document.querySelector("postil-ui").shadowRoot.querySelectorAll(".sidebar li.item")]
      .find((item) => item.textContent.includes(quote)).querySelector(".note");
    note.scrollIntoView({ block: "center" });
    const walker = document.createTreeWalker(note, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf("js link");
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + "js link".length);
      const r = range.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    }
    throw new Error("no 'js link' text in the note");
  }, QUOTE);
  await page.mouse.click(box.x, box.y);
  await sleep(300);
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
  result.pwned = await page.evaluate(() => document.documentElement.dataset.pwned ?? null);
  result.violations = await page.evaluate(() => window.violations);
  result.loads = loads;
  result.errors = errors;
});
