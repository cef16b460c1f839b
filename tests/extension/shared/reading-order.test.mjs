// extension/src/shared/reading-order.js orders a post's annotations as the server's exports do:
// both run tests/fixtures/order-cases.json (the server through every export format).

import assert from "node:assert/strict";
import { test } from "node:test";
import { compareReadingOrder } from "../../../extension/src/shared/reading-order.js";
import { fixture } from "../fixtures.mjs";

for (const { case: name, annotations, order } of fixture("order-cases.json").cases) {
  test(`reading order: ${name}`, () => {
    // Every arrival order must give the same answer: try the table's and its reverse.
    for (const arrival of [annotations, [...annotations].reverse()]) {
      const sorted = [...arrival].sort(compareReadingOrder);
      assert.deepEqual(sorted.map((a) => a.name), order);
    }
  });
}
