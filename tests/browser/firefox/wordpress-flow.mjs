// A highlight on a real WordPress post in Firefox: install the unpacked extension, sign in, select
// a phrase in the post (the page's UI left closed, so by keyboard: Tab to the toolbar's first
// colour, yellow), wait until it is painted, reload, and read what is painted again. Run by
// tests/browser/test_wordpress_posts.py, which starts WordPress and the server and checks on the
// server that the annotation is keyed to the post; prints one JSON line with what it saw.

import { env, launchFirefox, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const POST_URL = env("POSTIL_POST_URL");
const PHRASE = env("POSTIL_PHRASE");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const UUID = "2c6a7d1e-98f4-4b3a-8e0f-5a1d7c3b9e42";

const paintedYellow = (page) => page.evaluate(() => {
  const h = globalThis.CSS?.highlights?.get("postil-yellow");
  return h ? [...h].map((r) => r.toString()) : [];
});

function selectPhrase(phrase) {
  const walker = document.createTreeWalker(document.querySelector(".entry-content"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    node.parentElement.scrollIntoView({ block: "center" });
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + phrase.length);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    return true;
  }
  return false;
}

const browser = await launchFirefox(UUID);
await runFlow(browser, async (result) => {
  await browser.installExtension(EXTENSION);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(POST_URL);
  await page.waitForSelector("postil-ui");
  if (!(await page.evaluate(selectPhrase, PHRASE))) throw new Error("phrase not found");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  result.painted = await waitFor("the highlight to be painted", async () => {
    const painted = await paintedYellow(page);
    return painted.length ? painted : null;
  });
  // Saved on the server before the reload (the pytest side reads what is stored).
  const token = await (await fetch(`${SERVER}/api/tokens`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: USER, password: PASSWORD }),
  })).json();
  await waitFor("the annotation on the server", async () => {
    const reply = await fetch(`${SERVER}/api/annotations?limit=0`, {
      headers: { Authorization: `Bearer ${token.token}` } });
    return (await reply.json()).total > 0;
  });
  await page.reload();
  await page.waitForSelector("postil-ui");
  result.restored = await waitFor("the restored highlight", async () => {
    const painted = await paintedYellow(page);
    return painted.length ? painted : null;
  });
  result.errors = errors;
});
