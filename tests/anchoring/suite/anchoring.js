/*
 * The anchoring scenarios, written once and run in every browser: pytest + Playwright runs each
 * one in Chromium (tests/anchoring/test_anchoring.py), the Node runner in Firefox
 * (tests/anchoring/firefox/run.mjs). Each scenario builds a page in #stage, selects words the
 * way a reader would, changes the page the way a site does between visits, and checks what the
 * reader would see: which words are highlighted, or that the note is listed as an orphan.
 *
 * Ranges are built here by searching the raw text of an element, not with the module's own
 * text model, so a bug there cannot hide itself.
 */

import * as anchoring from "/extension/src/anchoring/index.js";
import { seeded } from "/tools/seeded-random.js";

const scenarios = new Map();

function scenario(name, run) {
  scenarios.set(name, run);
}

/** Names of every scenario, in the order they are written. */
export function listCases() {
  return [...scenarios.keys()];
}

/** Run one scenario: {ok: true} or {ok: false, error}. */
export async function runCase(name) {
  const run = scenarios.get(name);
  if (!run) return { ok: false, error: `no scenario named ${JSON.stringify(name)}` };
  try {
    await run();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: String(error && error.stack ? error.stack : error) };
  }
}

// ---- helpers ---------------------------------------------------------------------------------

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function stage(html) {
  const root = document.getElementById("stage");
  root.innerHTML = html;
  return root;
}

let articleHtml = null;

/** Put the article fixture on the stage (its <script> is inserted inert) and return the root. */
async function article() {
  if (articleHtml === null) {
    const source = await (await fetch("fixtures/article.html")).text();
    articleHtml = new DOMParser().parseFromString(source, "text/html").body.innerHTML;
  }
  return stage(articleHtml);
}

function textNodes(element) {
  const walker = element.ownerDocument.createTreeWalker(element, 4 /* SHOW_TEXT */);
  const nodes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
  return nodes;
}

/**
 * A Range over the `occurrence`-th match of `words` in element's raw text, where each space in
 * `words` stands for any whitespace in the source (what a reader sees as one space).
 */
function rangeOf(element, words, occurrence = 0) {
  const nodes = textNodes(element);
  const raw = nodes.map((n) => n.data).join("");
  const escaped = words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s*");
  const pattern = new RegExp(escaped, "g");
  let match;
  for (let i = 0; i <= occurrence; i++) {
    match = pattern.exec(raw);
    check(match, `"${words}" (#${occurrence}) is not in the text of ${element.id || element}`);
  }
  const range = element.ownerDocument.createRange();
  const at = (offset, isEnd) => {
    let seen = 0;
    for (const node of nodes) {
      const next = seen + node.data.length;
      if (offset < next || (isEnd && offset === next)) return [node, offset - seen];
      seen = next;
    }
    const last = nodes[nodes.length - 1];
    return [last, last.data.length];
  };
  range.setStart(...at(match.index, false));
  range.setEnd(...at(match.index + match[0].length, true));
  return range;
}

// What a reader sees highlighted, whitespace as single spaces.
function shown(range) {
  return range.toString().replace(/\s+/g, " ").trim();
}

// The same characters a reader sees, whatever whitespace or <br> separated them.
function letters(range) {
  const copy = range.cloneContents();
  copy.querySelectorAll("script, style").forEach((element) => element.remove());
  return copy.textContent.replace(/\s+/g, "");
}

function paragraphOf(range) {
  const node = range.startContainer;
  const element = node.nodeType === 1 ? node : node.parentElement;
  return element.closest("p, li, h1, h2, blockquote").id;
}

function insertFirst(root, html) {
  const holder = root.querySelector("article") || root;
  holder.insertAdjacentHTML("afterbegin", html);
}

