/*
 * Which post is this page? (DESIGN §1.) Reads a document — and optionally the HTTP Link header
 * it came with — and returns the key annotations are stored under: the WordPress (sub)site and
 * post id when the page says it is a WordPress post, else a normalised URL.
 *
 * Pure ES module: it reads only the document it is given (querySelector, attributes, body
 * classes) and uses the standard URL class, so it runs the same in a content script, a test page
 * or on a DOMParser document. The server's postil/postkey.py applies the same rules; the case
 * table tests/fixtures/post-key-cases.json keeps the two normalisers in step.
 *
 * It also owns the extension's one shape of a post on the wire (wirePost: the server's
 * {site, post_id, url}), the query naming a post (postQuery) and the one string that names a
 * post inside the extension (groupKey).
 */

const API_REL = "https://api.w.org/";
// Query parameters that say how a reader arrived, never which page they read. The same list as
// the server's postkey.TRACKING_PARAMS / TRACKING_PREFIXES.
const TRACKING_PARAMS = new Set([
  "gclid", "fbclid", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid",
  "_ga", "_gl", "ref", "ref_src", "spm", "amp",
]);
const TRACKING_PREFIXES = ["utm_", "pk_", "mtm_", "hsa_"];
// REST routes of /wp/v2/ that name something other than a post of some type.
const NOT_POST_ROUTES = new Set([
  "categories", "tags", "users", "comments", "taxonomies", "types", "statuses", "settings",
  "search", "block-types", "themes", "plugins", "menus", "menu-items", "menu-locations",
  "sidebars", "widgets", "widget-types", "global-styles", "navigation", "font-families",
]);

// Parse an http(s) URL; a bare "host/path" counts as http when `bare` allows it (a site that is
// already normalised must normalise to itself). Returns null for anything else.
function parseHttpUrl(value, { bare = false, base } = {}) {
  if (typeof value !== "string" || !value.trim()) return null;
  let text = value.trim();
  if (bare && !base && !text.includes("://")) text = `http://${text}`;
  let url;
  try {
    url = base ? new URL(text, base) : new URL(text);
  } catch {
    return null;
  }
  // Chromium keeps a host it cannot read as a name percent-encoded ("exa%20mple.com") where the
  // URL standard, Firefox and the server refuse it.
  return /^https?:$/.test(url.protocol) && url.hostname && !url.hostname.includes("%") ? url : null;
}

// "host[:port]" lower-cased, without "www." or a trailing dot. The URL parser has already
// dropped the scheme's default port.
function normaliseHost(url) {
  let host = url.hostname.toLowerCase().replace(/\.+$/, "");
  if (host.startsWith("www.")) host = host.slice(4);
  return url.port ? `${host}:${url.port}` : host;
}

// Percent-decode like Python's urllib.parse.unquote: bad UTF-8 becomes U+FFFD, a stray "%"
// stays as it is. Keys stay readable and the server computes the same string.
const utf8 = new TextDecoder("utf-8");
function unquote(text) {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(3 * i + 1, 3 * i + 3), 16);
    return utf8.decode(bytes);
  });
}

// Encode like Python's urllib.parse.quote_plus: only letters, digits and "_.-~" stay.
function quotePlus(text) {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

function cleanPath(pathname) {
  return unquote(pathname).replace(/\/{2,}/g, "/").replace(/\/+$/, "");
}

// Compare by code point, as Python compares strings.
function compareStrings(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i].codePointAt(0) - y[i].codePointAt(0);
  }
  return x.length - y.length;
}

/**
 * Normalise a site's home URL: "https://www.Example.com/blog/" -> "example.com/blog".
 * No scheme, lower-case host without "www.", no default port, percent-decoded path without
 * repeated or trailing slashes, no query or fragment. A bare "host/path" is read as http, so
 * the function is idempotent. Returns null for what is not an http(s) URL.
 */
export function normaliseSite(value) {
  const url = parseHttpUrl(value, { bare: true });
  return url ? normaliseHost(url) + cleanPath(url.pathname) : null;
}

function isTrackingParam(name) {
  const lower = name.toLowerCase();
  return TRACKING_PARAMS.has(lower) || TRACKING_PREFIXES.some((p) => lower.startsWith(p));
}

/**
 * Normalise a page URL into the key of a page that is not a WordPress post:
 * "https://www.Example.com/a/b/?utm_source=x&b=2&a=1#top" -> "example.com/a/b?a=1&b=2".
 * Host and path as in normaliseSite; the fragment and tracking parameters (utm_*, gclid, fbclid,
 * mc_cid, ref, …) go; the rest of the query is decoded, sorted by name then value and encoded
 * again the way the server does (spaces as "+"). Returns null for what is not an http(s) URL.
 */
