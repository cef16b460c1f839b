// Adapts the pure anchoring module (src/anchoring/) to the page: one anchorer per batch of work
// (it indexes the page text once), and results reduced to `{range, method}` where a null range is
// an orphan. Kept apart so the page code depends on one small surface of that module.

import { createAnchorer, createAnchorerPaced, UI_ATTRIBUTE } from "../anchoring/index.js";

export { UI_ATTRIBUTE };

// Tries at anchoring a batch while the page keeps changing its text under it; the last one
// runs without giving the thread back, so it cannot be overtaken.
const BATCH_TRIES = 3;

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

/**
 * Find the passages of many annotations in `root` in one pass over one index of its text:
 * [{range, method}] in order, as anchorSelectors gives. `pacing` ({pause, sliceMs}) gives the
 * page its thread back between slices, of indexing as of anchoring; if the page changed its
 * text meanwhile, the index is built again and the batch anchored again.
 */
export async function anchorBatch(root, selectorLists, pacing) {
  const results = new Array(selectorLists.length).fill({ range: null, method: "page" });
  const wanted = [];
  selectorLists.forEach((selectors, i) => {
    if (selectors?.length) wanted.push(i);
  });
  if (!wanted.length) return results;
  const lists = wanted.map((i) => selectorLists[i]);
  let changed = false;
  const changes = new MutationObserver(() => {
    changed = true;
  });
  changes.observe(root, { childList: true, subtree: true, characterData: true });
  try {
    let found = null;
    for (let attempt = 1; attempt <= BATCH_TRIES; attempt++) {
      changes.takeRecords();
      changed = false;
      const last = attempt === BATCH_TRIES;
      const anchorer = last ? createAnchorer(root) : await createAnchorerPaced(root, {}, pacing);
      found = await anchorer.anchorAll(lists, last ? null : pacing);
      if (!changed && !changes.takeRecords().length) break;
    }
    wanted.forEach((i, k) => {
      results[i] = found[k].range ? { range: found[k].range, method: found[k].method } : { range: null, method: "orphan" };
    });
  } catch (err) {
    console.warn("Postil: anchoring failed", err);
    for (const i of wanted) results[i] = { range: null, method: "orphan" };
  } finally {
    changes.disconnect();
  }
  return results;
}
