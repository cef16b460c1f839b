/*
 * Pure string matching, the bottom layer of anchoring: no DOM, no selectors, only strings.
 *
 * - `findAll`: every exact occurrence of a pattern in a slice of the text.
 * - `searchApprox` (over `scanEnds`): approximate occurrences of a pattern within an edit
 *   budget, using a bit-parallel edit-distance scan (Myers' column-as-bit-vectors method, in
 *   32-bit blocks so quotes of any length work), then a small dynamic-programming pass on each
 *   hit to recover where it starts.
 * - `editDistance` / `commonSuffixLength` / `commonPrefixLength`: to compare prefixes and
 *   suffixes.
 * Everything works on UTF-16 code units; callers convert.
 */

/** Return the start offsets of every occurrence of `pattern` wholly inside text[from, to). */
export function findAll(text, pattern, from = 0, to = text.length) {
  const found = [];
  if (!pattern) return found;
  from = Math.max(0, from);
  to = Math.min(text.length, to);
  // Search a slice when bounded: indexOf on the whole text would run on to its end looking for
  // the next occurrence.
  const haystack = from === 0 && to === text.length ? text : text.slice(from, to);
  for (let i = haystack.indexOf(pattern); i !== -1; i = haystack.indexOf(pattern, i + 1)) {
    found.push(from + i);
  }
  return found;
}