export function normaliseUrl(value) {
  const url = parseHttpUrl(value);
  if (!url) return null;
  const pairs = [];
  for (const part of url.search.replace(/^\?/, "").split("&")) {
    if (!part) continue;
    const cut = part.indexOf("=");
    const [rawName, rawValue] = cut < 0 ? [part, ""] : [part.slice(0, cut), part.slice(cut + 1)];
    const name = unquote(rawName.replace(/\+/g, " "));
    if (isTrackingParam(name)) continue;
    pairs.push([name, unquote(rawValue.replace(/\+/g, " "))]);
  }
  pairs.sort((a, b) => compareStrings(a[0], b[0]) || compareStrings(a[1], b[1]));
  const query = pairs.map(([name, v]) => `${quotePlus(name)}=${quotePlus(v)}`).join("&");
  return normaliseHost(url) + cleanPath(url.pathname) + (query ? `?${query}` : "");
}

/**
 * Parse an HTTP Link header into [{href, rel: [tokens], type}] (href as written).
 * Handles several links per header, quoted parameters and commas inside <…> or quotes.
 */
export function parseLinkHeader(header) {
  const links = [];
  if (typeof header !== "string") return links;
  const pattern = /<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?)*)/g;
  for (let match = pattern.exec(header); match; match = pattern.exec(header)) {
    const params = {};
    const paramPattern = /;\s*([^;,=\s]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,\s]*)))?/g;
    for (let p = paramPattern.exec(match[2]); p; p = paramPattern.exec(match[2])) {
      const name = p[1].toLowerCase();
      if (name in params) continue; // the first occurrence of a parameter wins (RFC 8288)
      params[name] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
    }
    links.push({
      href: match[1].trim(),
      rel: (params.rel || "").toLowerCase().split(/\s+/).filter(Boolean),
      type: (params.type || "").toLowerCase().trim(),
    });
  }
  return links;
}

function documentLinks(document) {
  return Array.from(document.querySelectorAll("link[rel][href]"), (link) => ({
    href: link.getAttribute("href").trim(),
    rel: link.getAttribute("rel").toLowerCase().split(/\s+/).filter(Boolean),
    type: (link.getAttribute("type") || "").toLowerCase().trim(),
  }));
}

// The site's home from its REST API root: ".../blog/wp-json/", ".../blog/?rest_route=/",
// ".../blog/index.php/wp-json/" or a renamed prefix ".../blog/api/" all give ".../blog".
function siteFromApiRoot(url) {
  const home = new URL(url.href);
  let path = home.pathname;
  if (home.searchParams.has("rest_route")) {
    path = path.replace(/\/index\.php$/, "/");
  } else {
    path = path.replace(/\/+$/, "").replace(/\/[^/]*$/, "").replace(/\/index\.php$/, "");
  }
  home.pathname = path || "/";
  home.search = "";
  home.hash = "";
  return normaliseSite(home.href);
}

// Post id from a REST link: ".../wp/v2/posts/12" or "?rest_route=/wp/v2/posts/12".
function postIdFromRestUrl(url) {
  const route = url.searchParams.get("rest_route") || url.pathname;
  const match = /\/wp\/v2\/([^/]+)\/(\d+)\/?$/.exec(route);
  if (!match || NOT_POST_ROUTES.has(match[1])) return null;
  return Number(match[2]);
}

function shortlinkParts(url) {
  const id = url.searchParams.get("p");
  if (!id || !/^\d+$/.test(id)) return null;
  const home = new URL(url.href);
  home.search = "";
  home.hash = "";
  return { site: normaliseSite(home.href), postId: Number(id) };
}

function bodyClassPostId(document) {
  const body = document.body;
  if (!body || !body.classList) return null;
  for (const name of body.classList) {
    const match = /^(?:postid|page-id)-(\d+)$/.exec(name);
    if (match) return Number(match[1]);
  }
  return null;
}

function articlePostId(document) {
  const ids = new Set();
  for (const article of document.querySelectorAll("article[id]")) {
    const match = /^post-(\d+)$/.exec(article.id);
    if (match) ids.add(Number(match[1]));
  }
  return ids.size === 1 ? [...ids][0] : null;
}

function pageTitle(document) {
  const og = document.querySelector('meta[property="og:title"]');
  const title = (og && og.getAttribute("content")) || document.title || "";
  return title.trim() || null;
}

