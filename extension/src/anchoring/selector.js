/*
 * Selectors <-> text offsets: the middle layer of anchoring, still free of the DOM.
 *
 * `describeText` turns [start, end) of the normalised text into a TextQuoteSelector and a
 * TextPositionSelector. `locate` goes back, in the order DESIGN §4 asks for:
 *   1. position — the stored position still holds the quote (and its surroundings mostly agree);
 *   2. quote — the exact quote elsewhere; among repeats, the one whose prefix/suffix agree most,
 *      then the one nearest the stored position;
 *   3. fuzzy — an approximate match, near the stored position first, then anywhere, scored on
 *      the quote, its surroundings and its distance. It must keep 75% of the quote (less, to
 *      60%, only near the stored position with both neighbours unchanged), and unless it keeps
 *      90% its surroundings must half agree; otherwise it is an orphan (method null), because
 *      attaching a note to the wrong words is worse than listing it as lost.
 */

import { normaliseWhitespace } from "./text-model.js";
import {
  commonPrefixLength, commonSuffixLength, findAll, searchApprox, similarity,
} from "./match.js";

export const CONTEXT_LENGTH = 32;
// Least share of the quote's characters that must survive for a fuzzy match to count.
export const MIN_QUOTE_SIMILARITY = 0.75;
// Quotes shorter than this are too easy to find by chance: an exact match of one also needs
// its surroundings to agree.
const SHORT_QUOTE = 24;
const MIN_CONTEXT_CHARS_FOR_SHORT = 8;
// A fuzzy match that changed more than a tenth of the quote (or of a short quote at all) also
// needs its surroundings to agree this much: a deleted passage's look-alike elsewhere seldom
// sits between the same words.
const CONFIDENT_QUOTE = 0.9;
const MIN_CONTEXT = 0.5;
// Near the stored position, a quote may fall this much below the minimum when its prefix and
// suffix are (nearly) unchanged.
const CONTEXT_RELIEF = 0.15;
const CONTEXT_UNCHANGED = 0.9;
// How far around the stored position the cheap searches look before searching everything.
const NEAR_EXACT = 2048;
const NEAR_FUZZY = 512;
// Fuzzy candidates are ranked on quote, prefix, suffix and distance with these weights.
const WEIGHTS = { quote: 0.7, prefix: 0.1, suffix: 0.1, position: 0.1 };

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

  const judge = (candidates) => {
    let best = null;
    for (const { start, end, errors } of candidates) {
      const quoteScore = 1 - errors / m;
      const prefixScore = context.prefix
        ? similarity(context.prefix, text.slice(Math.max(0, start - context.prefix.length), start))
        : start === 0 ? 1 : 0.5;
      const suffixScore = context.suffix
        ? similarity(context.suffix, text.slice(end, end + context.suffix.length))
        : end >= text.length - 1 ? 1 : 0.5;
      const contextScore = (prefixScore + suffixScore) / 2;
      if (quoteScore < minQuoteSimilarity) {
        // A passage reworded more than the minimum still counts where both of its neighbours
        // are unchanged: it is the same spot in the text, rewritten.
        if (quoteScore < relaxed || contextScore < CONTEXT_UNCHANGED) continue;
      } else if ((m < SHORT_QUOTE || quoteScore < CONFIDENT_QUOTE) && contextScore < MIN_CONTEXT) {
        continue;
      }
      const positionScore = expected
        ? 1 / (1 + Math.abs(start - expected.start) / (m + 100))
        : 0.5;
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