function randomRanges(root, count, seed) {
  const random = seeded(seed);
  const nodes = textNodes(root).filter((n) => !n.parentElement.closest("script, style"));
  const ranges = [];
  while (ranges.length < count) {
    const a = Math.floor(random() * nodes.length);
    const b = Math.min(nodes.length - 1, a + Math.floor(random() * 3));
    const range = root.ownerDocument.createRange();
    // Mostly text-node boundaries, as mouse selections are; some element boundaries too.
    if (random() < 0.15) range.setStartBefore(nodes[a].parentElement.firstChild);
    else range.setStart(nodes[a], Math.floor(random() * (nodes[a].data.length + 1)));
    if (random() < 0.15) range.setEndAfter(nodes[b].parentElement.lastChild);
    else range.setEnd(nodes[b], Math.floor(random() * (nodes[b].data.length + 1)));
    if (!range.collapsed && letters(range)) ranges.push(range);
  }
  return ranges;
}

// ---- scenarios -------------------------------------------------------------------------------

scenario("unchanged page: the highlight comes back on the same words by position", async () => {
  const root = await article();
  const selected = rangeOf(root.querySelector("#p2"), "carved initials of rope makers");
  const selectors = anchoring.describe(root, selected);
  equal(selectors[0].type, "TextQuoteSelector", "first selector");
  equal(selectors[0].exact, "carved initials of rope makers", "quote");
  equal(selectors[0].prefix.length, 32, "prefix length");
  equal(selectors[0].suffix.length, 32, "suffix length");
  equal(selectors[1].type, "TextPositionSelector", "second selector");
  equal(selectors[1].end - selectors[1].start, selectors[0].exact.length, "position length");

  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "position", "method");
  equal(info.score, 1, "score");
  equal(shown(info.range), "carved initials of rope makers", "highlighted text");
  check(info.range.startContainer === selected.startContainer &&
        info.range.startOffset === selected.startOffset &&
        info.range.endContainer === selected.endContainer &&
        info.range.endOffset === selected.endOffset, "range boundaries differ from the selection");
  const range = await anchoring.anchor(root, selectors);
  equal(shown(range), "carved initials of rope makers", "anchor() text");
});

scenario("text inserted before the quote: found again by its exact quote", async () => {
  const root = await article();
  const selectors = anchoring.describe(root,
    rangeOf(root.querySelector("#p3"), "a levy on cruise ships"));
  insertFirst(root, "<p id='correction'>Correction: an earlier version of this article gave " +
    "the wrong date for the opening.</p>");
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "quote", "method");
  equal(shown(info.range), "a levy on cruise ships", "highlighted text");
  equal(paragraphOf(info.range), "p3", "paragraph");
});

scenario("a word changed inside the quote: found by fuzzy match on the new wording", async () => {
  const root = await article();
  const selectors = anchoring.describe(root, rangeOf(root.querySelector("#p3"),
    "approved by the council after a long and bad-tempered debate"));
  const node = rangeOf(root.querySelector("#p3"), "bad-tempered").startContainer;
  node.data = node.data.replace("bad-tempered", "heated");
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "fuzzy", "method");
  equal(shown(info.range), "approved by the council after a long and heated debate",
    "highlighted text");
  check(info.score >= 0.75 && info.score < 1, `score ${info.score} outside [0.75, 1)`);
});

scenario("a word inserted into the quote: found by fuzzy match including it", async () => {
  const root = await article();
  const p5 = root.querySelector("#p5");
  const selectors = anchoring.describe(root,
    rangeOf(p5, "Volunteers are still needed to catalogue the sea charts"));
  p5.firstChild.data = p5.firstChild.data.replace("still needed", "still urgently needed");
  insertFirst(root, "<p>Photographs by the reading circle.</p>");
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "fuzzy", "method");
  equal(shown(info.range), "Volunteers are still urgently needed to catalogue the sea charts",
    "highlighted text");
});

const REPEATS = `
  <p id="a">Tickets cost <b>five pounds</b> at the door for the Friday concert.</p>
  <p id="b">The boat trip round the bay costs five pounds for adults and nothing for children.</p>
  <p id="c">Parking by the harbour costs five pounds a day in summer.</p>`;

