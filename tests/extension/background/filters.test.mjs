// extension/src/background/filters.js: the notebook's offline filter for queued notes decides
// tests/fixtures/filter-cases.json as the server's API does.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cleanFilters, matchesFilters } from "../../../extension/src/background/filters.js";
import { wirePost } from "../../../extension/src/post-key/index.js";
import { fixture } from "../fixtures.mjs";

const TABLE = fixture("filter-cases.json");
// Queued creates as the notebook shows them: the post in its wire shape, made just now.
const now = new Date().toISOString();
const ITEMS = TABLE.annotations.map((a) => ({ ...a, id: a.name, post: wirePost(a.post), created: now }));

describe("the offline filter agrees with the server's table", () => {
  for (const c of TABLE.cases) {
    test(c.name, () => {
      const filters = cleanFilters(c.query);
      const got = ITEMS.filter((item) => matchesFilters(item, filters)).map((item) => item.id);
      assert.deepEqual(got.sort(), [...c.matches].sort());
    });
  }
});

test("filters a page may not set are dropped, and empty ones", () => {
  assert.deepEqual(cleanFilters({ user: "bob", limit: 5, color: " ", tag: ["", " a "], q: " x " }), { tag: ["a"], q: "x" });
});
