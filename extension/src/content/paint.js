// Paints highlights on the page and answers "which highlight is at this point?".
//
// Preferred: the CSS Custom Highlight API. Ranges are registered in `CSS.highlights` (one Highlight
// per colour), the page's DOM is never touched, and a small stylesheet adopted by the document gives
// each colour its `::highlight()` style. Because nothing is in the DOM to click, hit-testing maps a
// point to a caret position and asks each range whether it contains it.
//
// A highlight with a note (`noted`) gets an underline on top of its colour, in both painters; one
// its site withholds (`withheld`) is muted grey with a dashed underline instead, in both.
//
// Fallback where the API is missing: wrap the text nodes of each range in `<postil-mark>` elements.
// That splits text nodes but never changes the text, so selectors stay valid; unpainting unwraps
// and re-joins the text.

import { COLORS } from "../shared/contract.js";

const LIGHT_PAGE = {
  yellow: "#fde68a",
  green: "#bbf7d0",
  blue: "#bfdbfe",
  pink: "#fbcfe8",
  purple: "#e9d5ff",
};
// On dark pages the page's light text would vanish on a pastel background, so the text is darkened
// too; the backgrounds are a touch stronger to read as "marked" against a dark page.
const DARK_PAGE = {
  yellow: "#fcd34d",
  green: "#86efac",
  blue: "#93c5fd",
  pink: "#f9a8d4",
  purple: "#d8b4fe",
};
const FLASH = "#fb923c";
// A highlight with a note is underlined as well, so the reader can tell which passages have
// something to read; dark enough on every highlight colour, on light and dark pages alike.
const NOTED = "text-decoration: underline dashed #92400e; text-decoration-thickness: 2px;";
// A public note its site withholds (pending approval, or hidden by a moderator), which only its
// author and the site's moderators see: muted grey in place of its colour, with a dashed grey
// underline, so it reads as "not shown to others".
const WITHHELD_LIGHT = "background-color: #e5e7eb; color: #4b5563; text-decoration: underline dashed #6b7280; text-decoration-thickness: 2px;";
const WITHHELD_DARK = "background-color: #9ca3af; color: #111827; text-decoration: underline dashed #374151; text-decoration-thickness: 2px;";
export const MARK_TAG = "postil-mark";

/** Guess whether the page is dark from its computed background and text colours. */
export function pageIsDark(doc = document) {
  const parse = (value) => {
    const m = /rgba?\(([^)]+)\)/.exec(value ?? "");
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  for (const el of [doc.body, doc.documentElement]) {
    if (!el) continue;
    const bg = parse(getComputedStyle(el).backgroundColor);
    if (bg && bg.a > 0.5) return luminance(bg) < 0.45;
  }
  const text = doc.body && parse(getComputedStyle(doc.body).color);
  return text ? luminance(text) > 0.6 : false;
}

/**
 * A painter for `doc`. `name` prefixes the highlights registered in `CSS.highlights`, which all
 * scripts of a page share: each host (content/hosts.js) paints under its own, so neither
 * replaces nor clears the other's.
 */
export function createPainter(doc = document, { name = "postil" } = {}) {
  const supported = typeof CSS !== "undefined" && CSS.highlights && typeof Highlight === "function";
  return supported ? new HighlightPainter(doc, name) : new MarkPainter(doc);
}

class HighlightPainter {
  constructor(doc, name) {
    this.doc = doc;
    this.name = name;
    this.kind = "css-highlight";
    this.entries = new Map();
    this.highlights = {};
    for (const color of COLORS) {
      this.highlights[color] = new Highlight();
      CSS.highlights.set(`${name}-${color}`, this.highlights[color]);
    }
    this.flashHighlight = new Highlight();
    this.flashHighlight.priority = 10;
    CSS.highlights.set(`${name}-flash`, this.flashHighlight);
    this.notedHighlight = new Highlight();
    this.notedHighlight.priority = 5;
    CSS.highlights.set(`${name}-noted`, this.notedHighlight);
    this.withheldHighlight = new Highlight();
    this.withheldHighlight.priority = 6;
    CSS.highlights.set(`${name}-withheld`, this.withheldHighlight);
    this.setTheme(pageIsDark(doc));
  }

  setTheme(dark) {
    const palette = dark ? DARK_PAGE : LIGHT_PAGE;
    const text = dark ? "color: #111827;" : "";
    const name = this.name;
    const css = COLORS.map((c) => `::highlight(${name}-${c}) { background-color: ${palette[c]}; ${text} }`).join("\n")
      + `\n::highlight(${name}-noted) { ${NOTED} }`
      + `\n::highlight(${name}-withheld) { ${dark ? WITHHELD_DARK : WITHHELD_LIGHT} }`
      + `\n::highlight(${name}-flash) { background-color: ${FLASH}; color: #111827; }`;
    installPageStyle(this.doc, css);
  }

