/*
 * Selectors <-> text offsets: the middle layer of anchoring, still free of the DOM.
 *
 * `describeText` turns [start, end) of the normalised text into a TextQuoteSelector and a
 * TextPositionSelector. `locate` goes back, in the order DESIGN §4 asks for:
 *   1. position — the stored position still holds the quote (and its surroundings mostly agree);
 *   2. quote — the exact quote elsewhere; among repeats, the one whose prefix/suffix agree most,
 *      then the one nearest the stored position;
 *   3. fuzzy — an approximate match, near the stored position first, then anywhere, scored on
 *      the quote, its surroundings and its distance, on whole words (a match cut mid-word is
 *      widened to the word, unless the quote itself was cut there). It must keep 75% of the
 *      quote (less, to 60%, only in its own place with both neighbours unchanged). In its own
 *      place, what the quote lost its neighbours must make up; anywhere else it must keep 90%
 *      of the quote and of its neighbours. Otherwise it is an orphan (method null): on a page
 *      of look-alike passages a deleted one has near-copies everywhere, and attaching a note
 *      to the wrong words is worse than listing it as lost.
 */

import { normaliseWhitespace } from "./text-model.js";
import {
  commonPrefixLength, commonSuffixLength, editDistance, findAll, searchApprox, similarity,
} from "./match.js";

export const CONTEXT_LENGTH = 32;
// Least share of the quote's characters that must survive for a fuzzy match to count.
export const MIN_QUOTE_SIMILARITY = 0.75;
// Quotes shorter than this are too easy to find by chance: an exact match of one also needs
// its surroundings to agree.
const SHORT_QUOTE = 24;
const MIN_CONTEXT_CHARS_FOR_SHORT = 8;
// Away from where it is expected, a fuzzy match must keep this much of the quote, and its
// prefix and suffix CONTEXT_UNCHANGED; so must a quote with no stored surroundings.
const CONFIDENT_QUOTE = 0.9;
// In its own place, a quote may fall this much below the minimum when its prefix and suffix
// are (nearly) unchanged.
const CONTEXT_RELIEF = 0.15;
const CONTEXT_UNCHANGED = 0.9;
// How far around the stored position the cheap searches look before searching everything.
const NEAR_EXACT = 2048;
const NEAR_FUZZY = 512;
// Fuzzy candidates are ranked on quote, prefix, suffix and distance with these weights: the
// neighbours and the place say as much as the words where passages look alike.
const WEIGHTS = { quote: 0.4, prefix: 0.2, suffix: 0.2, position: 0.2 };
// How far from where it is expected (plus a quarter of its length) a fuzzy match is still "in
// place"; farther away it needs both its words and its neighbours nearly unchanged.
const IN_PLACE = 48;
// In place, quote similarity plus context similarity must reach this: a quote kept at 85% needs
// its neighbours at 90%, one kept whole half of them.
const IN_PLACE_EVIDENCE = 1.75;
// A cut word may be widened to its whole by at most this many characters on each side.
const MAX_WORD_WIDENING = 12;

/**
 * Describe text[start, end) of a text model as selectors, trimming surrounding whitespace.
 * Returns [] when the span holds no text.
 */
export function describeText(model, start, end) {
  const text = model.text;
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  if (start >= end) return [];
  const prefixStart = avoidSplitPair(text, Math.max(0, start - CONTEXT_LENGTH), 1);
  const suffixEnd = avoidSplitPair(text, Math.min(text.length, end + CONTEXT_LENGTH), -1);
  return [
    {
      type: "TextQuoteSelector",
      exact: text.slice(start, end),
      prefix: text.slice(prefixStart, start),
      suffix: text.slice(end, suffixEnd),
    },
    {
      type: "TextPositionSelector",
      start: model.toCodePoints(start),
      end: model.toCodePoints(end),
    },
  ];
}

// Move an offset off the low half of a surrogate pair, in `direction`.
function avoidSplitPair(text, offset, direction) {
  const code = text.charCodeAt(offset);
  if (code >= 0xdc00 && code <= 0xdfff && offset > 0) {
    const before = text.charCodeAt(offset - 1);
    if (before >= 0xd800 && before <= 0xdbff) return offset + (direction > 0 ? 1 : -1);
  }
  return offset;
}