scenario("a repeated phrase: the copy whose surroundings match is chosen", async () => {
  const root = stage(REPEATS);
  const selectors = anchoring.describe(root, rangeOf(root.querySelector("#b"), "five pounds"));
  root.insertAdjacentHTML("afterbegin", "<p>Prices went up this spring.</p>");
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "quote", "method");
  equal(paragraphOf(info.range), "b", "paragraph of the highlight");

  root.querySelector("#a").remove();
  equal(paragraphOf(await anchoring.anchor(root, selectors)), "b", "after the first copy left");
});

scenario("a stale position that lands on another copy of the quote is not trusted", async () => {
  const root = stage(REPEATS);
  const anchorer = anchoring.createAnchorer(root);
  const selectors = anchorer.describe(rangeOf(root.querySelector("#c"), "five pounds"));
  const copyInB = anchorer.describe(rangeOf(root.querySelector("#b"), "five pounds"));
  // Lengthen #a so that the copy in #b moves exactly onto the stored position of the one in #c.
  const shift = selectors[1].start - copyInB[1].start;
  root.querySelector("#a").lastChild.data += "x".repeat(shift - 1) + " ";
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "quote", "method");
  equal(paragraphOf(info.range), "c", "paragraph of the highlight");
});

scenario("whitespace that renders the same but differs in the source still anchors", async () => {
  const indented = `<p id="w">The  keeper
        left   a\tshelf of <em>sea
    charts</em> for   everyone.</p>`;
  const flat = `<p id="w">The keeper left a shelf of <em>sea charts</em> for everyone.</p>`;

  let root = stage(indented);
  const fromIndented = anchoring.describe(root,
    rangeOf(root.querySelector("#w"), "keeper left a shelf of sea charts"));
  equal(fromIndented[0].exact, "keeper left a shelf of sea charts", "quote from indented source");
  root = stage(flat);
  let info = await anchoring.anchorWithInfo(root, fromIndented);
  equal(info.method, "position", "method on the flat page");
  equal(info.range.toString(), "keeper left a shelf of sea charts", "highlight on the flat page");

  const fromFlat = anchoring.describe(root,
    rangeOf(root.querySelector("#w"), "keeper left a shelf of sea charts"));
  root = stage(indented);
  info = await anchoring.anchorWithInfo(root, fromFlat);
  equal(info.method, "position", "method on the indented page");
  equal(shown(info.range), "keeper left a shelf of sea charts", "highlight on the indented page");

  // A quote stored by another tool with the source's raw whitespace (e.g. an import).
  const raw = [{ type: "TextQuoteSelector", exact: "keeper\n   left a \t shelf", prefix: "The ",
    suffix: " of sea" }];
  equal(shown(await anchoring.anchor(root, raw)), "keeper left a shelf", "raw-whitespace quote");
});

scenario("a quote spanning inline elements and a <br> anchors across them", async () => {
  const root = await article();
  const acrossBreak = anchoring.describe(root,
    rangeOf(root.querySelector("#p3"), "bad-tempered debate.The rest came"));
  equal(acrossBreak[0].exact, "bad-tempered debate. The rest came",
    "quote reads the <br> as a space");
  const acrossLink = anchoring.describe(root,
    rangeOf(root.querySelector("#p2"), "the oak beams carry the carved"));
  equal(acrossLink[0].exact, "the oak beams carry the carved", "quote across a link");

  insertFirst(root, "<p>Listen to this article.</p>");
  const info = await anchoring.anchorWithInfo(root, acrossBreak);
  equal(info.method, "quote", "method");
  equal(letters(info.range), "bad-tempereddebate.Therestcame", "highlighted letters");
  check(info.range.cloneContents().querySelector("br"), "the highlight should contain the <br>");
  const link = await anchoring.anchor(root, acrossLink);
  equal(shown(link), "the oak beams carry the carved", "highlight across the link");
  check(link.cloneContents().querySelector("a"), "the highlight should contain the link");
});

