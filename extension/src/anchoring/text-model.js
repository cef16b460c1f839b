/*
 * DOM <-> text offsets: the bottom DOM layer of anchoring.
 *
 * Builds one string, the "normalised text" of a root element, and maps between offsets in that
 * string and DOM boundary points (node, offset). Selectors are written in this coordinate space,
 * so it has to stay the same for a reader whatever the HTML source looked like:
 *   - every run of whitespace becomes one space (indentation and newlines in the source render as a
 *     single space, so a quote must not depend on them); leading whitespace is dropped;
 *   - block boundaries and <br> count as whitespace, because the reader sees a break there and
 *     selection.toString() gives one;
 *   - text inside <script>, <style>, <noscript>, <template> (and a few other never-read elements),
 *     inside elements carrying `data-postil-ui`, and inside elements a caller's `skip(element)`
 *     rejects is left out, so the extension's own UI never shifts anyone's offsets.
 * Offsets here are UTF-16 code units; `toCodePoints` / `fromCodePoints` convert for selectors,
 * which count code points as the W3C model asks.
 *
 * The model is a snapshot. Wrapping text in highlight elements splits text nodes, so anchor a
 * batch first (the returned Ranges are live and follow the splits), paint after, and build a new
 * model when the page changes.
 */

// Elements whose text a reader never reads as part of the article.
const SKIPPED_TAGS = new Set([
  "script", "style", "noscript", "template", "iframe", "object", "textarea", "select",
]);

// Elements at whose edges a reader sees a break. Tag names, not computed style, keep this pure
// and fast; a page that styles a <span> as a block only loses a separator, which fuzzy matching
// absorbs.
const BLOCK_TAGS = new Set([
  "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl", "dt",
  "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
  "header", "hgroup", "hr", "img", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
  "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "caption", "video", "audio",
]);

export const UI_ATTRIBUTE = "data-postil-ui";

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;
// Node.compareDocumentPosition bits, spelled out so the module needs no DOM globals.
const FOLLOWING = 4;
const CONTAINED_BY = 16;

const WHITESPACE_RUN = /\s+/g;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Collapse every whitespace run to one space, the way the text model sees text. */
export function normaliseWhitespace(text) {
  return text.replace(WHITESPACE_RUN, " ");
}

function isSkipped(element, skip) {
  if (SKIPPED_TAGS.has(element.localName)) return true;
  if (element.hasAttribute && element.hasAttribute(UI_ATTRIBUTE)) return true;
  return skip ? Boolean(skip(element)) : false;
}

/**
 * Build the text model of `root`.
 * options.skip: optional `(element) => boolean`; true leaves the element's subtree out.
 */