/**
 * Read selectors into what the searches need: {exact, context, expected} where expected is the
 * stored position in code units (or null), or {expected} alone when there is no usable quote.
 */
export function readSelectors(model, selectors) {
  let quote = null;
  let position = null;
  for (const selector of selectors || []) {
    if (selector?.type === "TextQuoteSelector" && typeof selector.exact === "string") {
      quote = selector;
    } else if (selector?.type === "TextPositionSelector" && Number.isInteger(selector.start) &&
               Number.isInteger(selector.end)) {
      position = selector;
    }
  }
  let expected = null;
  if (position && position.end >= position.start && position.start >= 0) {
    expected = {
      start: model.fromCodePoints(position.start),
      end: model.fromCodePoints(position.end),
    };
  }
  if (!quote || !quote.exact.trim()) return { exact: null, context: null, expected };
  return {
    exact: normaliseWhitespace(quote.exact),
    context: {
      prefix: normaliseWhitespace(quote.prefix || ""),
      suffix: normaliseWhitespace(quote.suffix || ""),
    },
    expected,
  };
}

/**
 * Find selectors in a text model.
 * Returns {start, end, method: "position"|"quote"|"fuzzy"|null, score} (offsets in code units;
 * start/end are null for an orphan).
 * options.minScore: least quote similarity for a fuzzy match (default MIN_QUOTE_SIMILARITY).
 */
export function locate(model, selectors, options = {}) {
  const wanted = readSelectors(model, selectors);
  return locateExactly(model, wanted) || locateFuzzily(model, wanted, options);
}

/**
 * The exact stages alone (position, then quote): a match, or null.
 * options.shift: how far the text near the stored position has likely moved (see
 * locateFuzzily); the quote search looks there first and prefers copies near there.
 */
export function locateExactly(model, { exact, context, expected }, options = {}) {
  const text = model.text;
  if (exact === null) {
    // Nothing to check the position against: trust it if it still fits the text.
    if (expected && expected.end <= text.length && expected.end > expected.start) {
      return { ...expected, method: "position", score: 1 };
    }
    return null;
  }
  if (expected && text.slice(expected.start, expected.start + exact.length) === exact) {
    const agreement = contextAgreement(text, expected.start, exact.length, context);
    if (2 * agreement >= context.prefix.length + context.suffix.length) {
      return { start: expected.start, end: expected.start + exact.length, method: "position",
        score: 1 };
    }
  }
  const shift = options.shift || 0;
  const near = expected && { start: expected.start + shift, end: expected.end + shift };
  return locateExact(text, exact, context, near);
}

/**
 * The fuzzy stage alone: a match or an orphan.
 * options.shift: how far text near the stored position has moved, if the caller knows (a batch
 * learns it from its exact matches); the nearby search and the distance score start there.
 */
export function locateFuzzily(model, { exact, context, expected }, options = {}) {
  if (exact === null) return orphan();
  const minQuoteSimilarity = options.minScore ?? MIN_QUOTE_SIMILARITY;
  const shift = options.shift || 0;
  const near = expected && { start: expected.start + shift, end: expected.end + shift };
  return locateFuzzy(model.text, exact, context, near, minQuoteSimilarity);
}

// Each candidate costs an alignment pass of quote length squared; a long quote that matches
// within a quarter of its length is rarely found more than once anyway.
function candidateLimit(length) {
  return length > 400 ? 3 : 16;
}

function orphan() {
  return { start: null, end: null, method: null, score: 0 };
}

// How many characters of stored prefix and suffix agree with the text around an occurrence.
function contextAgreement(text, start, length, { prefix, suffix }) {
  const before = text.slice(Math.max(0, start - prefix.length), start);
  const after = text.slice(start + length, start + length + suffix.length);
  return commonSuffixLength(prefix, before) + commonPrefixLength(suffix, after);
}

