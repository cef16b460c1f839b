/*
 * The anchoring benchmark, run inside a browser page (bench/anchoring/bench.html) by
 * bench/anchoring.py: generate a ~200 KB article, describe 1,000 highlights, edit 10% of the
 * quoted passages (a word changed or inserted), then time re-anchoring all 1,000 and count how
 * each one came back. Baselines are measured in the same page: building the text index alone,
 * and a plain indexOf of every quote.
 *
 * Everything is seeded, so every run edits and anchors the same passages.
 */

import { buildTextModel, createAnchorer } from "/extension/src/anchoring/index.js";
import { seeded } from "/tools/seeded-random.js";

const WORDS = (
  "harbour tide ferry quay lantern rope anchor keeper chart gallery reading council levy " +
  "library volunteer winter summer morning evening storm breakwater lighthouse fishermen " +
  "students ribbon scaffolding slate gallery whale soup boats pier crew station bay market " +
  "ledger archive mayor debate bequest shelf beams loft initials weekday opening hours " +
  "the a of and to in on for with by at from that was were is are as it its their over under"
).split(" ");

/** Build the article's HTML: paragraphs with inline markup, <br>, headings, indented source. */
export function articleHtml(random, targetLength) {
  const pick = () => WORDS[Math.floor(random() * WORDS.length)];
  const parts = ["<article>\n"];
  let length = 0;
  let paragraph = 0;
  while (length < targetLength) {
    if (paragraph % 12 === 0) parts.push(`  <h2>${pick()} ${pick()} ${pick()}</h2>\n`);
    const words = [];
    const count = 60 + Math.floor(random() * 80);
    for (let i = 0; i < count; i++) {
      let word = pick();
      const roll = random();
      if (roll < 0.02) word = `<em>${word}</em>`;
      else if (roll < 0.03) word = `<a href="#w${i}">${word}</a>`;
      else if (roll < 0.035) word = `<strong>${word} ${pick()}</strong>`;
      if (i > 0 && random() < 0.06) word = `${word}.`;
      words.push(word);
      // Line breaks and indentation in the source, as a CMS writes them.
      words.push(random() < 0.08 ? "\n      " : random() < 0.005 ? "<br>" : " ");
    }
    const html = `  <p>${words.join("").trim()}.</p>\n`;
    parts.push(html);
    length += html.length;
    paragraph += 1;
  }
  parts.push("</article>\n");
  return parts.join("");
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function repeat(times, fn) {
  const spent = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await fn();
    spent.push(performance.now() - start);
  }
  return spent;
}

function timed(fn) {
  const start = performance.now();
  const value = fn();
  return [performance.now() - start, value];
}

/**
 * Describe `highlights` passages of the article in `root` (one per slot of its text, 40-160
 * characters, on word boundaries), then edit `editShare` of them on the page (a word changed or
 * inserted) and delete `deleteShare`. Returns the selectors described before the changes and
 * the text each passage should now cover (null: deleted). Shared with bench/page_anchoring.py's
 * page (page.js), so both benchmarks anchor the same kind of changes.
 */
export function preparePassages(root, random, { highlights, editShare, deleteShare = 0 }) {
  // 1,000 highlights, one per slot of the text, 40-160 characters, on word boundaries.
  const model = buildTextModel(root);
  const text = model.text;
  const slot = Math.floor(text.length / highlights);
  const spans = [];
  for (let i = 0; i < highlights; i++) {
    const from = i * slot;
    let start = from + Math.floor(random() * slot * 0.3);
    start = text.indexOf(" ", start) + 1;
    let end = Math.min(start + 40 + Math.floor(random() * 120), from + slot - 1);
    end = text.lastIndexOf(" ", end);
    if (end - start < 20) end = text.indexOf(" ", start + 20);
    spans.push([start, end]);
  }
  const describer = createAnchorer(root);
  const ranges = spans.map(([s, e]) => model.offsetsToRange(s, e));
  const [describeMs, selectorLists] = timed(() => ranges.map((r) => describer.describe(r)));
  const expected = selectorLists.map((selectors) => selectors[0].exact);

  // Edit 10% of the quoted passages: change a word in the middle, or insert one after it; and
  // delete `deleteShare` of them outright. From last to first, so the text offsets of the
  // passages still to change stay true.
  const chosen = new Set();
  const deleted = new Set();
  while (chosen.size < Math.round(highlights * editShare)) {
    chosen.add(Math.floor(random() * highlights));
  }
  while (deleted.size < Math.round(highlights * deleteShare)) {
    const i = Math.floor(random() * highlights);
    if (!chosen.has(i)) deleted.add(i);
  }
  const edited = new Set();
  for (const i of [...chosen, ...deleted].sort((a, b) => b - a)) {
    if (deleted.has(i)) {
      model.offsetsToRange(...spans[i]).deleteContents();
      expected[i] = null;
      continue;
    }
    const [s, e] = spans[i];
    let middle = s + Math.floor((e - s) / 2);
    if (text[middle] === " ") middle += 1;
    const wordStart = text.lastIndexOf(" ", middle) + 1;
    let wordEnd = text.indexOf(" ", middle);
    if (wordEnd < 0 || wordEnd > e) wordEnd = e;
    const word = text.slice(wordStart, wordEnd);
    let replacement;
    if (random() < 0.5) {
      do replacement = WORDS[Math.floor(random() * WORDS.length)]; while (replacement === word);
    } else {
      replacement = `${word} ${WORDS[Math.floor(random() * WORDS.length)]}`;
    }
    const range = model.offsetsToRange(wordStart, wordEnd);
    if (!range || range.startContainer !== range.endContainer) continue; // split by markup
    range.startContainer.replaceData(range.startOffset, range.endOffset - range.startOffset,
      replacement);
    expected[i] = text.slice(s, wordStart) + replacement + text.slice(wordEnd, e);
    edited.add(i);
  }

  return { text, selectorLists, expected, edited, deleted, describeMs };
}

