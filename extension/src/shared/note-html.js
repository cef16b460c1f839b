// Puts a note's HTML from the server into one of our elements without trusting it.
//
// The server renders and cleans every note once, on write (server/postil/sanitize.py). An old
// row, a server of another version or a tampered answer could still carry anything, and the
// sidebar lives inside the reader's page, so this is a second wall: the HTML is parsed where
// nothing runs or loads (through the browser's own sanitizer, Element.setHTML, where there is
// one), then copied node by node through an allow-list of our own, and only that copy reaches our
// element. The list is the server's note cleaner's: its tags, `title` on links, `start` on
// ordered lists, and a link only to an absolute http(s) or mailto: target (the rule of
// tests/fixtures/note-link-cases.json, which the server's tests run too), opening in a new tab
// with no referrer. Outside the list, script-like elements (script, style, svg…) go whole; any
// other element leaves its text behind in our own pass, while the browser's sanitizer, where it
// runs first, removes it with its text (the server never sends one). Nothing here assigns
// innerHTML.

const HTML_NS = "http://www.w3.org/1999/xhtml";

export const NOTE_TAGS = Object.freeze([
  "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
  "h1", "h2", "h3", "h4", "h5", "h6",
]);
const KEPT = new Set(NOTE_TAGS);
const DROPPED_WHOLE = new Set([
  "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object", "embed",
  "svg", "math", "textarea", "select", "option", "title", "head", "xmp", "noembed", "noframes",
]);

export const LINK_REL = "noopener noreferrer nofollow";

// An absolute http(s) URL with a host, or a mailto: address. Anything else (`/path`, `path`,
// `#frag`, `?q`, `//host`, `https:path`, `javascript:`) would resolve against the page showing
// the note or run in it; a space or tab inside the scheme is refused, not normalised.
const ABSOLUTE_LINK = /^(?:https?:\/\/[^/?#\\\s]|mailto:\S)/i;

/** Whether a note may link to `url`. */
export function isAbsoluteLink(url) {
  return typeof url === "string" && ABSOLUTE_LINK.test(url);
}

// What the browser's sanitizer may keep, when it has one: the same list.
const SANITIZER_CONFIG = Object.freeze({
  elements: NOTE_TAGS.map((name) =>
    name === "a" ? { name, attributes: ["href", "title"] }
      : name === "ol" ? { name, attributes: ["start"] } : name),
  attributes: [],
  comments: false,
});

/**
 * The attributes an allowed element keeps, as [name, value] pairs from the element's own; null
 * for a link without an allowed target, which is then shown as its text.
 */
export function keptAttributes(tag, attributes) {
  const value = (name) => attributes.find(([n]) => n === name)?.[1];
  if (tag === "a") {
    const href = value("href");
    if (!isAbsoluteLink(href)) return null;
    const title = value("title");
    return [["href", href], ...(title ? [["title", title]] : []), ["rel", LINK_REL], ["target", "_blank"]];
  }
  if (tag === "ol") {
    const start = value("start");
    return start !== undefined && /^[0-9]{1,9}$/.test(start) ? [["start", start]] : [];
  }
  return [];
}

/** Copy the allowed part of `source`'s children into `target`, making new nodes with `doc`. */
export function copyAllowed(source, target, doc) {
  for (const node of source.childNodes) {
    if (node.nodeType === 3) {
      target.append(doc.createTextNode(node.data));
      continue;
    }
    // Comments, processing instructions and elements of other namespaces (inside svg or math).
    if (node.nodeType !== 1 || node.namespaceURI !== HTML_NS || DROPPED_WHOLE.has(node.localName)) continue;
    const tag = node.localName;
    const attributes = KEPT.has(tag)
      ? keptAttributes(tag, Array.from(node.attributes, (a) => [a.name, a.value]))
      : null;
    if (attributes === null) {
      copyAllowed(node, target, doc);
      continue;
    }
    const copy = doc.createElement(tag);
    for (const [name, value] of attributes) copy.setAttribute(name, value);
    copyAllowed(node, copy, doc);
    target.append(copy);
  }
}

/** Parse `html` where nothing runs or loads: the browser's sanitizer first, where it has one. */
function parseInert(html, doc) {
  const holder = doc.implementation.createHTMLDocument("").createElement("div");
  if (typeof holder.setHTML === "function") {
    try {
      holder.setHTML(html, { sanitizer: SANITIZER_CONFIG });
      return holder;
    } catch {
      // A browser with another shape of the API: the allow-list alone does the job.
    }
  }
  return new DOMParser().parseFromString(html, "text/html").body;
}

/** Replace `element`'s content with the allowed part of the server's note HTML. */
export function setNoteHtml(element, html) {
  const doc = element.ownerDocument;
  const clean = doc.createDocumentFragment();
  copyAllowed(parseInert(String(html ?? ""), doc), clean, doc);
  element.replaceChildren(clean);
}