export function buildTextModel(root, options = {}) {
  const steps = textModelSteps(root, options);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * Build the text model of `root` as buildTextModel does, awaiting `pause()` whenever it has
 * worked `sliceMs` since the last one, so that a long page does not hold the thread.
 */
export async function buildTextModelPaced(root, options, { pause, sliceMs }) {
  const steps = textModelSteps(root, options);
  let sliceStart = now();
  let step = steps.next();
  while (!step.done) {
    if (now() - sliceStart >= sliceMs) {
      await pause();
      sliceStart = now();
    }
    step = steps.next();
  }
  return step.value;
}

function now() {
  return globalThis.performance ? performance.now() : Date.now();
}

// How many nodes the walk visits between the points where it may pause.
const NODES_PER_STEP = 200;

// The walk of buildTextModel, yielding every NODES_PER_STEP nodes; returns the model. The DOM
// must not change while the walk is paused (the caller checks).
function* textModelSteps(root, options = {}) {
  const skip = options.skip || null;
  const chunks = [];
  let length = 0;
  let rawOf = new Int32Array(4096); // rawOf[i]: offset in its text node of char i; -1 = separator
  // Every indexed text node in document order, with where its chars start and end in `text`.
  const nodes = [];
  const nodeStart = [];
  const nodeEnd = [];
  const nodeIndex = new Map();
  let lastWasSpace = true; // true at the start, so leading whitespace is dropped

  function grow(extra) {
    if (length + extra <= rawOf.length) return;
    let size = rawOf.length * 2;
    while (size < length + extra) size *= 2;
    const bigger = new Int32Array(size);
    bigger.set(rawOf.subarray(0, length));
    rawOf = bigger;
  }

  function separator() {
    if (lastWasSpace) return;
    grow(1);
    chunks.push(" ");
    rawOf[length++] = -1;
    lastWasSpace = true;
  }

  function addText(node) {
    const data = node.data;
    const start = length;
    grow(data.length);
    let k = 0;
    WHITESPACE_RUN.lastIndex = 0;
    for (let match = WHITESPACE_RUN.exec(data); match; match = WHITESPACE_RUN.exec(data)) {
      if (match.index > k) {
        chunks.push(data.slice(k, match.index));
        for (let r = k; r < match.index; r++) rawOf[length++] = r;
        lastWasSpace = false;
      }
      if (!lastWasSpace) {
        chunks.push(" ");
        rawOf[length++] = match.index;
        lastWasSpace = true;
      }
      k = match.index + match[0].length;
    }
    if (k < data.length) {
      chunks.push(k === 0 ? data : data.slice(k));
      for (let r = k; r < data.length; r++) rawOf[length++] = r;
      lastWasSpace = false;
    }
    nodeIndex.set(node, nodes.length);
    nodes.push(node);
    nodeStart.push(start);
    nodeEnd.push(length);
  }

  // Depth first, in document order, with an explicit stack of the elements entered (and
  // whether each is a block, to close with a separator), so that the walk can pause anywhere.
  const open = [];
  let child = root.firstChild;
  let visited = 0;
  for (;;) {
    if (child === null) {
      if (!open.length) break;
      const { element, block } = open.pop();
      if (block) separator();
      child = element.nextSibling;
      continue;
    }
    if (++visited % NODES_PER_STEP === 0) yield;
    if (child.nodeType === TEXT_NODE) {
      addText(child);
    } else if (child.nodeType === ELEMENT_NODE && !isSkipped(child, skip)) {
      const block = BLOCK_TAGS.has(child.localName);
      if (block) separator();
      open.push({ element: child, block });
      child = child.firstChild;
      continue;
    }
    child = child.nextSibling;
  }
  return new TextModel(root, chunks.join(""), rawOf.subarray(0, length), nodes, nodeStart,
    nodeEnd, nodeIndex);
}

class TextModel {
  constructor(root, text, rawOf, nodes, nodeStart, nodeEnd, nodeIndex) {
    this.root = root;
    this.text = text;
    this._rawOf = rawOf;
    this._nodes = nodes;
    this._nodeStart = Int32Array.from(nodeStart);
    this._nodeEnd = Int32Array.from(nodeEnd);
    this._nodeIndex = nodeIndex;
    // Only nodes that contribute characters can hold a range boundary we create.
    const filled = [];
    for (let i = 0; i < nodes.length; i++) if (nodeEnd[i] > nodeStart[i]) filled.push(i);
    this._filled = Int32Array.from(filled);
    const pairs = [];
    SURROGATE_PAIR.lastIndex = 0;
    for (let m = SURROGATE_PAIR.exec(text); m; m = SURROGATE_PAIR.exec(text)) pairs.push(m.index);
    this._pairs = Int32Array.from(pairs);
  }

  /** Convert a code-unit offset in `text` to a code-point offset (what selectors store). */
  toCodePoints(units) {
    const pairs = this._pairs;
    if (pairs.length === 0) return units;
    // Each pair that lies wholly before `units` counts one code point for two units.
    return units - countBelow(pairs, units - 1);
  }

  /** Convert a code-point offset (from a selector) to a code-unit offset in `text`. */
  fromCodePoints(points) {
    const pairs = this._pairs;
    if (pairs.length === 0) return points;
    // Pair k starts at code point pairs[k] - k; every pair starting before `points` adds a unit.
    let lo = 0;
    let hi = pairs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[mid] - mid < points) lo = mid + 1;
      else hi = mid;
    }
    return points + lo;
  }

  /** Return [start, end) text offsets of a DOM Range, or null if it selects no text here. */
  rangeToOffsets(range) {
    const start = this.offsetOfBoundary(range.startContainer, range.startOffset);
    const end = this.offsetOfBoundary(range.endContainer, range.endOffset);
    return end > start ? [start, end] : null;
  }

  /** Return the text offset of a DOM boundary point (container, offset). */
  offsetOfBoundary(container, offset) {
    const i = this._nodeIndex.get(container);
    if (i !== undefined) {
      const rawOf = this._rawOf;
      let lo = this._nodeStart[i];
      let hi = this._nodeEnd[i];
      // First char of this node whose raw offset is at or after the boundary.
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rawOf[mid] < offset) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }
    if (container.nodeType === ELEMENT_NODE || container.nodeType === 9 ||
        container.nodeType === 11) {
      const child = container.childNodes[offset];
      if (child) return this._offsetAtOrAfter(child, true);
      return this._offsetAtOrAfter(container, false);
    }
    // A text node we did not index (skipped UI, a comment…): the next indexed text after it.
    return this._offsetAtOrAfter(container, false);
  }

  // Text offset of the first indexed text node at or after `node` in document order; with
  // `inclusive` false, the first one after `node` and everything inside it.
  _offsetAtOrAfter(node, inclusive) {
    const nodes = this._nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = nodes[mid];
      let after;
      if (other === node) after = inclusive;
      else {
        const position = node.compareDocumentPosition(other);
        after = (position & FOLLOWING) !== 0 && (inclusive || (position & CONTAINED_BY) === 0);
      }
      if (after) hi = mid;
      else lo = mid + 1;
    }
    return lo < nodes.length ? this._nodeStart[lo] : this.text.length;
  }

  /** Return a DOM Range for text offsets [start, end), or null if nothing real lies between. */
  offsetsToRange(start, end) {
    const rawOf = this._rawOf;
    // Separators stand for element edges, not characters; a range starts and ends on real text.
    while (start < end && rawOf[start] < 0) start++;
    while (end > start && rawOf[end - 1] < 0) end--;
    if (start >= end) return null;
    const first = this._nodeAt(start);
    const last = this._nodeAt(end - 1);
    const range = (this.root.ownerDocument || this.root).createRange();
    range.setStart(this._nodes[first], rawOf[start]);
    range.setEnd(this._nodes[last], rawOf[end - 1] + 1);
    return range;
  }

  // Index (into _nodes) of the text node holding real character `offset`.
  _nodeAt(offset) {
    const filled = this._filled;
    let lo = 0;
    let hi = filled.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this._nodeStart[filled[mid]] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return filled[lo];
  }
}

// Number of entries of sorted `values` that are < limit.
function countBelow(values, limit) {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
