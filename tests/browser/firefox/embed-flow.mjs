// The embed in Firefox, without the extension: a visitor opens a post of a site that includes
// `/embed.js` and the post's public notes are painted under the embed's own highlight names;
// the page's scripts get no handle on its UI. Run by tests/browser/test_embed_page.py, which
// passes the page's address through the environment; prints one JSON line with what it saw.

import { env, launchFirefox, runFlow, waitFor } from "./common.mjs";

const PAGE = env("POSTIL_PAGE");
const PUBLIC = env("POSTIL_PUBLIC_QUOTE");

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
  result.errors = errors;
});
