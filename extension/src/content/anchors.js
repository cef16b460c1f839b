// Adapts the pure anchoring module (src/anchoring/) to the page: one anchorer per batch of work
// (it indexes the page text once), and results reduced to `{range, method}` where a null range is
// an orphan. Kept apart so the page code depends on one small surface of that module.

import { createAnchorer, UI_ATTRIBUTE } from "../anchoring/index.js";

export { UI_ATTRIBUTE };

/** An anchorer over `root`'s current text; call `refresh()` on it after the text changed. */
export function makeAnchorer(root) {
  return createAnchorer(root);
}

/** Describe a range as selectors (TextQuoteSelector and TextPositionSelector). */
export function describeRange(root, range) {
  return createAnchorer(root).describe(range);
}

/** Find an annotation's passage: `{range, method}`; `method` "page" for a page note, "orphan" if lost. */
export async function anchorSelectors(anchorer, selectors) {
  if (!selectors?.length) return { range: null, method: "page" };
  try {
    const found = await anchorer.anchorWithInfo(selectors);
    return found.range ? { range: found.range, method: found.method } : { range: null, method: "orphan" };
  } catch (err) {
    console.warn("Postil: anchoring failed", err);
    return { range: null, method: "orphan" };
  }
}
