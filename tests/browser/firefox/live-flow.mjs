// Live updates in Firefox (the background is an event page there): the reader signed in on the
// options page keeps a post open while another reader, through the API, makes a public
// highlight on it, edits it and deletes it, then makes a private one and a public one; each
// shows on the open page without a reload, except the private one, which never does. Then the
// server restarts (the pytest side does it when this script prints RESTART and answers by
// creating the file named by POSTIL_RESTARTED) and the next change still arrives. Run by
// tests/browser/test_live_updates_firefox.py; prints one JSON line with what it saw.

import { existsSync } from "node:fs";
import { apiToken, env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const BLOG = env("POSTIL_BLOG");
const USER = env("POSTIL_USER");
const OTHER = env("POSTIL_OTHER_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const RESTARTED = env("POSTIL_RESTARTED");
const UUID = "3c9a2e71-5b8d-4f06-a1e4-7d2c9b6f0e35";
const POST = "/sample/how-tide-pools-keep-time/";
const TIDE = "Twice a day the tide covers the pool and twice a day it leaves";
const SHORE = "Walk down a rocky shore at low tide";
const SECRET = "the anemones sit open like small flowers";
const CALM = "That calm is an illusion of timing";
const LIVE_WAIT = 30000;

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

function make(phrase, color, visibility = "public") {
  return api("POST", "/api/annotations", {
    post: { site: `${new URL(BLOG).host}/sample`, post_id: 101 }, quote: phrase, color, visibility,
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
const sidebarText = (page) => page.evaluate(() =>
  document.querySelector("postil-ui").shadowRoot.querySelector(".sidebar").textContent);

const browser = await launchFirefox(UUID);
await runFlow(browser, async (result) => {
  await browser.installExtension(EXTENSION);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  // The sidebar's text is read through a root the extension's own storage opens (tests only).
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#server");
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));
  await options.close();

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(`${BLOG}${POST}`);
  await waitFor("the sidebar status", () => page.evaluate(() => {
    const s = document.querySelector("postil-ui")?.shadowRoot?.querySelector(".sidebar .status");
    return Boolean(s && s.textContent && s.textContent !== "Loading…");
  }));
  await page.evaluate(() => { window.notReloaded = true; });

  const tide = await make(TIDE, "pink");
  result.created = await waitFor("the other reader's highlight", () => paintedIn(page, "pink", TIDE), LIVE_WAIT);
  await api("PATCH", `/api/annotations/${tide.id}`, { color: "green", note: "Read this twice" });
  result.edited = await waitFor("its new colour", () => paintedIn(page, "green", TIDE), LIVE_WAIT);
  result.noteShown = await waitFor("its note", async () => (await sidebarText(page)).includes("Read this twice"), LIVE_WAIT);
  await api("DELETE", `/api/annotations/${tide.id}`);
  result.deleted = await waitFor("it to go", async () => !(await paintedAnywhere(page, TIDE)), LIVE_WAIT);

  await make(SECRET, "purple", "private");
  await make(SHORE, "blue");
  result.publicAfterPrivate = await waitFor("the public one", () => paintedIn(page, "blue", SHORE), LIVE_WAIT);
  result.privateShown = (await paintedAnywhere(page, SECRET)) || (await sidebarText(page)).includes(SECRET);

  console.log("RESTART");
  await waitFor("the server to restart", () => existsSync(RESTARTED), 60000);
  await make(CALM, "yellow");
  result.afterRestart = await waitFor("a change after the restart", () => paintedIn(page, "yellow", CALM), LIVE_WAIT);
  result.sameDocument = await page.evaluate(() => window.notReloaded === true);
  result.errors = errors;
});
