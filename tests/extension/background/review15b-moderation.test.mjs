// extension/src/background/moderation.js: the site a page lies on, as the server's lookup says,
// is kept per address the lookup would tell apart. A page keyed by its URL carries its host as
// `site`, so a subsite's page (example.org/news/...) and its parent's (example.org/...) share
// that `site`: keeping the answer by `site` alone handed one's answer to the other (no Flag on a
// registered subsite's pages after a page of its unregistered parent, for ten minutes).

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { storageLocal } from "../fake-browser.mjs";
import { siteOfPost } from "../../../extension/src/background/moderation.js";

const SERVER = "http://127.0.0.1:8010";
const NEWS = { site: "news", name: "News", origins: [], policy: { embed: "signed-in", moderation: "post", public_per_hour: 0 } };
let asked = [];

beforeEach(async () => {
  storageLocal.clear();
  asked = [];
  await storageLocal.set({ settings: { server: SERVER }, auth: { server: SERVER, token: "pst_t", user: "dora" } });
  globalThis.fetch = async (url) => {
    const address = new URL(String(url)).searchParams.get("url");
    asked.push(address);
    if (address.startsWith("https://paper.example/news/")) {
      return new Response(JSON.stringify({ ...NEWS, site: "paper.example/news" }), { status: 200 });
    }
    return new Response(JSON.stringify({ error: { code: "site_not_registered", message: "no" } }), { status: 404 });
  };
});

test("a registered subsite's page is its site's, after a page of its unregistered parent", async () => {
  const parent = await siteOfPost({ site: "paper.example", url: "https://paper.example/about/" });
  assert.equal(parent, null);
  const sub = await siteOfPost({ site: "paper.example", url: "https://paper.example/news/a-story/" });
  assert.equal(sub?.site, "paper.example/news");
});

test("a WordPress post's site is asked once and kept", async () => {
  const first = await siteOfPost({ site: "paper.example/news", post_id: 3, url: "https://paper.example/news/?p=3" });
  const again = await siteOfPost({ site: "paper.example/news", post_id: 4, url: "https://paper.example/news/?p=4" });
  assert.equal(first?.site, "paper.example/news");
  assert.equal(again?.site, "paper.example/news");
  assert.equal(asked.length, 1);
});