function locateExact(text, exact, context, expected) {
  const wanted = context.prefix.length + context.suffix.length;
  const rank = (occurrences) => {
    let best = null;
    for (const start of occurrences) {
      const agreement = contextAgreement(text, start, exact.length, context);
      const distance = expected ? Math.abs(start - expected.start) : 0;
      if (!best || agreement > best.agreement ||
          (agreement === best.agreement && distance < best.distance)) {
        best = { start, agreement, distance };
      }
    }
    return best;
  };

  let best = null;
  if (expected) {
    // Usually the quote only moved a little. An occurrence near the stored position whose
    // surroundings agree completely cannot be beaten by a farther one, so skip the full scan.
    const from = Math.max(0, expected.start - NEAR_EXACT);
    const near = rank(findAll(text, exact, from, expected.start + exact.length + NEAR_EXACT));
    if (near && near.agreement === wanted) best = near;
  }
  if (!best) {
    best = rank(findAll(text, exact));
  }
  if (!best) return null;
  // A short quote turns up by chance; if its surroundings do not agree either, it is more likely
  // someone else's words than the reader's (their passage was deleted), so let fuzzy judge.
  const weak = exact.length < SHORT_QUOTE && wanted > 0 &&
    best.agreement < Math.min(MIN_CONTEXT_CHARS_FOR_SHORT, wanted);
  if (weak) return null;
  return { start: best.start, end: best.start + exact.length, method: "quote", score: 1 };
}

function locateFuzzy(text, exact, context, expected, minQuoteSimilarity) {
  const m = exact.length;
  const maxErrors = Math.floor(m * (1 - minQuoteSimilarity));
  if (maxErrors < 1) return orphan();
  const relaxed = minQuoteSimilarity - CONTEXT_RELIEF;
  const stored = { prefix: context.prefix.length > 0, suffix: context.suffix.length > 0 };
  // Whether the reader's selection itself began or ended inside a word (unknown without the
  // stored neighbour: then a cut word is allowed, as before).
  const cutAtStart = !stored.prefix || (isWordChar(context.prefix, context.prefix.length - 1) &&
    isWordChar(exact, 0));
  const cutAtEnd = !stored.suffix || (isWordChar(exact, m - 1) && isWordChar(context.suffix, 0));

  const judge = (candidates) => {
    let best = null;
    for (const found of candidates) {
      const edges = wholeWords(text, alongContext(text, found, context, maxErrors),
        cutAtStart, cutAtEnd);
      if (edges === null) continue;
      const { start, end } = edges;
      const prefixScore = stored.prefix
        ? similarity(context.prefix, text.slice(Math.max(0, start - context.prefix.length), start))
        : start === 0 ? 1 : 0.5;
      const suffixScore = stored.suffix
        ? similarity(context.suffix, text.slice(end, end + context.suffix.length))
        : end >= text.length - 1 ? 1 : 0.5;
      // Only the sides that were stored count: a quote at the very start has no prefix.
      const sides = (stored.prefix ? 1 : 0) + (stored.suffix ? 1 : 0);
      const contextScore = sides === 0 ? 0.5
        : ((stored.prefix ? prefixScore : 0) + (stored.suffix ? suffixScore : 0)) / sides;
      // Every rule below needs at least this much of the neighbours; most candidates of a
      // search are chance alignments that stop here, before their errors are counted again.
      if (sides > 0 && contextScore < IN_PLACE_EVIDENCE - 1) continue;
      const moved = start !== found.start || end !== found.end;
      const errors = moved ? editDistance(exact, text.slice(start, end)) : found.errors;
      const quoteScore = 1 - errors / m;
      const distance = expected ? Math.abs(start - expected.start) : 0;
      // Where the batch expects it (the stored position moved as its neighbours moved), give or
      // take what an edit inside the passage or just before it shifts.
      const inPlace = !expected || distance <= IN_PLACE + (m >> 2);
      const bothSides = Math.min(stored.prefix ? prefixScore : 1, stored.suffix ? suffixScore : 1);
      if (quoteScore < minQuoteSimilarity) {
        // A passage reworded more than the minimum still counts in its own place, where both
        // of its neighbours are unchanged: it is the same spot in the text, rewritten.
        if (!inPlace || quoteScore < relaxed || sides === 0 || bothSides < CONTEXT_UNCHANGED) continue;
      } else if (sides === 0) {
        // Nothing stored around the quote (an import): the quote alone must be convincing.
        if (m < SHORT_QUOTE || quoteScore < CONFIDENT_QUOTE) continue;
      } else if (inPlace) {
        // What the quote lost its neighbours must make up. Where a deleted passage was, the
        // next look-alike slides into its place with the same text before it, but its own
        // words and what follows it differ.
        if (quoteScore + contextScore < IN_PLACE_EVIDENCE) continue;
      } else if (quoteScore < CONFIDENT_QUOTE || contextScore < CONTEXT_UNCHANGED) {
        // Away from its place: on a page of look-alike passages a deleted quote has
        // near-copies everywhere, whose neighbours read alike too. The reader's own passage,
        // moved, keeps its words and its neighbours nearly as they were.
        continue;
      }
      const positionScore = expected ? 1 / (1 + distance / (m + 100)) : 0.5;
      const score = WEIGHTS.quote * quoteScore + WEIGHTS.prefix * prefixScore +
        WEIGHTS.suffix * suffixScore + WEIGHTS.position * positionScore;
      if (!best || score > best.score) best = { start, end, method: "fuzzy", score };
    }
    return best;
  };

  let searchedAll = false;
  if (expected) {
    // Nearby, look for rewordings down to the relaxed minimum too; the window is small, so
    // chance look-alikes are few, and the judge asks those for unchanged neighbours.
    const nearErrors = Math.floor(m * (1 - relaxed));
    const reach = m + nearErrors + NEAR_FUZZY;
    const from = Math.max(0, expected.start - reach);
    const to = Math.min(text.length, expected.end + reach);
    searchedAll = from === 0 && to === text.length;
    const near = judge(searchApprox(text, exact, nearErrors, from, to, candidateLimit(m)));
    if (near) return near;
  }
  if (!searchedAll) {
    const limit = candidateLimit(m);
    const anywhere = judge(searchApprox(text, exact, maxErrors, 0, text.length, limit));
    if (anywhere) return anywhere;
  }
  return orphan();
}

