// The page keeps following a post live after Firefox terminates the extension's event page (the
// background's MV3 form there: not a service worker, a page unloaded when idle). Firefox is
// started with a short idle timeout (`extensions.background.idle.timeout`), so the event page
// really goes idle and is terminated while a page follows a post; that it was is read from an
// extension page: `extension.getBackgroundPage()` answers null, or a new window without the mark
// set on the old one. Then another reader, through the API, makes a highlight, edits it and
// deletes it: each shows on the open page without a reload, and the page read its list once
// (a background started afresh resumes the stream from the id kept in storage.session; one
// that lost it would have the page read its list again). Run by
// tests/browser/test_live_updates_firefox.py; prints one JSON line with what it saw.

import { apiToken, env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const BLOG = env("POSTIL_BLOG");
const USER = env("POSTIL_USER");
const OTHER = env("POSTIL_OTHER_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const UUID = "3c9a2e71-5b8d-4f06-a1e4-7d2c9b6f0e35";
const POST = "/sample/how-tide-pools-keep-time/";
const TIDE = "Twice a day the tide covers the pool and twice a day it leaves";
const SHORE = "Walk down a rocky shore at low tide";
const LIVE_WAIT = 30000;
// Firefox's default is 30 s; this short, the event page goes idle between the page's pings.
const IDLE_MS = 3000;

let token = null;

async function api(method, path, body) {
  token ??= await apiToken(SERVER, OTHER, PASSWORD);
  const reply = await fetch(`${SERVER}${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await reply.text();
  if (!reply.ok) throw new Error(`${method} ${path}: ${reply.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function make(phrase, color) {
  return api("POST", "/api/annotations", {
    post: { site: `${new URL(BLOG).host}/sample`, post_id: 101 }, quote: phrase, color, visibility: "public",
    selectors: [{ type: "TextQuoteSelector", exact: phrase }],
  });
}

function painted(page) {
  return page.evaluate(() => {
    const out = {};
    for (const c of ["yellow", "green", "blue", "pink", "purple"]) {
      const h = globalThis.CSS?.highlights?.get(`postil-${c}`);
      out[c] = h ? [...h].map((r) => r.toString()) : [];
    }
    return out;
  });
}

const paintedIn = async (page, color, phrase) => (await painted(page))[color].includes(phrase);
const paintedAnywhere = async (page, phrase) => Object.values(await painted(page)).some((list) => list.includes(phrase));
const sidebarItems = (page) => page.evaluate(() =>
  [...document.querySelector("postil-ui").shadowRoot.querySelectorAll(".sidebar li.item")].map((el) => el.textContent));

const browser = await launchFirefox(UUID, { "extensions.background.idle.timeout": IDLE_MS });
await runFlow(browser, async (result) => {
  await browser.installExtension(EXTENSION);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  // An extension page to look at the background from (it does not keep the event page alive).
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#server");
  // The sidebar's text is read through an open shadow root, and each load of the annotations
  // is posted to the page (the extension's debug flags, set in its own storage: tests only).
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true, debugAnchoringTimings: true }));

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.evaluateOnNewDocument(() => {
    window.postilLoads = 0;
    window.addEventListener("message", (e) => {
      if (e.data && e.data.postilDebug === "anchoring") window.postilLoads += 1;
    });
  });
  await page.goto(`${BLOG}${POST}`);
  await page.evaluate(() => { window.notReloaded = true; });
  const tide = await make(TIDE, "yellow");
  result.before = await waitFor("a highlight while the event page runs", () => paintedIn(page, "yellow", TIDE), LIVE_WAIT);
  result.loadsBefore = await page.evaluate(() => window.postilLoads);

  // Mark the running event page, then wait for Firefox to terminate it.
  result.marked = await options.evaluate(async () => {
    const background = await browser.runtime.getBackgroundPage();
    if (!background) return false;
    background.postilMark = true;
    return true;
  });
  result.terminated = await waitFor("the event page to be terminated", () => options.evaluate(() => {
    const background = browser.extension.getBackgroundPage();
    return !background || background.postilMark !== true;
  }), 60000);

  // Changes made after it: a background started again resumes the stream and each arrives.
  const shore = await make(SHORE, "green");
  result.created = await waitFor("a highlight made after", () => paintedIn(page, "green", SHORE), LIVE_WAIT);
  await api("PATCH", `/api/annotations/${shore.id}`, { color: "blue", note: "After the pause" });
  result.edited = await waitFor("its new colour", () => paintedIn(page, "blue", SHORE), LIVE_WAIT);
  result.noteShown = await waitFor("its note", async () =>
    (await sidebarItems(page)).some((text) => text.includes("After the pause")), LIVE_WAIT);
  await api("DELETE", `/api/annotations/${tide.id}`);
  result.deleted = await waitFor("the first to go", async () => !(await paintedAnywhere(page, TIDE)), LIVE_WAIT);
  result.items = await sidebarItems(page);
  // Firefox kept terminating it meanwhile: what runs now is not the page marked before.
  result.stillTerminated = await options.evaluate(() => browser.extension.getBackgroundPage()?.postilMark !== true);
  result.loads = await page.evaluate(() => window.postilLoads);
  result.sameDocument = await page.evaluate(() => window.notReloaded === true);
  result.errors = errors;
});
