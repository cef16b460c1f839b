// Postil on a phone-sized Firefox: the viewport of a phone held upright with touch, a tap on the
// text, then a selection made as a long-press and a handle leave it (no mouse event, only
// `selectionchange`). The toolbar must come below the selection with finger-sized buttons, a tap
// on a colour highlights, and the sidebar opens as a sheet over the lower part of the page, which
// keeps its width. Run by tests/browser/test_phone.py; prints one JSON line with what it saw.

import { env, launchFirefox, openExtensionPage, runFlow, signIn, sleep, touchSelect, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const PAGE = env("POSTIL_PAGE");
const PHRASE = env("POSTIL_PHRASE");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const SCREENSHOT = process.env.POSTIL_SCREENSHOT;
const UUID = "8d3e5f1a-2b4c-4d6e-9f70-1a2b3c4d5e6f";

const rectOf = (selector) => {
  const el = document.querySelector("postil-ui")?.shadowRoot?.querySelector(selector);
  if (!el || el.hidden) return null;
  const r = el.getBoundingClientRect();
  return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
};

const selectionRect = () => {
  const r = getSelection().getRangeAt(0).getBoundingClientRect();
  return { top: r.top, bottom: r.bottom };
};

const tapAt = (page, r) => page.touchscreen.tap(r.left + r.width / 2, r.top + r.height / 2);

const browser = await launchFirefox(UUID);
await runFlow(browser, async (result) => {
  await browser.installExtension(EXTENSION);
  await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#server");
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.setViewport({ width: 390, height: 844, hasTouch: true, isMobile: true });
  await page.goto(PAGE);
  await page.waitForSelector("postil-ui");
  result.viewport = await page.evaluate(() => ({ width: innerWidth, height: innerHeight }));
  const start = await page.evaluate(() => {
    const p = document.querySelector(".entry-content p");
    p.scrollIntoView({ block: "start" });
    const r = p.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: Math.min(r.height, 40) };
  });
  await tapAt(page, start);
  if (!(await page.evaluate(touchSelect, PHRASE))) throw new Error("phrase not found");
  result.toolbar = await waitFor("the toolbar below the selection", async () => {
    const [bar, chosen] = [await page.evaluate(rectOf, ".toolbar"), await page.evaluate(selectionRect)];
    return bar && bar.top >= chosen.bottom + 20 ? { bar, chosen } : null;
  });
  await sleep(100);
  const pink = await page.evaluate(rectOf, '.toolbar button[data-color="pink"]');
  result.button = { width: pink.width, height: pink.height };
  await tapAt(page, pink);
  result.painted = await waitFor("the passage painted pink", () => page.evaluate(() => {
    const h = globalThis.CSS?.highlights?.get("postil-pink");
    const ranges = h ? [...h].map((r) => r.toString()) : [];
    return ranges.length ? ranges : null;
  }));
  const margin = await page.evaluate(() => getComputedStyle(document.documentElement).marginRight);
  await options.evaluate(async () => {
    for (const tab of await browser.tabs.query({})) {
      browser.tabs.sendMessage(tab.id, { type: "ui/open-sidebar" }).catch(() => {});
    }
  });
  result.sheet = await waitFor("the sidebar open", () => page.evaluate(rectOf, ".sidebar"));
  result.marginKept = margin === await page.evaluate(() => getComputedStyle(document.documentElement).marginRight);
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
  await tapAt(page, await page.evaluate(rectOf, ".sidebar .grip"));
  result.tall = await waitFor("the sheet made tall", async () => {
    const r = await page.evaluate(rectOf, ".sidebar");
    return r && r.top < 0.15 * result.viewport.height ? r : null;
  });
  result.errors = errors;
});
