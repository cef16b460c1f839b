// Links that open a post scrolled to an annotated passage, with a URL text fragment
// (`#:~:text=prefix-,start,end,-suffix`) built from the annotation's TextQuoteSelector.
//
// A pure module (no DOM, no `chrome.*`). The server's exports build the same links
// (postil/exports/common.py); tests/fixtures/text-fragment-cases.json holds the links both must
// give, and a Chromium test opens some of them to check they land on the right passage.
//
// Browsers match each part of a text fragment inside one block of the page and check word
// boundaries: the prefix must begin a word, the suffix must end one, and a start followed by an
// end must end a word. Stored prefixes and suffixes are cut at a fixed length and may cross a
// paragraph break (a line break, or, as the extension's anchoring records it, a plain space after
// a sentence), so they are trimmed to whole words within their line and sentence; quotes that are
// long or span lines or sentences become a `start,end` pair. Browsers without text fragments just
// open the post.

const EDGE_WORDS = 4;
const WHOLE_WORDS = 8;
const CONTEXT_WORDS = 4;
// White space and line breaks spelled out, so that Python's and JavaScript's `\s` cannot differ.
const SPACE = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/;
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;
// A token that ends a sentence (closing quotes and brackets allowed): a paragraph may end there.
const ENDS_SENTENCE = /[.!?:;]["'\u201d\u2019)\]]*$/;
const WORDY = /[\p{L}\p{N}]/u;

const words = (text) => text.split(SPACE).filter(Boolean);

/** Percent-encode one part: all but letters, digits and `_.~`, so `-`, `,` and `&` (syntax in a directive) too. */
export function encodePart(text) {
  return encodeURIComponent(text).replace(/[!'()*-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function tidyPrefix(text) {
  const lines = text.split(LINE_BREAK);
  let tokens = words(lines[lines.length - 1]);
  const lastBreak = tokens.findLastIndex((token) => ENDS_SENTENCE.test(token));
  if (lastBreak >= 0) tokens = tokens.slice(lastBreak + 1);
  // Cut at a fixed length: the first word may be the end of a longer one.
  else if (lines.length === 1 && !SPACE.test(text.slice(0, 1))) tokens = tokens.slice(1);
  const prefix = tokens.slice(-CONTEXT_WORDS).join(" ");
  return WORDY.test(prefix) ? prefix : "";
}

function tidySuffix(text) {
  const lines = text.split(LINE_BREAK);
  let tokens = words(lines[0]);
  const firstBreak = tokens.findIndex((token) => ENDS_SENTENCE.test(token));
  if (firstBreak >= 0) tokens = tokens.slice(0, firstBreak + 1);
  else if (lines.length === 1 && !SPACE.test(text.slice(-1))) tokens = tokens.slice(0, -1);
  const suffix = tokens.slice(0, CONTEXT_WORDS).join(" ");
  return WORDY.test(suffix) ? suffix : "";
}

/** The `start` and `end` (null for none) of a directive for this quote, or null for no words. */
function startAndEnd(exact) {
  const tokens = [];
  const breaks = [];
  for (const line of exact.split(LINE_BREAK)) {
    const lineWords = words(line);
    lineWords.forEach((token, i) => {
      tokens.push(token);
      breaks.push(i === lineWords.length - 1 || ENDS_SENTENCE.test(token));
    });
  }
  if (!tokens.length) return null;
  const spansBreaks = breaks.slice(0, -1).some(Boolean);
  if (!spansBreaks && tokens.length <= WHOLE_WORDS) return { start: tokens.join(" "), end: null };
  let first = 0;
  while (first < EDGE_WORDS - 1 && first < tokens.length - 2 && !breaks[first]) first += 1;
  let last = tokens.length - 1;
  while (last > tokens.length - EDGE_WORDS && last > first + 1 && !breaks[last - 1]) last -= 1;
  if (last <= first) return { start: tokens.join(" "), end: null };
  return { start: tokens.slice(0, first + 1).join(" "), end: tokens.slice(last).join(" ") };
}

/** The text directive (`text=…`, without `#:~:`) for a quote and its stored context, or null. */
export function textDirective({ exact, prefix, suffix }) {
  const range = startAndEnd(String(exact ?? ""));
  if (!range) return null;
  const before = tidyPrefix(String(prefix ?? ""));
  const after = tidySuffix(String(suffix ?? ""));
  const parts = [];
  if (before) parts.push(`${encodePart(before)}-`);
  parts.push(encodePart(range.start));
  if (range.end) parts.push(encodePart(range.end));
  if (after) parts.push(`-${encodePart(after)}`);
  return `text=${parts.join(",")}`;
}

// Percent-encode what would end a link in Markdown or HTML, as the server's exports do.
function linkUrl(url) {
  return url.replace(/[^A-Za-z0-9:/?#[\]@!$&'*+,;=%~\-._]/gu, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""));
}

/**
 * The annotation's post URL opening at its passage (its TextQuoteSelector, else its quote); the
 * plain URL for a page note; null when the post has no http(s) URL.
 */
export function passageUrl(annotation) {
  const url = String(annotation?.post?.url ?? "");
  if (!/^https?:\/\/[^\s/?#]+/i.test(url)) return null;
  const base = linkUrl(url.split("#")[0]);
  const quote = (annotation.selectors ?? []).find((s) => s?.type === "TextQuoteSelector");
  const directive = textDirective(quote ?? { exact: annotation.quote });
  return directive ? `${base}#:~:${directive}` : base;
}
