// extension/src/shared/note-html.js lets only the server's note allow-list through: the link rule
// runs tests/fixtures/note-link-cases.json (as the server's tests do), and the copy is checked on
// trees built here the way a browser's parser would hand them over (Node has no HTML parser; the
// browser tests in tests/browser/test_note_html.py feed real parsers a tampered note).

import assert from "node:assert/strict";
import { test } from "node:test";
import { copyAllowed, isAbsoluteLink, keptAttributes, LINK_REL, NOTE_TAGS } from "../../../extension/src/shared/note-html.js";
import { fixture } from "../fixtures.mjs";

const HTML = "http://www.w3.org/1999/xhtml";
const SVG = "http://www.w3.org/2000/svg";

/** A parsed element: `el("a", {href: "x"}, "text", el(...))`. */
function el(localName, attrs = {}, ...children) {
  return node(localName, HTML, attrs, children);
}

function node(localName, namespaceURI, attrs, children) {
  return {
    nodeType: 1, localName, namespaceURI,
    attributes: Object.entries(attrs).map(([name, value]) => ({ name, value })),
    childNodes: children.map((c) => (typeof c === "string" ? { nodeType: 3, data: c } : c)),
  };
}

const comment = (data) => ({ nodeType: 8, data });

/** The document the copy is made in: records what is created, serialises it back. */
const doc = {
  createElement(localName) {
    return {
      ...node(localName, HTML, {}, []),
      setAttribute(name, value) { this.attributes.push({ name, value }); },
      append(child) { this.childNodes.push(child); },
    };
  },
  createTextNode(data) {
    return { nodeType: 3, data };
  },
};

function html(n) {
  if (n.nodeType === 3) return n.data.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const attrs = n.attributes.map((a) => ` ${a.name}="${a.value.replace(/"/g, "&quot;")}"`).join("");
  return `<${n.localName}${attrs}>${n.childNodes.map(html).join("")}</${n.localName}>`;
}

function clean(...children) {
  const target = doc.createElement("div");
  copyAllowed(el("body", {}, ...children), target, doc);
  return target.childNodes.map(html).join("");
}

const LINK = `rel="${LINK_REL}" target="_blank"`;

for (const { url, kept } of fixture("note-link-cases.json").cases) {
  test(`note link ${JSON.stringify(url)} is ${kept ? "kept" : "text"}`, () => {
    assert.equal(isAbsoluteLink(url), kept);
    const out = clean(el("a", { href: url }, "x"));
    assert.equal(out, kept ? `<a href="${url.replace(/"/g, "&quot;")}" ${LINK}>x</a>` : "x");
  });
}

test("the server's note markup comes through as it is", () => {
  const note = [
    el("h2", {}, "Head"), el("p", {}, el("strong", {}, "b"), " ", el("em", {}, "i"), el("br"),
      el("code", {}, "a<b"), " ", el("del", {}, "d"), el("s", {}, "s")),
    el("blockquote", {}, el("p", {}, "q")), el("ul", {}, el("li", {}, "one")),
    el("ol", { start: "3" }, el("li", {}, "three")), el("pre", {}, el("code", {}, "x\n")), el("hr"),
  ];
  assert.equal(clean(...note), '<h2>Head</h2><p><strong>b</strong> <em>i</em><br></br><code>a&lt;b</code> '
    + '<del>d</del><s>s</s></p><blockquote><p>q</p></blockquote><ul><li>one</li></ul>'
    + '<ol start="3"><li>three</li></ol><pre><code>x\n</code></pre><hr></hr>');
  // Every listed tag survives (a link only with a target, as the tests below check).
  for (const tag of NOTE_TAGS.filter((t) => t !== "a")) assert.equal(clean(el(tag, {}, "t")), `<${tag}>t</${tag}>`);
});

test("links keep a title, get our rel and a new tab, and lose everything else", () => {
  assert.equal(
    clean(el("a", { href: "https://e.org/", title: "T", rel: "opener", target: "_self", onclick: "x()", style: "color:red" }, "e")),
    `<a href="https://e.org/" title="T" ${LINK}>e</a>`);
});

test("attributes outside the list go, whatever the element", () => {
  assert.equal(clean(el("p", { onclick: "alert(1)", style: "x", class: "c", id: "i" }, "t")), "<p>t</p>");
  assert.equal(clean(el("ol", { start: "1; x", reversed: "" }, el("li", {}, "a"))), "<ol><li>a</li></ol>");
  assert.deepEqual(keptAttributes("ol", [["start", "12"]]), [["start", "12"]]);
});

test("active and loading elements go; unknown ones leave their text", () => {
  assert.equal(clean(
    el("p", {}, "before ", el("img", { src: "x", onerror: "alert(1)" }), "after"),
    el("script", {}, "alert(2)"), el("style", {}, "p{}"), el("iframe", { src: "https://evil.example/" }, "f"),
    el("template", {}, "t"), el("noscript", {}, "n"), el("textarea", {}, "ta"),
    el("div", { onmouseover: "x" }, el("span", {}, "kept ", el("b", {}, "text"))),
    el("form", { action: "javascript:alert(3)" }, el("button", {}, "go")),
  ), "<p>before after</p>kept textgo");
});

test("svg and math go with everything inside them", () => {
  const svgLink = node("a", SVG, { href: "javascript:alert(1)" }, ["svg link"]);
  assert.equal(clean(el("p", {}, "a"), node("svg", SVG, {}, [svgLink]), node("math", "http://www.w3.org/1998/Math/MathML", {}, ["m"])),
    "<p>a</p>");
  // An element of another namespace met outside svg (a parser would not make one) goes too.
  assert.equal(clean(el("p", {}, svgLink, "b")), "<p>b</p>");
});

test("comments go, and a link without an allowed target is its text inside what holds it", () => {
  assert.equal(clean(comment("<script>x</script>"), el("p", {}, el("a", { href: "//evil.example/" }, "evil"), " ",
    el("a", { href: "javascript:alert(1)" }, "js"), " ", el("a", {}, "none"))), "<p>evil js none</p>");
});
