// A single-page site in Firefox: highlights made after the site's script shows another article
// (History API, head and article rewritten, no page load) go to the post now shown, and going
// back brings the first post's highlight back. Then a theme that loads the next story below the
// first: a highlight in it goes to that story's post. Run by tests/browser/test_firefox_flow.py,
// whose `spa_site` serves tests/browser/spa/ (index.html and endless.html) and which passes
// everything through the environment; prints one JSON line with what it saw.

import { apiToken, env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const SPA = env("POSTIL_SPA");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const UUID = "0d5c1f9e-7a3b-4c2d-8e6f-5a4b3c2d1e0f";
const LAMP = "kept a log of the weather";
const HORN = "sounded a horn every thirty seconds";

let token = null; // signed in once, not on every look at the server

async function stored(postId) {
  token ??= await apiToken(SERVER, USER, PASSWORD);
  const site = new URL(SPA).host;
  const reply = await fetch(`${SERVER}/api/annotations?site=${encodeURIComponent(site)}&post_id=${postId}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return (await reply.json()).items.map((a) => ({ quote: a.quote, color: a.color }));
}

function painted() {
  const out = {};
  for (const c of ["yellow", "green"]) {
    const h = globalThis.CSS?.highlights?.get(`postil-${c}`);
    out[c] = h ? [...h].map((r) => r.toString()) : [];
  }
  return out;
}

/** Select `phrase` in the article and press the toolbar's button for `color`. */
async function highlight(page, phrase, color) {
  await waitFor(`"${phrase}" on the page`, () => page.evaluate((p) => document.body.innerText.includes(p), phrase));
  const selected = await page.evaluate((p) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(p);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + p.length);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
      return true;
    }
    return false;
  }, phrase);
  if (!selected) throw new Error(`cannot select "${phrase}"`);
  // The root is opened through the extension's storage (tests only) to reach the toolbar.
  await waitFor("the toolbar", () => page.evaluate((c) => {
    const button = document.querySelector("postil-ui")?.shadowRoot
      ?.querySelector(`.toolbar:not([hidden]) button[data-color="${c}"]`);
    if (!button) return false;
    button.click();
    return true;
  }, color));
}

const browser = await launchFirefox(UUID);
await runFlow(browser, async (result) => {
  await browser.installExtension(EXTENSION);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#server");
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));
  await options.close();

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(`${SPA}/lighthouses/`);
  await page.waitForSelector("postil-ui");
  await highlight(page, LAMP, "yellow");
  await waitFor("the first highlight on post 11", async () => (await stored(11)).length === 1);

  // The site's own link: the address at once, the article 80 ms later.
  await page.click("a[data-route=fog-signals]");
  await highlight(page, HORN, "green");
  result.second = await waitFor("the second highlight on post 12", async () => {
    const items = await stored(12);
    return items.length ? items : null;
  });
  result.first = await stored(11);
  result.paintedAfterMove = await page.evaluate(painted);

  await page.evaluate(() => history.back());
  result.paintedAfterBack = await waitFor("the first article's highlight painted again", async () => {
    const p = await page.evaluate(painted);
    return p.yellow.join("") === LAMP && p;
  });
  result.address = await page.evaluate(() => location.pathname);

  await page.goto(`${SPA}/endless/`);
  await page.waitForSelector("postil-ui");
  await highlight(page, "pins the tide table to the office door", "yellow");
  await waitFor("the first story's highlight on post 21", async () => (await stored(21)).length === 1);
  await page.click("#next");
  await highlight(page, "Redshanks call an alarm", "green");
  result.nextStory = await waitFor("the next story's highlight on post 22", async () => {
    const items = await stored(22);
    return items.length ? items : null;
  });
  result.firstStory = await stored(21);
  result.errors = errors;
});