// How much of the stored prefix or suffix is looked for to find a candidate's true edge.
const EDGE_PROBE = 16;

/**
 * A fuzzy candidate's edges moved to where its stored neighbours are, when they are found
 * within the edit budget of its edges: text inserted at a quote's edge (or removed there)
 * makes the cheapest alignment stop short of it, or run over into the next words.
 */
function alongContext(text, candidate, { prefix, suffix }, budget) {
  let { start, end } = candidate;
  if (suffix.length >= 4) {
    const probe = suffix.slice(0, EDGE_PROBE);
    const at = nearestIndex(text, probe, end, budget);
    if (at !== null && at > start) end = at;
  }
  if (prefix.length >= 4) {
    const probe = prefix.slice(-EDGE_PROBE);
    const at = nearestIndex(text, probe, start - probe.length, budget);
    if (at !== null && at + probe.length < end) start = at + probe.length;
  }
  return { start, end };
}

// The occurrence of `probe` starting nearest to `around`, at most `reach` away, or null.
function nearestIndex(text, probe, around, reach) {
  const from = Math.max(0, around - reach);
  let best = null;
  for (const at of findAll(text, probe, from, around + reach + probe.length)) {
    if (best === null || Math.abs(at - around) < Math.abs(best - around)) best = at;
  }
  return best;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

function isWordChar(string, index) {
  return index >= 0 && index < string.length && WORD_CHAR.test(string[index]);
}

/**
 * A candidate's edges on whole words: one that starts or ends inside a word the quote did not
 * is widened to the word's edge, or refused (null) when that word is long. A match cut mid-word
 * is more likely a look-alike's fragment than the reader's passage.
 */
function wholeWords(text, { start, end }, cutAtStart, cutAtEnd) {
  let from = start;
  let to = end;
  if (!cutAtStart) while (from > 0 && isWordChar(text, from - 1) && isWordChar(text, from)) from--;
  if (!cutAtEnd) while (to < text.length && isWordChar(text, to - 1) && isWordChar(text, to)) to++;
  if (start - from > MAX_WORD_WIDENING || to - end > MAX_WORD_WIDENING) return null;
  return { start: from, end: to };
}