  paint(id, range, color, noted = false, withheld = false) {
    this.unpaint(id);
    const highlight = this.highlights[color] ?? this.highlights.yellow;
    highlight.add(range);
    if (noted) this.notedHighlight.add(range);
    if (withheld) this.withheldHighlight.add(range);
    this.entries.set(id, { range, highlight });
  }

  unpaint(id) {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.highlight.delete(entry.range);
    this.notedHighlight.delete(entry.range);
    this.withheldHighlight.delete(entry.range);
    this.entries.delete(id);
  }

  clear() {
    for (const id of [...this.entries.keys()]) this.unpaint(id);
  }

  /** Unpaint everything and take this painter's highlights out of the page's registry. */
  dispose() {
    this.clear();
    for (const key of [...COLORS, "flash", "noted", "withheld"]) CSS.highlights.delete(`${this.name}-${key}`);
  }

  /** The painted range of an annotation (live, so it follows DOM changes), or null. */
  rangeOf(id) {
    return this.entries.get(id)?.range ?? null;
  }

  flash(id) {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.flashHighlight.add(entry.range);
    setTimeout(() => this.flashHighlight.delete(entry.range), 1200);
  }

  /** The id of the shortest painted range containing the point, or null. */
  hitTest(x, y) {
    const caret = caretAt(this.doc, x, y);
    if (!caret) return null;
    let best = null;
    for (const [id, { range }] of this.entries) {
      let inside = false;
      try {
        inside = range.isPointInRange(caret.node, caret.offset);
      } catch {
        inside = false;
      }
      if (!inside) continue;
      // A caret exactly at the range's end sits after the last highlighted character.
      if (caret.node === range.endContainer && caret.offset === range.endOffset) continue;
      const length = range.toString().length;
      if (!best || length < best.length) best = { id, length };
    }
    return best?.id ?? null;
  }
}

class MarkPainter {
  constructor(doc) {
    this.doc = doc;
    this.kind = "marks";
    this.entries = new Map();
    this.palette = LIGHT_PAGE;
    this.setTheme(pageIsDark(doc));
  }

  setTheme(dark) {
    this.palette = dark ? DARK_PAGE : LIGHT_PAGE;
    this.textColor = dark ? "#111827" : "";
    installPageStyle(this.doc, `${MARK_TAG} { all: unset; display: inline; }
${MARK_TAG}[data-postil-noted] { ${NOTED.replaceAll(";", " !important;")} }
${MARK_TAG}[data-postil-withheld] { ${(dark ? WITHHELD_DARK : WITHHELD_LIGHT).replaceAll(";", " !important;")} }
${MARK_TAG}.postil-flash { background-color: ${FLASH} !important; color: #111827 !important; }`);
  }

  paint(id, range, color, noted = false, withheld = false) {
    this.unpaint(id);
    const marks = [];
    for (const node of textNodesIn(range)) {
      const start = node === range.startContainer ? range.startOffset : 0;
      const end = node === range.endContainer ? range.endOffset : node.data.length;
      if (end <= start) continue;
      let target = node;
      if (start > 0) target = target.splitText(start);
      if (end - start < target.data.length) target.splitText(end - start);
      const mark = this.makeMark(id, color, noted, withheld);
      target.replaceWith(mark);
      mark.append(target);
      marks.push(mark);
    }
    // One tab stop per highlight, so its note can be opened from the keyboard (selection.js listens).
    if (marks.length) marks[0].tabIndex = 0;
    this.entries.set(id, { marks, range });
  }