scenario("a deleted quote is an orphan, never attached to similar text", async () => {
  const root = stage(`
    <p id="k">The committee approved the budget for the new library on Tuesday.</p>
    <p id="l">The committee rejected the plan for the new stadium on Friday.</p>
    <p id="n">A budget is only a plan with numbers in it.</p>
    <p id="m">Everyone went home early.</p>`);
  const sentence = anchoring.describe(root, rangeOf(root.querySelector("#k"),
    "The committee approved the budget for the new library on Tuesday."));
  const word = anchoring.describe(root, rangeOf(root.querySelector("#k"), "budget"));
  root.querySelector("#k").remove();

  const info = await anchoring.anchorWithInfo(root, sentence);
  equal(info, { range: null, method: null, score: 0 }, "deleted sentence");
  equal(await anchoring.anchor(root, sentence), null, "anchor() of the deleted sentence");
  const short = await anchoring.anchorWithInfo(root, word);
  equal(short.method, null, "a deleted short word that occurs elsewhere");
});

scenario("the extension's UI, scripts and skipped elements do not shift positions", async () => {
  const root = await article();
  const selectors = anchoring.describe(root,
    rangeOf(root.querySelector("#p4"), "the doors stay open until nine"));
  insertFirst(root, `<div data-postil-ui="toolbar"><button>Highlight</button> 3 notes</div>
    <script>var inert = "text a reader never sees";</script>
    <noscript>Please enable JavaScript.</noscript>
    <template><p>Template text</p></template>
    <aside class="advert">Buy a boat today!</aside>`);
  const options = { skip: (element) => element.classList.contains("advert") };
  const info = await anchoring.anchorWithInfo(root, selectors, options);
  equal(info.method, "position", "method");
  equal(shown(info.range), "the doors stay open until nine", "highlighted text");
  const described = anchoring.describe(root, info.range, options);
  equal(described, selectors, "selectors described with the UI present");
});

scenario("positions count characters, not UTF-16 units, after emoji", async () => {
  const root = stage(`<p id="e">🌊 tide 🌊 tables for the week</p>`);
  const selectors = anchoring.describe(root, rangeOf(root.querySelector("#e"), "tables"));
  equal(selectors[1], { type: "TextPositionSelector", start: 9, end: 15 }, "position");
  equal(selectors[0].prefix, "🌊 tide 🌊 ", "prefix");
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "position", "method");
  equal(info.range.toString(), "tables", "highlighted text");
});

scenario("a selection with whitespace at its ends is stored without it", async () => {
  const root = stage(`<p id="s">Low tide at   <em>six</em>   tonight.</p>`);
  const range = document.createRange();
  const p = root.querySelector("#s");
  range.setStart(p.firstChild, 12); // inside the spaces before <em>
  range.setEnd(p.lastChild, 2);
  const selectors = anchoring.describe(root, range);
  equal(selectors[0].exact, "six", "quote");
  equal(shown(await anchoring.anchor(root, selectors)), "six", "highlighted text");
  range.setEnd(p.firstChild, 14);
  equal(anchoring.describe(root, range), [], "a whitespace-only selection");
  range.collapse(true);
  equal(anchoring.describe(root, range), [], "a collapsed selection");
});

scenario("a quote alone or a position alone still anchors", async () => {
  const root = await article();
  const [quote, position] = anchoring.describe(root,
    rangeOf(root.querySelector("#quote"), "is harder to flood"));
  insertFirst(root, "<p>Sponsored by the harbour trust.</p>");
  const byQuote = await anchoring.anchorWithInfo(root, [quote]);
  equal([byQuote.method, shown(byQuote.range)], ["quote", "is harder to flood"], "quote only");
  const byPosition = await anchoring.anchorWithInfo(root, [position]);
  equal(byPosition.method, "position", "position only");
  equal(await anchoring.anchor(root, []), null, "no selectors");
});

