/*
 * Anchoring: turn a reader's selection into selectors, and selectors back into a DOM Range on a
 * page that may have changed since. The public entry point of src/anchoring/.
 *
 * Pure ES module: it touches only the root it is given (and its ownerDocument, to make Ranges),
 * never chrome.* / browser.* or window, so the content script, tests and the bench all use it
 * the same way. Layers, top to bottom:
 *   index.js       DOM Range <-> selectors (this file: glue and the batch anchorer)
 *   selector.js    selectors <-> text offsets (position, exact quote, fuzzy quote, orphan)
 *   text-model.js  DOM <-> text offsets (normalised text of the root, skipping UI)
 *   match.js       string matching (exact search, bit-parallel approximate search)
 * An orphan — selectors that no longer match well enough — is a result (range null, method
 * null), never an exception.
 */

import { buildTextModel, buildTextModelPaced } from "./text-model.js";
import {
  describeText, locate, locateExactly, locateFuzzily, readSelectors,
} from "./selector.js";

export { CONTEXT_LENGTH, MIN_QUOTE_SIMILARITY } from "./selector.js";
export { UI_ATTRIBUTE, buildTextModel, normaliseWhitespace } from "./text-model.js";

/**
 * Make an anchorer for `root` that indexes its text once and serves many calls.
 * options.skip: `(element) => boolean`, extra elements to leave out of the text (elements with
 *   `data-postil-ui` — put it on the extension's UI host — and <script>, <style>, <noscript>,
 *   <template>, <iframe>, <object>, <textarea>, <select> are always left out).
 * options.minScore: least quote similarity (0..1) a fuzzy match needs; default 0.75.
 * The index is a snapshot: call `refresh()` after the page's text changes. Wrapping text in
 * highlight elements does not change the text, but it splits text nodes, so anchor a batch
 * first and paint after (the Ranges returned are live and follow the splits), then refresh.
 */
export function createAnchorer(root, options = {}) {
  return anchorerOver(root, options, buildTextModel(root, options));
}

/**
 * createAnchorer for a long page, without holding the thread: Promise of the same anchorer,
 * its text indexed a slice at a time (pacing: {pause: () => Promise, sliceMs}).
 */
export async function createAnchorerPaced(root, options, pacing) {
  return anchorerOver(root, options, await buildTextModelPaced(root, options, pacing));
}

function anchorerOver(root, options, built) {
  let model = built;

  function toInfo(found) {
    const range = found.method === null ? null : model.offsetsToRange(found.start, found.end);
    if (!range) return { range: null, method: null, score: 0 };
    return { range, method: found.method, score: found.score };
  }

  function anchorNow(selectors) {
    return toInfo(locate(model, selectors, options));
  }

  // Two passes. Exact matches first, in page order, each looking first where the one before
  // it was found to have moved; that also maps how far the text moved where. Then each one
  // left is searched fuzzily from where its neighbours say it went. Edits and deletions
  // earlier in the page add up to shifts far beyond the nearby searches otherwise.
  // With `pacing` ({pause, sliceMs}) it awaits pause() whenever it has worked sliceMs since the
  // last one, so that a page's main thread is never held long; the text index stays the one
  // built before, so the caller must anchor again if the page changed meanwhile.
  async function anchorBatch(selectorLists, pacing = null) {
    let sliceStart = now();
    const breathe = async () => {
      if (now() - sliceStart < pacing.sliceMs) return;
      await pacing.pause();
      sliceStart = now();
    };
    const wanted = selectorLists.map((selectors) => readSelectors(model, selectors));
    const order = wanted.map((_, i) => i);
    const startOf = (i) => (wanted[i].expected ? wanted[i].expected.start : -1);
    order.sort((a, b) => startOf(a) - startOf(b));
    const found = new Array(wanted.length);
    const shifts = [];
    let shift = 0;
    for (const i of order) {
      found[i] = locateExactly(model, wanted[i], { shift });
      const expected = wanted[i].expected;
      if (found[i] && expected) {
        shift = found[i].start - expected.start;
        shifts.push([expected.start, shift]);
      }
      if (pacing) await breathe();
    }
    const out = new Array(wanted.length);
    for (let i = 0; i < wanted.length; i++) {
      if (found[i]) {
        out[i] = toInfo(found[i]);
      } else {
        const expected = wanted[i].expected;
        const near = expected ? shiftNear(shifts, expected.start) : 0;
        out[i] = toInfo(locateFuzzily(model, wanted[i], { ...options, shift: near }));
      }
      if (pacing) await breathe();
    }
    return out;
  }

  return {
    /** The normalised text selectors refer to. */
    get text() {
      return model.text;
    },
    /** Rebuild the text index after the page changed. */
    refresh() {
      model = buildTextModel(root, options);
    },
    /** Describe a DOM Range as [TextQuoteSelector, TextPositionSelector] ([] if no text). */
    describe(range) {
      const offsets = model.rangeToOffsets(range);
      return offsets ? describeText(model, offsets[0], offsets[1]) : [];
    },
    /** Anchor selectors: {range: Range|null, method, score}, synchronously. */
    anchorWithInfoSync: anchorNow,
    /** Anchor selectors: Promise of {range: Range|null, method, score}. */
    async anchorWithInfo(selectors) {
      return anchorNow(selectors);
    },
    /** Anchor selectors: Promise of a Range, or null for an orphan. */
    async anchor(selectors) {
      return anchorNow(selectors).range;
    },
    /**
     * Anchor many selector lists at once: Promise of [{range, method, score}], in order.
     * pacing: {pause: () => Promise, sliceMs} to give the thread back between slices of work.
     */
    async anchorAll(selectorLists, pacing = null) {
      return anchorBatch(selectorLists, pacing);
    },
  };
}

function now() {
  return globalThis.performance ? performance.now() : Date.now();
}

// The shift of the exactly-anchored highlight stored just before `start` (else just after):
// the text between them is all that can have moved this one differently.
function shiftNear(shifts, start) {
  let lo = 0;
  let hi = shifts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (shifts[mid][0] <= start) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0) return shifts[lo - 1][1];
  return shifts.length ? shifts[0][1] : 0;
}

// The one-shot functions below index the root's text on every call (a few ms on a long
// article); anchoring a page's annotations should use createAnchorer(root).anchorAll().

/** Describe a DOM Range inside `root` as [TextQuoteSelector, TextPositionSelector]. */
export function describe(root, range, options = {}) {
  return createAnchorer(root, options).describe(range);
}

/** Anchor selectors in `root`: Promise of {range, method, score}; method null is an orphan. */
export async function anchorWithInfo(root, selectors, options = {}) {
  return createAnchorer(root, options).anchorWithInfoSync(selectors);
}

/** Anchor selectors in `root`: Promise of a Range, or null for an orphan. */
export async function anchor(root, selectors, options = {}) {
  return (await anchorWithInfo(root, selectors, options)).range;
}
