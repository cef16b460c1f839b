// Reading order within one post: an annotation's place is where its passage starts in the article.
//
// The notebook lists a post's annotations in this order, as every export does (the server's
// reading_order.py writes the same rule; tests/fixtures/order-cases.json pins both), and the
// page's sidebar uses it for what it cannot place in the document itself. A passage is placed by
// its TextPositionSelector (start, then end). Annotations without one (page notes, and passages
// imported with a quote alone) have no place in the text, so they follow every placed one, oldest
// first. Creation time (ISO strings of one shape, so they compare as text) and then the id break
// every tie, so the order never depends on the order the annotations arrived in.

/** The [start, end] of the first TextPositionSelector, or null if there is none. */
export function position(selectors) {
  for (const selector of Array.isArray(selectors) ? selectors : []) {
    if (selector?.type !== "TextPositionSelector") continue;
    if (Number.isInteger(selector.start) && Number.isInteger(selector.end)) return [selector.start, selector.end];
  }
  return null;
}

function compareText(a, b) {
  const x = String(a ?? "");
  const y = String(b ?? "");
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compare two annotations of one post for `Array.prototype.sort`: placed passages by position, then the rest by age. */
export function compareReadingOrder(a, b) {
  const pa = position(a?.selectors);
  const pb = position(b?.selectors);
  if (pa && !pb) return -1;
  if (!pa && pb) return 1;
  if (pa && pb && (pa[0] !== pb[0] || pa[1] !== pb[1])) return pa[0] - pb[0] || pa[1] - pb[1];
  return compareText(a?.created, b?.created) || compareText(a?.id, b?.id);
}