  /**
   * Paint many highlights at once ([{id, range, color, noted}], none painted yet): every range's text
   * is read before any node is split, each text node is split once at all the edges that fall
   * in it, and each piece is wrapped in one mark per highlight covering it (nested where they
   * overlap). Painting one at a time would split nodes under the ranges still waiting.
   */
  paintMany(list) {
    const pieces = new Map(); // text node → [{start, end, id, color}], in first-seen order
    for (const { id, range, color, noted, withheld } of list) {
      for (const node of textNodesIn(range)) {
        const start = node === range.startContainer ? range.startOffset : 0;
        const end = node === range.endContainer ? range.endOffset : node.data.length;
        if (end <= start) continue;
        if (!pieces.has(node)) pieces.set(node, []);
        pieces.get(node).push({ start, end, id, color, noted, withheld });
      }
    }
    const marksOf = new Map(list.map(({ id }) => [id, []]));
    for (const [node, spans] of pieces) {
      const cuts = [...new Set(spans.flatMap((s) => [s.start, s.end]))].sort((a, b) => a - b);
      // Split from the last cut back, so the offsets of the earlier ones stay true.
      const parts = [];
      let rest = node;
      for (let i = cuts.length - 1; i >= 0; i--) {
        if (cuts[i] <= 0 || cuts[i] >= rest.data.length) continue;
        parts.unshift({ node: rest.splitText(cuts[i]), start: cuts[i] });
      }
      parts.unshift({ node: rest, start: 0 });
      parts.forEach((part, i) => {
        const end = i + 1 < parts.length ? parts[i + 1].start : part.start + part.node.data.length;
        let inner = part.node;
        for (const span of spans) {
          if (span.start > part.start || span.end < end) continue;
          const mark = this.makeMark(span.id, span.color, span.noted, span.withheld);
          inner.replaceWith(mark);
          mark.append(inner);
          inner = mark;
          marksOf.get(span.id).push(mark);
        }
      });
    }
    for (const { id, range } of list) {
      const marks = marksOf.get(id);
      if (marks.length) marks[0].tabIndex = 0;
      this.entries.set(id, { marks, range });
    }
  }

  makeMark(id, color, noted = false, withheld = false) {
    const mark = this.doc.createElement(MARK_TAG);
    mark.dataset.postilId = id;
    if (noted) mark.dataset.postilNoted = "";
    if (withheld) mark.dataset.postilWithheld = "";
    mark.style.backgroundColor = this.palette[color] ?? this.palette.yellow;
    if (this.textColor) mark.style.color = this.textColor;
    mark.style.cursor = "pointer";
    return mark;
  }

  unpaint(id) {
    const entry = this.entries.get(id);
    if (!entry) return;
    for (const mark of entry.marks) {
      const parent = mark.parentNode;
      if (!parent) continue;
      mark.replaceWith(...mark.childNodes);
      parent.normalize();
    }
    this.entries.delete(id);
  }

  clear() {
    for (const id of [...this.entries.keys()]) this.unpaint(id);
  }

  dispose() {
    this.clear();
  }

  /** A range from the first to the last mark; the anchored range itself went stale when we wrapped. */
  rangeOf(id) {
    const marks = this.entries.get(id)?.marks.filter((m) => m.isConnected);
    if (!marks?.length) return null;
    const range = this.doc.createRange();
    range.setStartBefore(marks[0]);
    range.setEndAfter(marks[marks.length - 1]);
    return range;
  }

  flash(id) {
    const entry = this.entries.get(id);
    if (!entry) return;
    for (const mark of entry.marks) mark.classList.add("postil-flash");
    setTimeout(() => entry.marks.forEach((m) => m.classList.remove("postil-flash")), 1200);
  }

  hitTest(x, y, target) {
    const mark = target?.closest?.(`${MARK_TAG}[data-postil-id]`);
    return mark?.dataset.postilId ?? null;
  }
}

function caretAt(doc, x, y) {
  if (doc.caretPositionFromPoint) {
    const pos = doc.caretPositionFromPoint(x, y);
    return pos ? { node: pos.offsetNode, offset: pos.offset } : null;
  }
  if (doc.caretRangeFromPoint) {
    const range = doc.caretRangeFromPoint(x, y);
    return range ? { node: range.startContainer, offset: range.startOffset } : null;
  }
  return null;
}

function textNodesIn(range) {
  const root = range.commonAncestorContainer;
  if (root.nodeType === Node.TEXT_NODE) return [root];
  const nodes = [];
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (range.intersectsNode(node) && node.data.length) nodes.push(node);
  }
  return nodes;
}

let pageStyle = null;

/**
 * Give the page the few rules that style our highlights. An adopted stylesheet leaves the DOM
 * alone; where a content script may not adopt one, a <style> element does the same job.
 */
function installPageStyle(doc, css) {
  try {
    if (!pageStyle || pageStyle.kind === "sheet") {
      const sheet = pageStyle?.sheet ?? new CSSStyleSheet();
      sheet.replaceSync(css);
      if (!pageStyle) doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
      pageStyle = { kind: "sheet", sheet };
      return;
    }
  } catch {
    pageStyle = null;
  }
  if (!pageStyle) {
    const style = doc.createElement("style");
    style.dataset.postil = "highlights";
    (doc.head ?? doc.documentElement).append(style);
    pageStyle = { kind: "element", style };
  }
  pageStyle.style.textContent = css;
}
