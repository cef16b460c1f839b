// extension/src/shared/backoff.js: retries after failures in a row wait longer each time, up to
// a ceiling, spread a little so that readers cut off together do not return together.

import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay } from "../../../extension/src/shared/backoff.js";

const middle = () => 0.5; // no spread

test("the wait doubles from the base with each failure in a row", () => {
  assert.deepEqual([0, 1, 2, 3].map((n) => backoffDelay(n, { base: 1000, random: middle })), [1000, 2000, 4000, 8000]);
});

test("the wait never passes the ceiling, however many failures", () => {
  for (const n of [6, 10, 50, 1e6]) assert.equal(backoffDelay(n, { base: 1000, max: 60_000, random: middle }), 60_000);
  assert.equal(backoffDelay(5, { base: 1000, max: 60_000, random: () => 0.999 }), 38_387);
  assert.ok(backoffDelay(20, { random: () => 0.999 }) <= 60_000);
});

test("the spread is 20% either way", () => {
  assert.equal(backoffDelay(1, { base: 1000, random: () => 0 }), 1600);
  assert.equal(backoffDelay(1, { base: 1000, random: () => 1 }), 2400);
});

test("a nonsense attempt count waits as for the first failure", () => {
  assert.equal(backoffDelay(-3, { base: 500, random: middle }), 500);
});