/** Length of the longest common suffix of a and b. */
export function commonSuffixLength(a, b) {
  let n = 0;
  const max = Math.min(a.length, b.length);
  while (n < max && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

/** Length of the longest common prefix of a and b. */
export function commonPrefixLength(a, b) {
  let n = 0;
  const max = Math.min(a.length, b.length);
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n;
}

/** Levenshtein distance between two (short) strings. */
export function editDistance(a, b) {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1] + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      current[j] = Math.min(substitute, previous[j] + 1, current[j - 1] + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

/** Similarity of two strings in [0, 1]: 1 - distance / longer length. */
export function similarity(a, b) {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - editDistance(a, b) / longer;
}

/**
 * End offsets j in [from, to) where `pattern` matches a substring of the text ending just after
 * j with at most `maxErrors` edits: returns [[j, distance]], one per run of neighbouring ends
 * (the best of the run).
 *
 * The DP column (distance of each pattern prefix against the best text suffix ending at j) is
 * held as two bit vectors of +1 / -1 vertical steps, 32 rows per block, and advanced a whole
 * block per machine operation; only the bottom row's value is tracked explicitly.
 */
export function scanEnds(text, pattern, maxErrors, from, to) {
  const m = pattern.length;
  const blocks = Math.ceil(m / 32);
  // For each character, a bit per pattern row holding it; ASCII in one flat table (the common
  // case, and a plain array read is cheaper than a Map lookup per text character).
  const ascii = new Int32Array(128 * blocks);
  const other = new Map();
  const none = new Int32Array(blocks);
  for (let i = 0; i < m; i++) {
    const code = pattern.charCodeAt(i);
    const bit = 1 << (i & 31);
    if (code < 128) {
      ascii[code * blocks + (i >> 5)] |= bit;
    } else {
      let mask = other.get(code);
      if (!mask) other.set(code, (mask = new Int32Array(blocks)));
      mask[i >> 5] |= bit;
    }
  }
  const plus = new Int32Array(blocks).fill(-1); // every row starts one more than the row above
  const minus = new Int32Array(blocks);
  const last = blocks - 1;
  const lastBit = 1 << ((m - 1) & 31);
  const rowsIn = (b) => (b === last ? m - 32 * last : 32);
  // score[b]: the distance at block b's bottom row in the current column.
  const score = new Int32Array(blocks);
  for (let b = 0; b < blocks; b++) score[b] = Math.min(m, 32 * (b + 1));
  // Ukkonen's cut-off: only blocks 0..active can hold a row within the budget; below them every
  // row is over it, stands in as "one more per row" and is not computed. On unrelated text most
  // of a long quote's rows are over budget, so this skips most of the work.
  let active = Math.min(last, Math.floor(maxErrors / 32));
  const ends = [];
  let runBest = -1;
  let runDistance = 0;

  // Advance block b by one text character; `carry` is the horizontal step entering its top row.
  // Returns the step leaving its bottom row.
  function advance(b, eq, carry) {
    const pv = plus[b];
    const mv = minus[b];
    const xv = eq | mv;
    if (carry < 0) eq |= 1;
    const xh = ((((eq & pv) + pv) | 0) ^ pv) | eq;
    let ph = mv | ~(xh | pv);
    let mh = pv & xh;
    const top = b === last ? lastBit : -0x80000000;
    const out = (ph & top) !== 0 ? 1 : (mh & top) !== 0 ? -1 : 0;
    ph <<= 1;
    mh <<= 1;
    if (carry < 0) mh |= 1;
    else if (carry > 0) ph |= 1;
    plus[b] = mh | ~(xv | ph);
    minus[b] = ph & xv;
    return out;
  }

  for (let j = from; j < to; j++) {
    const code = text.charCodeAt(j);
    let eqs = ascii;
    let base = code * blocks;
    if (code >= 128) {
      eqs = other.get(code) || none;
      base = 0;
    }
    // Row 0 is free (a match may start anywhere), so nothing steps into the first block.
    let carry = 0;
    for (let b = 0; b <= active; b++) {
      carry = advance(b, eqs[base + b], carry);
      score[b] += carry;
    }
    // The next block's top row can come within budget only through the active block's bottom
    // row, as it was before this character or is now: then compute it from its stand-in values.
    while (active < last && (score[active] - carry <= maxErrors || score[active] <= maxErrors)) {
      const before = score[active] - carry;
      active += 1;
      plus[active] = -1;
      minus[active] = 0;
      score[active] = before + rowsIn(active);
      carry = advance(active, eqs[base + active], carry);
      score[active] += carry;
    }
    // A block whose bottom row is a full block's height over budget has no row within it.
    while (active > 0 && score[active] >= maxErrors + rowsIn(active)) active -= 1;

    const distance = active === last ? score[last] : maxErrors + 1;
    if (distance <= maxErrors) {
      if (runBest < 0 || distance < runDistance) {
        runBest = j;
        runDistance = distance;
      }
    } else if (runBest >= 0) {
      ends.push([runBest, runDistance]);
      runBest = -1;
    }
  }
  if (runBest >= 0) ends.push([runBest, runDistance]);
  return ends;
}

/**
 * Where pattern's best alignment ending just after text offset `end - 1` starts, searching no
 * further back than `from`. Returns {start, errors}.
 */
export function alignStart(text, pattern, from, end) {
  const m = pattern.length;
  const width = end - from;
  let cost = new Int32Array(width + 1); // cost[c]: best distance of pattern[0..i) ending at c
  let origin = new Int32Array(width + 1); // where that alignment starts
  for (let c = 0; c <= width; c++) origin[c] = c;
  let nextCost = new Int32Array(width + 1);
  let nextOrigin = new Int32Array(width + 1);
  for (let i = 1; i <= m; i++) {
    const code = pattern.charCodeAt(i - 1);
    nextCost[0] = i;
    nextOrigin[0] = 0;
    for (let c = 1; c <= width; c++) {
      let best = cost[c - 1] + (text.charCodeAt(from + c - 1) === code ? 0 : 1);
      let bestOrigin = origin[c - 1];
      if (cost[c] + 1 < best) {
        best = cost[c] + 1;
        bestOrigin = origin[c];
      }
      if (nextCost[c - 1] + 1 < best) {
        best = nextCost[c - 1] + 1;
        bestOrigin = nextOrigin[c - 1];
      }
      nextCost[c] = best;
      nextOrigin[c] = bestOrigin;
    }
    [cost, nextCost] = [nextCost, cost];
    [origin, nextOrigin] = [nextOrigin, origin];
  }
  return { start: from + origin[width], errors: cost[width] };
}

/**
 * Approximate occurrences of `pattern` in text[from, to) with at most `maxErrors` edits.
 * Returns [{start, end, errors}] (end exclusive), fewest errors first, at most `limit` of them;
 * each is the best end within a run of neighbouring acceptable ends.
 */
export function searchApprox(text, pattern, maxErrors, from = 0, to = text.length, limit = 16) {
  const m = pattern.length;
  if (!m || from >= to) return [];
  const ends = scanEnds(text, pattern, maxErrors, from, to);
  ends.sort((a, b) => a[1] - b[1]);
  return ends.slice(0, limit).map(([j, errors]) => {
    const end = j + 1;
    const { start } = alignStart(text, pattern, Math.max(from, end - m - maxErrors), end);
    return { start, end, errors };
  });
}