scenario("round trip: 300 random selections of the article anchor to the same text", async () => {
  const root = await article();
  const anchorer = anchoring.createAnchorer(root);
  const ranges = randomRanges(root, 300, 20261129);
  const described = ranges.map((range) => anchorer.describe(range));
  const results = await anchorer.anchorAll(described);
  results.forEach((info, i) => {
    const what = `selection ${i} ${JSON.stringify(described[i][0]?.exact)}`;
    equal(info.method, "position", `${what}: method`);
    equal(letters(info.range), letters(ranges[i]), `${what}: letters`);
    equal(anchorer.describe(info.range), described[i], `${what}: described again`);
  });

  // The same selections after the page grows a paragraph at the top: found by quote instead.
  // (Read before the insert: a live selection that began at the article's edge would grow.)
  const quotes = described.map((selectors) => selectors[0].exact);
  const selected = ranges.map(letters);
  insertFirst(root, "<p>This article was updated with new opening hours.</p>");
  anchorer.refresh();
  const moved = await anchorer.anchorAll(described);
  moved.forEach((info, i) => {
    const what = `selection ${i} ${JSON.stringify(quotes[i])} after the insert`;
    check(info.method === "quote", `${what}: method ${info.method}`);
    equal(letters(info.range), selected[i], `${what}: letters`);
  });
});

scenario("the batch anchorer gives the same answers as one call at a time", async () => {
  const root = await article();
  const ranges = randomRanges(root, 40, 7);
  const described = ranges.map((range) => anchoring.describe(root, range));
  root.querySelector("#p1").firstChild.data += " (Updated.)";
  const anchorer = anchoring.createAnchorer(root);
  const batch = await anchorer.anchorAll(described);
  for (let i = 0; i < described.length; i++) {
    const single = await anchoring.anchorWithInfo(root, described[i]);
    equal([batch[i].method, shown(batch[i].range)], [single.method, shown(single.range)],
      `selection ${i}`);
  }
});

scenario("an edited paragraph moved to the end of the article is still found", async () => {
  const root = await article();
  const p1 = root.querySelector("#p1");
  const selectors = anchoring.describe(root,
    rangeOf(p1, "Fishermen, students and a brass band stood in the drizzle"));
  p1.firstChild.data = p1.firstChild.data.replace("a brass band", "the brass band");
  root.querySelector("article").append(p1);
  // Push it well beyond the nearby search around its old position.
  for (let i = 0; i < 30; i++) {
    p1.insertAdjacentHTML("beforebegin", `<p>Filler paragraph ${i} about tides and nets.</p>`);
  }
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "fuzzy", "method");
  equal(shown(info.range), "Fishermen, students and the brass band stood in the drizzle",
    "highlighted text");
  equal(paragraphOf(info.range), "p1", "paragraph");
});

scenario("the bit-parallel matcher agrees with a plain edit-distance table", async () => {
  const { scanEnds, alignStart, editDistance } = await import("/extension/src/anchoring/match.js");
  const random = seeded(42);
  const plainDistances = (text, pattern) => {
    let column = Array.from({ length: pattern.length + 1 }, (_, i) => i);
    return Array.from(text, (char) => {
      const next = [0];
      for (let i = 1; i <= pattern.length; i++) {
        next[i] = Math.min(column[i - 1] + (pattern[i - 1] === char ? 0 : 1), column[i] + 1,
          next[i - 1] + 1);
      }
      column = next;
      return column[pattern.length];
    });
  };
  for (let trial = 0; trial < 200; trial++) {
    const alphabet = ["abc d", "aé€b ", "the harbour keeper"][trial % 3];
    const word = (n) => Array.from({ length: n },
      () => alphabet[Math.floor(random() * alphabet.length)]).join("");
    const pattern = word(1 + Math.floor(random() * 200)); // up to seven 32-row blocks
    let text = word(1 + Math.floor(random() * 400));
    if (trial % 2 && text.length > pattern.length) {
      // Plant a copy with some changes, so there is something within budget to find.
      const copy = [...pattern].map((c) => (random() < 0.1 ? word(1) : c)).join("");
      const at = Math.floor(random() * (text.length - pattern.length));
      text = text.slice(0, at) + copy + text.slice(at + copy.length);
    }
    const plain = plainDistances(text, pattern);
    const budget = Math.floor(random() * pattern.length * 0.6);
    const ends = scanEnds(text, pattern, budget, 0, text.length);
    for (const [end, distance] of ends) {
      equal(distance, plain[end], `trial ${trial}: distance at ${end}`);
      const { start, errors } = alignStart(text, pattern, 0, end + 1);
      equal(errors, distance, `trial ${trial}: alignment errors`);
      equal(editDistance(text.slice(start, end + 1), pattern), distance,
        `trial ${trial}: recovered start`);
    }
    // One end per run of ends within budget, the best of the run (the first if tied).
    const runs = [];
    let best = null;
    plain.forEach((distance, end) => {
      if (distance <= budget) {
        if (!best || distance < best[1]) best = [end, distance];
      } else if (best) {
        runs.push(best);
        best = null;
      }
    });
    if (best) runs.push(best);
    equal(ends, runs, `trial ${trial}: ends within budget ${budget}`);
  }
});

