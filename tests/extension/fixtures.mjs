// Reads the case tables in tests/fixtures/ that the server's pytest suite runs too.

import { readFileSync } from "node:fs";

export function fixture(name) {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));
}
