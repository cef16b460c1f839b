// The page over time: which post it shows now and which other posts' articles it follows.
// Single-page sites change the post without a page load, themes append the next story below
// the first, and pages add content late; this module notices each and says so through its
// hooks (the post changed, the articles changed, content was added). It also answers where a
// passage belongs: in the page's post, or in the followed article of another post.

import {
  articlePost, currentPost, isWordPressPost, MAX_ARTICLES, otherArticles, samePost,
  stillShowsArticlePost, storyId,
} from "./post-identity.js";
import { MARK_TAG } from "./paint.js";
import { HOST_TAG } from "./ui.js";

const MUTATION_DEBOUNCE_MS = 600;
// How often the address is compared with the last one seen: a page's script can change it
// (History API) without any event a content script hears.
const ADDRESS_POLL_MS = 400;
const HEAD_DEBOUNCE_MS = 150;

export class PageLifecycle {
  /**
   * hooks.postChanged(): the page shows another post now (its annotations must replace the
   * last one's); hooks.articlesChanged(): other posts' articles came or went;
   * hooks.contentAdded(): the page added content of its own.
   */
  constructor(post, hooks) {
    this.post = post;
    this.root = document.body;
    // Articles of other posts on this post's page (see otherArticles): post id → {post, root}.
    this.articles = new Map();
    this.hooks = hooks;
    this.observer = null;
  }

  start() {
    this.followNavigation();
    this.findArticles();
  }

  /**
   * Single-page sites (a headless WordPress front end, a theme that loads the next article in
   * place) show another post without a page load: a script changes the address through the
   * History API and rewrites the head's links and the article. Highlights made after that belong
   * to the post now shown, and its annotations replace the last one's. The address is compared
   * every ADDRESS_POLL_MS and on back/forward; the head is watched because a site may name the
   * new post there only after changing the address; and a highlight or note checks first.
   */
  followNavigation() {
    this.address = location.href;
    this.poll = setInterval(() => {
      if (location.href !== this.address) this.checkPost();
    }, ADDRESS_POLL_MS);
    window.addEventListener("popstate", () => this.checkPost());
    if (!document.head) return;
    let timer = null;
    this.headObserver = new MutationObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => this.checkPost(), HEAD_DEBOUNCE_MS);
    });
    this.headObserver.observe(document.head, { childList: true, subtree: true, attributes: true,
                                 attributeFilter: ["href", "rel", "content"] });
  }

  /** Read again which post the document shows; when it is another one, say so. */
  checkPost() {
    this.address = location.href;
    const post = currentPost();
    // The same key at a new address is kept as it was: a theme that loads the next article in
    // place changes the address but often not the head, and that address is not this post's
    // (its article is found by findArticles instead).
    if (samePost(post, this.post) || stillShowsArticlePost(this.post, post)) return;
    this.post = post;
    this.articles = new Map();
    this.findArticles();
    this.hooks.postChanged();
  }

  /** Look again for articles of other posts on the page (otherArticles); true if they changed. */
  findArticles() {
    const found = otherArticles(this.post);
    let changed = found.size !== this.articles.size;
    for (const [id, root] of found) if (this.articles.get(id)?.root !== root) changed = true;
    if (!changed) return false;
    const next = new Map();
    for (const [id, root] of found) {
      const known = this.articles.get(id);
      next.set(id, known?.root === root ? known : { post: articlePost(this.post, id, root), root });
    }
    this.articles = next;
    return true;
  }

  /** Before a highlight or note: is this still the same post, with the same other articles? */
  lookAround() {
    this.checkPost();
    if (this.findArticles()) this.hooks.articlesChanged();
  }

  /**
   * Where a passage belongs: the (innermost) article of another post it lies in, else the page's
   * post. `refused` says why it belongs to no one post: it runs into or out of such an article,
   * or lies in a story past the ones followed (MAX_ARTICLES).
   */
  whereIs(range) {
    const node = range.commonAncestorContainer;
    const id = this.articleAt(node);
    const best = id === null ? null : { article: id, post: this.articles.get(id).post, root: this.articles.get(id).root };
    let refused = null;
    if ([...this.articles.values()].some((a) => !a.root.contains(node) && range.intersectsNode(a.root))) {
      refused = "Select text within one story: this passage runs into another post's.";
    }
    if (!best && !refused && isWordPressPost(this.post)) {
      for (let el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement; el; el = el.parentElement) {
        if (storyId(el, this.post) !== null) {
          refused = `Postil follows the first ${MAX_ARTICLES} stories on a page: open this one on its own page to highlight it.`;
          break;
        }
      }
    }
    return { ...(best ?? { article: null, post: this.post, root: this.root }), refused };
  }

  /** The followed article of another post (innermost) that `node` lies in: its post id, or null. */
  articleAt(node) {
    let best = null;
    for (const [id, article] of this.articles) {
      if (article.root.contains(node) && (best === null || this.articles.get(best).root.contains(article.root))) best = id;
    }
    return best;
  }

  /** The element an entry's passage is looked for in, or null once its article is gone. */
  rootOf(entry) {
    return entry.article === null ? this.root : this.articles.get(entry.article)?.root ?? null;
  }

  /** The post shown in an entry's place now: the page's, or its article's (null once gone). */
  postShownAt(article) {
    return article === null ? this.post : this.articles.get(article)?.post ?? null;
  }

  /** Watch for content the page adds late: a new article of another post, or more text. */
  observe() {
    let timer = null;
    this.observer = new MutationObserver((records) => {
      if (!records.some((r) => !isOurs(r))) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        // A new article of another post (the next story loaded in place) brings its annotations.
        if (this.findArticles()) this.hooks.articlesChanged();
        else this.hooks.contentAdded();
      }, MUTATION_DEBOUNCE_MS);
    });
    this.observer.observe(this.root, { childList: true, subtree: true, characterData: true });
  }

  /** Stop following the page (its host leaves it: see hosts.js). */
  stop() {
    clearInterval(this.poll);
    this.headObserver?.disconnect();
    this.observer?.disconnect();
    this.hooks = { postChanged() {}, articlesChanged() {}, contentAdded() {} };
  }

  /** Forget the changes seen so far: they were our own painting, not "the page added content". */
  ignoreOwnChanges() {
    this.observer?.takeRecords();
  }
}

/** Whether a mutation record is Postil's own doing (our UI host or fallback marks). */
function isOurs(record) {
  const nodes = [...record.addedNodes, ...record.removedNodes];
  if (record.type === "childList" && nodes.length && nodes.every((n) => n.nodeName === HOST_TAG.toUpperCase() || n.nodeName === MARK_TAG.toUpperCase())) return true;
  const target = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
  return Boolean(target?.closest?.(`${HOST_TAG}, ${MARK_TAG}`));
}
