// Adapts the pure anchoring module (src/anchoring/) to what the page code needs: selectors for a
// range, and for an annotation either a Range or "orphan". Kept apart so the page code does not
// depend on the exact shape of the anchoring module's results.

import * as anchoring from "../anchoring/index.js";

/** Describe a range as selectors (TextQuoteSelector and TextPositionSelector). */
export async function describeRange(root, range) {
  return anchoring.describe(root, range);
}

/** Find an annotation's passage: `{range, method}`; `range` is null for an orphan. */
export async function anchorSelectors(root, selectors) {
  if (!selectors?.length) return { range: null, method: "page" };
  let result;
  try {
    result = await anchoring.anchor(root, selectors);
  } catch (err) {
    console.warn("Postil: anchoring failed", err);
    return { range: null, method: "orphan" };
  }
  if (!result) return { range: null, method: "orphan" };
  if (typeof Range !== "undefined" && result instanceof Range) return { range: result, method: "exact" };
  if (result.range) return { range: result.range, method: result.method ?? "exact" };
  return { range: null, method: "orphan" };
}