scenario("a phrase reworded in place, its neighbours unchanged, is still found", async () => {
  const root = await article();
  const p4 = root.querySelector("#p4");
  const selectors = anchoring.describe(root,
    rangeOf(p4, "serves soup made with whatever the boats brought in"));
  p4.lastChild.data = p4.lastChild.data.replace("soup made with whatever the boats brought in",
    "stew made from whatever the boats landed in");
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, "fuzzy", "method");
  equal(shown(info.range), "serves stew made from whatever the boats landed in",
    "highlighted text");
});

scenario("a sentence cut from the middle of a paragraph is an orphan", async () => {
  const root = stage(`<p id="t">The ferry leaves at seven. The ferry returns at nine on
    weekdays. The ferry is cancelled in storms.</p>`);
  const p = root.querySelector("#t");
  const selectors = anchoring.describe(root, rangeOf(p, "The ferry returns at nine on weekdays."));
  p.firstChild.data = p.firstChild.data.replace(/The ferry returns at nine on\s+weekdays. /, "");
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.method, null, "method");
  equal(info.range, null, "range");
});

// ---- pages of look-alike paragraphs ------------------------------------------------------------

const BOARDS = ["harbour board", "town council", "ferry committee", "market trust",
  "parish council", "lifeboat crew", "school governors", "chamber of trade", "rowing club",
  "sailing club", "museum trustees", "library friends"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const VERBS = ["repair", "close", "repaint", "extend", "sell", "insure", "light", "survey",
  "rebuild", "reopen"];
const THINGS = ["old pier", "north quay", "fish market", "slipway", "lighthouse", "boat shed",
  "sea wall", "ice house", "net loft", "chapel", "ferry steps", "bandstand", "clock tower",
  "south beach", "tide gauge"];

/**
 * An article of `count` paragraphs that read alike: each is three sentences from one template
 * with a few words swapped, as council minutes, match reports and listings do. Returns the
 * root; paragraph i has id "q<i>".
 */
function lookAlikeArticle(seed, count = 60) {
  const random = seeded(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const sentence = () => `The ${pick(BOARDS)} met on ${pick(DAYS)} and voted ` +
    `${2 + Math.floor(random() * 30)} to ${1 + Math.floor(random() * 9)} to ${pick(VERBS)} the ` +
    `${pick(THINGS)} before the ${pick(["spring", "summer", "autumn", "winter"])} tides.`;
  const paragraphs = Array.from({ length: count },
    (_, i) => `<p id="q${i}">${sentence()} ${sentence()} ${sentence()}</p>`);
  return stage(`<article>${paragraphs.join("\n")}</article>`);
}

// The passages a reader highlighted in a look-alike article: `count` different paragraphs, in
// each a whole sentence or a run of words starting and ending on word boundaries.
function lookAlikePassages(root, seed, count) {
  const random = seeded(seed);
  const paragraphs = [...root.querySelectorAll("p")];
  const chosen = new Set();
  while (chosen.size < count) chosen.add(Math.floor(random() * paragraphs.length));
  return [...chosen].map((i) => {
    const p = paragraphs[i];
    const sentences = p.textContent.match(/[^.]+\./g).map((s) => s.trim());
    const whole = sentences[Math.floor(random() * sentences.length)];
    const words = whole.split(" ");
    const from = random() < 0.5 ? 0 : 1 + Math.floor(random() * 4);
    const to = words.length - (random() < 0.5 ? 0 : 1 + Math.floor(random() * 4));
    return { paragraph: p.id, words: words.slice(from, to).join(" ") };
  });
}

/** A look-alike article with `count` passages highlighted: {root, passages, described}. */
function highlightedLookAlikes(seed, count) {
  const root = lookAlikeArticle(seed);
  const anchorer = anchoring.createAnchorer(root);
  const passages = lookAlikePassages(root, seed, count);
  const described = passages.map(({ paragraph, words }) =>
    anchorer.describe(rangeOf(root.querySelector(`#${paragraph}`), words)));
  return { root, passages, described };
}

scenario("look-alike paragraphs: 20 deleted passages are orphans, none lands on a look-alike", async () => {
  for (const seed of [11, 12, 13]) {
    // 40 highlighted passages; the paragraphs of the first 20 are deleted.
    const { root, passages, described } = highlightedLookAlikes(seed, 40);
    for (const { paragraph } of passages.slice(0, 20)) root.querySelector(`#${paragraph}`).remove();
    const results = await anchoring.createAnchorer(root).anchorAll(described);
    const attached = results.slice(0, 20).map((info, i) => [i, info]).filter(([, info]) => info.range)
      .map(([i, info]) => `"${passages[i].words}" -> "${shown(info.range)}" (${info.method})`);
    equal(attached, [], `seed ${seed}: deleted passages attached to other text`);
    results.slice(20).forEach((info, k) => {
      const { paragraph, words } = passages[20 + k];
      equal([info.range && shown(info.range), info.range && paragraphOf(info.range)],
        [words, paragraph], `seed ${seed}: a kept passage`);
    });
    // One at a time as well: without the batch's neighbours to say where the text moved.
    for (const selectors of described.slice(0, 20)) {
      equal(await anchoring.anchor(root, selectors), null, `seed ${seed}: one at a time`);
    }
  }
});

scenario("look-alike paragraphs: passages edited in place are still found, not their look-alikes", async () => {
  for (const seed of [21, 22, 23]) {
    // 30 highlighted passages; an editor changes one word in the middle of 20 of them, and
    // deletes four paragraphs away from any highlight, so that most passages also moved.
    const { root, passages, described } = highlightedLookAlikes(seed, 30);
    const expected = passages.map(({ paragraph, words }, i) => {
      if (i >= 20) return { paragraph, text: words };
      const list = words.split(" ");
      const middle = Math.floor(list.length / 2);
      const before = list[middle];
      list[middle] = before === "voted" ? "decided" : before === "the" ? "a" : `${before}s`;
      const edited = list.join(" ");
      const p = root.querySelector(`#${paragraph}`);
      p.textContent = p.textContent.replace(words, edited);
      return { paragraph, text: edited };
    });
    const near = new Set(passages.flatMap(({ paragraph }) => {
      const n = Number(paragraph.slice(1));
      return [n - 1, n, n + 1];
    }));
    [...root.querySelectorAll("p")].filter((p) => !near.has(Number(p.id.slice(1)))).slice(0, 4)
      .forEach((p) => p.remove());
    const results = await anchoring.createAnchorer(root).anchorAll(described);
    results.forEach((info, i) => {
      check(info.range, `seed ${seed}: "${expected[i].text}" was lost`);
      equal([shown(info.range), paragraphOf(info.range)], [expected[i].text, expected[i].paragraph],
        `seed ${seed}: passage ${i} (${info.method})`);
    });
  }
});

scenario("a fuzzy match does not start or end inside a word the quote did not", async () => {
  const root = stage(`<p id="u">The ferry committee met on Friday and voted 4 to 2 to repaint the
    slipway.</p><p id="v">A ferrycommittee met on Fridays and voted 4 to 2 to repaint the slipways
    at dawn.</p>`);
  const selectors = anchoring.describe(root,
    rangeOf(root.querySelector("#u"), "ferry committee met on Friday and voted 4 to 2 to repaint the slipway"));
  root.querySelector("#u").remove();
  const info = await anchoring.anchorWithInfo(root, selectors);
  equal(info.range && shown(info.range), null, "the look-alike in another paragraph");
});
