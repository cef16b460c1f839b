// extension/src/background/notebook.js while the server cannot be reached: the notebook shows
// the reader's queued notes, filtered as the server filters (tests/fixtures/filter-cases.json)
// and with the passage links the server will give them (tests/fixtures/text-fragment-cases.json).

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { storageLocal } from "../fake-browser.mjs";
import { queryNotebook } from "../../../extension/src/background/notebook.js";
import { passageUrl } from "../../../extension/src/notebook/passage.js";
import { wirePost } from "../../../extension/src/post-key/index.js";
import { fixture } from "../fixtures.mjs";

const SERVER = "http://postil.test";
const FILTERS = fixture("filter-cases.json");
const LINKS = fixture("text-fragment-cases.json").filter((c) => c.expected && c.annotation.selectors.length);

function queued(id, annotation) {
  const body = { id, post: wirePost(annotation.post), quote: annotation.quote ?? "", selectors: annotation.selectors ?? [],
                 note: annotation.note ?? "", color: annotation.color ?? "yellow", tags: annotation.tags ?? [],
                 visibility: annotation.visibility ?? "private" };
  return { seq: `${Date.now().toString(36)}-${id}`, kind: "create", id, post: body.post, body, user: "alice", attempts: 1, nextAt: 0 };
}

async function offline(ops) {
  storageLocal.clear();
  await storageLocal.set({ settings: { server: SERVER }, auth: { server: SERVER, token: "t", user: "alice" }, queue: ops });
}

before(() => {
  globalThis.fetch = async () => {
    throw new TypeError("fetch failed");
  };
});

describe("offline, queued notes are filtered as the server filters", () => {
  for (const c of FILTERS.cases) {
    test(c.name, async () => {
      await offline(FILTERS.annotations.map((a) => queued(a.name, a)));
      const page = await queryNotebook(c.query);
      assert.ok(page.unreachable);
      assert.deepEqual(page.items.map((item) => item.id).sort(), [...c.matches].sort());
    });
  }
});

test("a queued note's passage link is the one the server will give", async () => {
  await offline(LINKS.map((c, i) => queued(`n${i}`, c.annotation)));
  const page = await queryNotebook({});
  const byId = new Map(page.items.map((item) => [item.id, item]));
  LINKS.forEach((c, i) => assert.equal(passageUrl(byId.get(`n${i}`)), c.expected, c.name));
});
