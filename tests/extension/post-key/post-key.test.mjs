// extension/src/post-key/index.js: the normalisers against the table the server runs
// (tests/fixtures/post-key-cases.json), and the one post shape and group key of the extension.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { groupKey, normaliseSite, normaliseUrl, postQuery, wirePost } from "../../../extension/src/post-key/index.js";
import { fixture } from "../fixtures.mjs";

const NORMALISERS = { normaliseSite, normaliseUrl };

describe("the normalisers agree with the server's table", () => {
  for (const c of fixture("post-key-cases.json")) {
    test(c.name, () => assert.equal(NORMALISERS[c.function](c.input), c.expected));
  }
});

// What identifyPost() returns for a WordPress post, and for a page that is not one.
const WP_PAGE = {
  site: "d3.harvard.edu/future-proof-with-ai", post_id: 1334,
  url: "https://d3.harvard.edu/future-proof-with-ai/the-ai-race-goes-global/?utm_source=x",
  key_url: "d3.harvard.edu/the-ai-race-goes-global", signal: "rest-link",
  canonical: "https://d3.harvard.edu/the-ai-race-goes-global/", title: "The AI Race Goes Global",
};
const PLAIN_PAGE = {
  site: "news.example.com", post_id: null, url: "https://www.news.example.com/story/?id=4&utm_medium=x",
  key_url: "news.example.com/story?id=4", signal: "url",
  canonical: "https://news.example.com/story?id=4", title: null,
};

test("a WordPress page goes on the wire as {site, post_id, url, title}", () => {
  assert.deepEqual(wirePost({ ...WP_PAGE, modified_gmt: "2026-11-29T10:00:00" }), {
    site: WP_PAGE.site, post_id: 1334, url: WP_PAGE.url, title: WP_PAGE.title, modified_gmt: "2026-11-29T10:00:00",
  });
});

test("a page that is not a post goes by its canonical URL, with no null title", () => {
  assert.deepEqual(wirePost(PLAIN_PAGE), { site: "news.example.com", post_id: null, url: "https://news.example.com/story?id=4" });
});

test("the wire shape is a fixed point", () => {
  for (const page of [WP_PAGE, PLAIN_PAGE]) assert.deepEqual(wirePost(wirePost(page)), wirePost(page));
});

test("a post is queried by site and post id, else by its URL", () => {
  assert.deepEqual(postQuery(WP_PAGE), { site: WP_PAGE.site, post_id: 1334 });
  assert.deepEqual(postQuery(PLAIN_PAGE), { url: "https://news.example.com/story?id=4" });
});

test("the page, its wire shape and the server's copy of the post have one group key", () => {
  const serverCopy = (post) => ({ id: 7, ...wirePost(post), url: post.canonical ?? post.url });
  for (const page of [WP_PAGE, PLAIN_PAGE]) {
    const keys = new Set([groupKey(page), groupKey(wirePost(page)), groupKey(serverCopy(page))]);
    assert.equal(keys.size, 1, [...keys].join(" / "));
  }
  assert.equal(groupKey(WP_PAGE), "wp:d3.harvard.edu/future-proof-with-ai#1334");
  assert.equal(groupKey(PLAIN_PAGE), "url:news.example.com/story?id=4");
});

test("two posts of one site, or two pages, have different group keys", () => {
  assert.notEqual(groupKey(WP_PAGE), groupKey({ ...WP_PAGE, post_id: 1335 }));
  assert.notEqual(groupKey(wirePost(PLAIN_PAGE)), groupKey({ ...wirePost(PLAIN_PAGE), url: "https://news.example.com/story?id=5" }));
  assert.notEqual(groupKey({ site: "a.example", post_id: 1, url: "" }), groupKey({ site: "b.example", post_id: 1, url: "" }));
});
