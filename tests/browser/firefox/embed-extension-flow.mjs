// The embed and the extension on one page, in Firefox: a reader with the extension opens a post
// of a site that includes `/embed.js`. The embed's script loads and yields to the extension: the
// public note is painted once, by the extension, with one Postil UI on the page. Run by
// tests/browser/test_embed_page.py, which passes everything through the environment; prints one
// JSON line with what it saw.

import { embedPainted, env, openReader, painted, runFlow, sleep, waitFor } from "./common.mjs";

const UUID = "3e8f2a61-7b4c-4d5e-9f60-a1b2c3d4e5f6";
const errors = [];
let reader = null;
await runFlow({ close: async () => { await reader?.browser.close(); } }, async (result) => {
  const quote = env("POSTIL_PUBLIC_QUOTE");
  reader = await openReader({
    uuid: UUID, extension: env("POSTIL_EXTENSION"), server: env("POSTIL_SERVER"),
    user: env("POSTIL_USER"), password: env("POSTIL_PASSWORD"), url: env("POSTIL_PAGE"), errors,
    ready: async (page) => (await painted(page)).includes(quote),
  });
  const { page } = reader;
  result.embedLoaded = await waitFor("the embed's script to run", () =>
    page.evaluate(() => globalThis.__postilEmbed === true));
  await sleep(1000); // time for an embed that did not yield to paint
  result.extensionPainted = await painted(page);
  result.embedPainted = await embedPainted(page);
  result.hosts = await page.evaluate(() => document.querySelectorAll("postil-ui").length);
  result.errors = errors;
});
