// Which posts the page shows: the page's own post (its key, read from the document by
// src/post-key/ and believed only about this page's host) and the whole articles of other
// posts a theme appends below it. The rest of the content script reads a post's fields only
// through this module, so a change of the post key's shape is made here.

import { groupKey, identifyPost, normaliseSite, normaliseUrl } from "../post-key/index.js";

// Articles of other posts followed on one page, the first in document order: each costs a
// request on every refresh, and a page could otherwise name thousands to have them fetched.
export const MAX_ARTICLES = 20;

/** The post the document shows now: single-page sites change it without loading a page. */
export function currentPost() {
  const post = ownHostOnly(identifyPost(document, { url: location.href, linkHeader: null }));
  const modified = modifiedGmt(document);
  if (modified) post.modified_gmt = modified;
  return post;
}

/** The one string naming a post inside the extension (post-key's groupKey): live updates say which posts changed by it. */
export function postKey(post) {
  return groupKey(post);
}

/** Whether two descriptions name the same post (the server's key: site and post id, or URL). */
export function samePost(a, b) {
  return groupKey(a) === groupKey(b);
}

/** Whether the post is a WordPress post (it has a post id), not a page keyed by its URL. */
export function isWordPressPost(post) {
  return post.post_id !== null;
}

/** How the sidebar names another post whose article the page shows. */
export function storyName(post) {
  return post.title || `post ${post.post_id}`;
}

/**
 * Whether the document still shows `known` although it now reads as `read`: a page whose only
 * signal was its one `article#post-N` has two once the next story is appended, and then names
 * no post; it is still the post whose article is there.
 */
export function stillShowsArticlePost(known, read) {
  return known.signal === "article-id" && read.post_id === null && read.site === known.site &&
    Boolean(document.getElementById(`post-${known.post_id}`));
}

/**
 * Whole articles of other posts on a post's page: themes that load the next article in place
 * ("infinite scroll" on single posts) append each in WordPress's `<article id="post-N">`, its
 * text in `.entry-content`. Cards of related posts carry the same id but only an excerpt
 * (`.entry-summary`), and are not taken for the post. Returns post id → element.
 */
export function otherArticles(primary) {
  const found = new Map();
  if (!isWordPressPost(primary)) return found; // an archive or a plain page: excerpts at most
  for (const element of document.querySelectorAll('[id^="post-"]')) {
    const id = storyId(element, primary);
    if (id === null || found.has(id)) continue;
    found.set(id, element);
    if (found.size >= MAX_ARTICLES) break;
  }
  return found;
}

/** The post id of an element that is a whole article of another post (see otherArticles), or null. */
export function storyId(element, primary) {
  const id = Number(/^post-(\d+)$/.exec(element.id)?.[1]);
  if (!Number.isSafeInteger(id) || id < 1 || id === primary.post_id) return null;
  if (element.tagName !== "ARTICLE" && !element.classList.contains(`post-${id}`)) return null;
  if (!element.querySelector(".entry-content") || element.closest("postil-ui")) return null;
  return id;
}

/** The post an appended article shows: the page's site, its id, and what the article says. */
export function articlePost(primary, id, element) {
  const heading = element.querySelector(".entry-title, h1, h2");
  const link = element.querySelector('a[rel~="bookmark"]')?.href;
  let url = null;
  try {
    if (link && new URL(link).origin === location.origin) url = new URL(link).href.split("#")[0];
  } catch {
    url = null;
  }
  const title = heading?.textContent.trim().replace(/\s+/g, " ").slice(0, 300) || null;
  return { site: primary.site, post_id: id, url, key_url: null, signal: "article-id",
           canonical: null, title };
}

/**
 * Believe the page's links only about its own host. Any page can link another site's REST root,
 * shortlink or canonical URL; taken at its word, a page anywhere was shown (in the sidebar its
 * scripts can read) the reader's private annotations of whatever post it named.
 */
function ownHostOnly(post) {
  const own = normaliseSite(location.origin);
  const host = (site) => String(site ?? "").split("/")[0];
  const out = { ...post };
  if (out.canonical && normaliseSite(new URL(out.canonical).origin) !== own) {
    out.canonical = null;
    out.key_url = normaliseUrl(out.url || "");
  }
  if (host(out.site) !== own) Object.assign(out, { site: own, post_id: null, signal: "url" });
  return out;
}

/**
 * The post's last-modified time as WordPress's `modified_gmt` ("YYYY-MM-DDTHH:MM:SS", UTC), from
 * the `article:modified_time` meta most WordPress SEO plugins print; it tells the server (and so
 * every reader) that the text may have moved since a passage was highlighted.
 */
function modifiedGmt(doc) {
  const value = doc.querySelector('meta[property="article:modified_time"]')?.getAttribute("content");
  const time = value ? new Date(value) : null;
  return time && !Number.isNaN(time.getTime()) ? time.toISOString().slice(0, 19) : null;
}
