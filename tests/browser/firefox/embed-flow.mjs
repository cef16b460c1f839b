// The embed in Firefox, without the extension: a visitor opens a post of a site that includes
// `/embed.js` and the post's public notes are painted under the embed's own highlight names;
// the page's scripts get no handle on its UI; a public note made through the API meanwhile is
// painted without a reload (the embed follows the live stream). Run by tests/browser/test_embed_page.py, which
// passes the page's address through the environment; prints one JSON line with what it saw.

import { env, launchFirefox, runFlow, waitFor } from "./common.mjs";

const PAGE = env("POSTIL_PAGE");
const PUBLIC = env("POSTIL_PUBLIC_QUOTE");
// A public note to make while the page is open: {api, token, body} (the test's JSON).
const LIVE = JSON.parse(env("POSTIL_LIVE_NOTE"));

function embedPainted() {
  const out = {};
  for (const name of globalThis.CSS?.highlights?.keys() ?? []) {
    if (name.startsWith("postil-embed-")) out[name] = [...CSS.highlights.get(name)].map((r) => r.toString());
  }
  return out;
}

const browser = await launchFirefox("6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
await runFlow(browser, async (result) => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(PAGE);
  result.painted = await waitFor("the public note painted", async () => {
    const painted = await page.evaluate(embedPainted);
    return painted["postil-embed-pink"]?.includes(PUBLIC) ? painted : null;
  });
  result.shadowRoot = await page.evaluate(() => document.querySelector("postil-ui")?.shadowRoot ?? null);
  result.hosts = await page.evaluate(() => document.querySelectorAll("postil-ui").length);
  await page.evaluate(() => {
    window.sameDocument = true;
  });
  const made = await fetch(`${LIVE.api}/api/annotations`, {
    method: "POST", headers: { Authorization: `Bearer ${LIVE.token}`, "Content-Type": "application/json" }, body: JSON.stringify(LIVE.body),
  });
  if (made.status !== 201) throw new Error(`the live note was not made: ${made.status}`);
  result.live = await waitFor("the live note painted", async () => {
    const painted = await page.evaluate(embedPainted);
    return painted[`postil-embed-${LIVE.body.color}`]?.includes(LIVE.body.quote) ? painted : null;
  });
  result.sameDocument = await page.evaluate(() => window.sameDocument === true);
  result.errors = errors;
});