/**
 * Identify the post a document shows.
 * options.url: the page URL (defaults to document.URL); relative links resolve against it.
 * options.linkHeader: the response's HTTP Link header, if known.
 * Returns {site, post_id, url, key_url, signal, canonical, title}:
 *   site      normalised home of the WordPress (sub)site, or of the page's origin;
 *   post_id   a number, or null when the page is not a WordPress post;
 *   url       the page URL without its fragment;
 *   key_url   normaliseUrl(canonical or url), the key of a page that is not a post;
 *   signal    which signal gave post_id: "rest-link" | "shortlink" | "body-class" |
 *             "article-id", or "url" when there is none;
 *   canonical the absolute canonical URL, or null;  title  og:title or <title>, or null.
 */
export function identifyPost(document, options = {}) {
  const pageUrl = parseHttpUrl(options.url || document.URL || "");
  const base = pageUrl ? pageUrl.href : undefined;
  // The document's own links first; the header carries the same signals for the same page.
  const links = [...documentLinks(document), ...parseLinkHeader(options.linkHeader)]
    .map((link) => ({ ...link, url: parseHttpUrl(link.href, { base }) }))
    .filter((link) => link.url);
  const withRel = (rel) => links.filter((link) => link.rel.includes(rel));

  const apiRoot = withRel(API_REL)[0];
  const shortlinks = withRel("shortlink").map((link) => shortlinkParts(link.url)).filter(Boolean);
  const canonicalLink = withRel("canonical")[0];
  const canonical = canonicalLink ? withoutFragment(canonicalLink.url) : null;

  let site = apiRoot ? siteFromApiRoot(apiRoot.url) : null;
  if (!site && shortlinks.length) site = shortlinks[0].site;
  if (!site && pageUrl) site = normaliseSite(pageUrl.origin);

  let postId = null;
  let signal = "url";
  // An archive page links its term's REST route; only a post's own page names a post.
  const isArchive = Boolean(document.body?.classList?.contains("archive"));
  const restIds = isArchive ? [] : withRel("alternate")
    .filter((link) => link.type === "application/json")
    .map((link) => postIdFromRestUrl(link.url))
    .filter((id) => id !== null);
  if (restIds.length) {
    postId = restIds[0];
    signal = "rest-link";
  } else if (shortlinks.length) {
    postId = shortlinks[0].postId;
    signal = "shortlink";
  } else if ((postId = bodyClassPostId(document)) !== null) {
    signal = "body-class";
  } else if ((postId = articlePostId(document)) !== null) {
    signal = "article-id";
  }

  const url = pageUrl ? withoutFragment(pageUrl) : null;
  return {
    site,
    post_id: postId,
    url,
    key_url: normaliseUrl(canonical || url || ""),
    signal,
    canonical,
    title: pageTitle(document),
  };
}

function withoutFragment(url) {
  const copy = new URL(url.href);
  copy.hash = "";
  return copy.href;
}

/**
 * The post as the server reads and writes it: {site, post_id, url}, plus `title` and
 * `modified_gmt` when known (a create carries them). Takes what identifyPost() returns, a
 * server post or a post already in this shape. A page that is not a WordPress post is named by
 * its canonical URL (else its own): the server normalises it to the same key as `key_url`.
 */
export function wirePost(post) {
  const out = {
    site: post?.site ?? null,
    post_id: post?.post_id ?? null,
    url: (post?.post_id === null || post?.post_id === undefined ? post?.canonical : null) ?? post?.url ?? "",
  };
  if (typeof post?.title === "string") out.title = post.title;
  if (typeof post?.modified_gmt === "string") out.modified_gmt = post.modified_gmt;
  return out;
}

/** The query parameters that name a post in GET /api/annotations and /api/export. */
export function postQuery(post) {
  const wire = wirePost(post);
  return wire.post_id !== null ? { site: wire.site, post_id: wire.post_id } : { url: wire.url };
}

/**
 * The one string that names a post inside the extension (the cache, the queue's overlay, the
 * notebook's groups): "wp:<site>#<post_id>" for a WordPress post, else "url:<normalised URL>".
 * A page's identifyPost() result, its wirePost() and the server's copy of that post give the
 * same string, because normaliseUrl(canonical or url) is the server's key too.
 */
export function groupKey(post) {
  if (!post) return "";
  if (post.post_id !== null && post.post_id !== undefined) return `wp:${post.site}#${post.post_id}`;
  const url = post.canonical ?? post.url ?? "";
  return `url:${post.key_url ?? normaliseUrl(url) ?? url}`;
}
