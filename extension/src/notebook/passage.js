// Links that open a post scrolled to an annotated passage, with a URL text fragment
// (`#:~:text=prefix-,start,end,-suffix`) built from the annotation's TextQuoteSelector.
//
// A pure module (no DOM, no `chrome.*`). Browsers match each part of a text fragment inside one
// block of the page and check word boundaries: the prefix must begin a word, the suffix must end
// one, and a start followed by an end must end a word. Stored prefixes and suffixes are cut at a
// fixed length and may cross a paragraph break (which the anchoring text model records as a plain
// space), so they are trimmed to whole words within their sentence; quotes that are long or span
// sentences become a `start,end` pair. Browsers without text fragments just open the post.

const EDGE_WORDS = 4;
const SHORT_QUOTE_WORDS = 8;
// A token that ends a sentence (closing quotes and brackets allowed): a paragraph may end there.
const ENDS_SENTENCE = /[.!?:;]["'\u201d\u2019)\]]*$/;

function squash(text) {
  return String(text ?? "").replace(/\s+/g, " ");
}

/** Percent-encode one part; `-`, `,` and `&` are syntax in a text directive, so they are encoded too. */
export function encodePart(text) {
  return encodeURIComponent(text).replace(/-/g, "%2D");
}

function tidyPrefix(raw) {
  const text = squash(raw);
  let tokens = text.trim().split(" ").filter(Boolean);
  const lastBreak = tokens.findLastIndex((token) => ENDS_SENTENCE.test(token));
  if (lastBreak >= 0) tokens = tokens.slice(lastBreak + 1);
  // The stored prefix was cut at a fixed length: its first word may be the end of a longer one.
  else if (!text.startsWith(" ")) tokens = tokens.slice(1);
  return tokens.slice(-EDGE_WORDS).join(" ");
}

function tidySuffix(raw) {
  const text = squash(raw);
  let tokens = text.trim().split(" ").filter(Boolean);
  const firstBreak = tokens.findIndex((token) => ENDS_SENTENCE.test(token));
  if (firstBreak >= 0) tokens = tokens.slice(0, firstBreak + 1);
  else if (!text.endsWith(" ")) tokens = tokens.slice(0, -1);
  const suffix = tokens.slice(0, EDGE_WORDS).join(" ");
  return /[\p{L}\p{N}]/u.test(suffix) ? suffix : "";
}

/** The `start` and optional `end` of a directive for this quote. */
function startAndEnd(exact) {
  const tokens = exact.split(" ");
  const breaks = tokens.map((token) => ENDS_SENTENCE.test(token));
  const spansSentences = breaks.slice(0, -1).some(Boolean);
  if (!spansSentences && tokens.length <= SHORT_QUOTE_WORDS) return { start: exact, end: null };
  let first = 0;
  while (first < EDGE_WORDS - 1 && first < tokens.length - 2 && !breaks[first]) first += 1;
  let last = tokens.length - 1;
  while (last > tokens.length - EDGE_WORDS && last > first + 1 && !breaks[last - 1]) last -= 1;
  if (last <= first) return { start: exact, end: null };
  return { start: tokens.slice(0, first + 1).join(" "), end: tokens.slice(last).join(" ") };
}

/** The text directive (`text=…`, without `#:~:`) for a TextQuoteSelector, or null. */
export function textDirective(selector) {
  const exact = squash(selector?.exact).trim();
  if (!exact) return null;
  const prefix = tidyPrefix(selector.prefix ?? "");
  const suffix = tidySuffix(selector.suffix ?? "");
  const { start, end } = startAndEnd(exact);
  const parts = [];
  if (prefix) parts.push(`${encodePart(prefix)}-`);
  parts.push(encodePart(start));
  if (end) parts.push(encodePart(end));
  if (suffix) parts.push(`-${encodePart(suffix)}`);
  return `text=${parts.join(",")}`;
}

/** The post's URL opening at the annotation's passage; the plain URL for page notes. */
export function passageUrl(url, selectors) {
  if (!url) return null;
  const base = String(url).split("#")[0];
  const quote = (selectors ?? []).find((s) => s?.type === "TextQuoteSelector");
  const directive = quote ? textDirective(quote) : null;
  return directive ? `${base}#:~:${directive}` : base;
}