/**
 * Run the benchmark in `container`; returns the numbers bench/anchoring.py prints.
 * options: {highlights = 1000, editShare = 0.1, deleteShare = 0, runs = 7, size = 200_000,
 * seed = 1129}. Deleted passages must come back as orphans; any other answer counts as wrong.
 */
export async function runBench(container, options = {}) {
  const { highlights = 1000, editShare = 0.1, deleteShare = 0, runs = 7, size = 200_000,
    seed = 1129 } = options;
  const random = seeded(seed);
  const html = articleHtml(random, size);
  container.innerHTML = html;
  const root = container.firstElementChild;
  const { text, selectorLists, expected, edited, deleted, describeMs } =
    preparePassages(root, random, { highlights, editShare, deleteShare });

  // Timed runs: a fresh anchorer each time (as a page load would), then all 1,000.
  const anchorMs = [];
  const indexMs = [];
  const indexOfMs = [];
  let results = null;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const anchorer = createAnchorer(root);
    results = await anchorer.anchorAll(selectorLists);
    anchorMs.push(performance.now() - start);

    indexMs.push(timed(() => buildTextModel(root))[0]);
    const fresh = buildTextModel(root).text;
    indexOfMs.push(timed(() => {
      let found = 0;
      for (const selectors of selectorLists) if (fresh.indexOf(selectors[0].exact) >= 0) found++;
      return found;
    })[0]);
  }

  // What each highlight now covers, read in the same text space the quotes were written in
  // (Range.toString() would drop the space a <br> shows).
  const final = buildTextModel(root);
  const covered = (range) => {
    const offsets = final.rangeToOffsets(range);
    return offsets ? final.text.slice(offsets[0], offsets[1]).trim() : "";
  };
  // Where the time goes, on a warm index: the whole batch, and the batch without the changed
  // (edited or deleted) passages; the difference is what the changed ones cost.
  const warm = createAnchorer(root);
  const unchanged = selectorLists.filter((_, i) => !edited.has(i) && !deleted.has(i));
  const warmAllMs = median(await repeat(runs, () => warm.anchorAll(selectorLists)));
  const unchangedMs = median(await repeat(runs, () => warm.anchorAll(unchanged)));

  const counts = { position: 0, quote: 0, fuzzy: 0, orphan: 0 };
  let wrong = 0;
  const wrongExamples = [];
  results.forEach((info, i) => {
    counts[info.method ?? "orphan"] += 1;
    const got = info.range ? covered(info.range) : null;
    if (got !== expected[i]) {
      wrong += 1;
      if (wrongExamples.length < 5) {
        wrongExamples.push({ i, method: info.method, edited: edited.has(i), got,
          expected: expected[i] });
      }
    }
  });
  return {
    articleBytes: html.length,
    textLength: text.length,
    highlights,
    edited: edited.size,
    deleted: deleted.size,
    runs,
    describeMs,
    anchorMs: median(anchorMs),
    anchorMsAll: anchorMs,
    warmAllMs,
    unchangedMs,
    indexMs: median(indexMs),
    indexOfMs: median(indexOfMs),
    counts,
    wrong,
    wrongExamples,
    userAgent: navigator.userAgent,
  };
}
