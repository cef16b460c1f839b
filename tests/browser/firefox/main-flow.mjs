// The main flow in Firefox: install the unpacked extension, sign in on its options page, highlight
// a passage on the sample blog by keyboard with the UI's shadow root closed as readers have it,
// reload, and check the highlight is restored (painted, stored once on the server, and listed in
// the sidebar, read with the root opened through the extension's storage). Run by tests/browser/test_firefox.py, which starts the servers and
// passes everything through the environment; prints one JSON line with what it saw.

import { apiToken, env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const BLOG = env("POSTIL_BLOG");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const SCREENSHOT = process.env.POSTIL_SCREENSHOT;
// A fixed internal UUID makes the extension's moz-extension:// origin known in advance.
const UUID = "6b0f4f64-0c1e-4d5b-9a53-3f1f5b2c7a10";
const PHRASE = "the gluten network slowly organises itself";
const NOTED = "Kitchen temperature can shift these timings by hours";
const NOTE_TEXT = "my private thought";
const POST = "/sample/the-patient-chemistry-of-sourdough/";


async function annotations() {
  const token = await apiToken(SERVER, USER, PASSWORD);
  const site = new URL(BLOG).host + "/sample";
  const reply = await fetch(`${SERVER}/api/annotations?site=${encodeURIComponent(site)}&post_id=102`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return (await reply.json()).items;
}

async function painted(page) {
  return page.evaluate(() => {
    const out = {};
    for (const c of ["yellow", "green", "blue", "pink", "purple"]) {
      const h = globalThis.CSS?.highlights?.get(`postil-${c}`);
      const fromRegistry = h ? [...h].map((r) => r.toString()) : [];
      const fromMarks = [...document.querySelectorAll("postil-mark")]
        .filter((m) => m.style.backgroundColor && m.closest("p")).map((m) => m.textContent);
      out[c] = fromRegistry.length ? fromRegistry : fromMarks;
    }
    return out;
  });
}

/** Select `phrase` in the article as a reader would, and let the content script see it. */
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

async function waitReady(page) {
  await page.waitForSelector("postil-ui");
  await waitFor("the sidebar status", () => page.evaluate(() => {
    const s = document.querySelector("postil-ui")?.shadowRoot?.querySelector(".sidebar .status");
    return Boolean(s && s.textContent && s.textContent !== "Loading…");
  }));
}

const browser = await launchFirefox(UUID);
await runFlow(browser, async (result) => {
  result.extensionId = await browser.installExtension(EXTENSION);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));

  await page.goto(`${BLOG}${POST}`);
  await page.waitForSelector("postil-ui");
  // What the page's own scripts get of the UI: no shadow root, none of its text.
  result.pageSees = await page.evaluate(() => {
    const host = document.querySelector("postil-ui");
    return { shadowRoot: host.shadowRoot, text: host.textContent, html: host.innerHTML };
  });
  result.painter = await page.evaluate(() => (globalThis.CSS?.highlights ? "css-highlight" : "marks"));
  const found = await page.evaluate(selectPhrase, PHRASE);
  if (!found) throw new Error("phrase not found");
  // The toolbar cannot be found by selector in a closed root; a keyboard reader's way in works:
  // Tab lands on its first colour (yellow), Tab again on green.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT.replace(".png", "-toolbar.png") });
  await page.keyboard.press("Enter");
  await waitFor("the highlight to be painted", async () => (await painted(page)).green.join("") === PHRASE);
  result.stored = await waitFor("the annotation on the server", async () => {
    const items = await annotations();
    return items.length ? items.map((a) => ({ quote: a.quote, color: a.color })) : null;
  });

  // A note typed into the editor, which is a frame of the extension's own: the page's capture
  // listeners hear none of its keys, and the page cannot find its text.
  if (!(await page.evaluate(selectPhrase, NOTED))) throw new Error("second phrase not found");
  for (let i = 0; i < 6; i++) await page.keyboard.press("Tab"); // five colours, then "Add note"
  await page.evaluate(() => {
    window.heard = [];
    for (const type of ["keydown", "keypress", "keyup", "input", "beforeinput"]) {
      window.addEventListener(type, (e) => window.heard.push(`${type}:${e.key ?? e.data ?? ""}`), true);
    }
  });
  await page.keyboard.press("Enter");
  const afterEnter = (await page.evaluate(() => window.heard)).length;
  // WebDriver does not show the inside of an extension's frame here, so the reader's keyboard
  // does it all: the note has the focus when the editor opens; Tab walks to Save.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await page.keyboard.type(NOTE_TEXT);
  result.pageHeard = (await page.evaluate(() => window.heard)).slice(afterEnter);
  result.pageFound = await page.evaluate((text) => window.find(text), NOTE_TEXT);
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT.replace(".png", "-editor.png") });
  for (let i = 0; i < 5; i++) await page.keyboard.press("Tab"); // tags, colour, visibility, Cancel, Save
  await page.keyboard.press("Enter");
  result.noted = await waitFor("the note on the server", async () => {
    const items = await annotations();
    const found = items.find((a) => a.quote === NOTED);
    return found && { quote: found.quote, note: found.note };
  });

  await page.reload();
  await page.waitForSelector("postil-ui");
  result.restored = await waitFor("the restored highlight", async () => {
    const p = await painted(page);
    return p.green.join("") === PHRASE && p;
  });
  // The sidebar's list, read through a root the extension's own storage opens (tests only).
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#server");
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));
  await options.close();
  await page.reload();
  await waitReady(page);
  result.sidebarQuotes = await page.evaluate(() => [...document.querySelector("postil-ui").shadowRoot
    .querySelectorAll(".sidebar li.item .goto .text")].map((el) => el.textContent));
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
  result.errors = errors;
});
