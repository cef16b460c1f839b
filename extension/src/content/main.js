// The content script's entry point: works out which post the page is, asks the background for its
// annotations, anchors and paints them, and turns what the reader does (select, click a highlight,
// use the sidebar or a keyboard command) into messages to the background.
//
// The page is only ever read, never rewritten (except by the <postil-mark> fallback painter where
// the CSS Highlight API is missing); our UI lives in one Shadow DOM host.

import { identifyPost, normaliseSite, normaliseUrl } from "../post-key/index.js";
import { onMessage, send, storage } from "../shared/browser.js";
import { DEFAULT_SETTINGS } from "../shared/colors.js";
import { TO_BACKGROUND as T, TO_CONTENT, ok } from "../shared/messages.js";
import { anchorSelectors, describeRange, makeAnchorer } from "./anchors.js";
import { createPainter, MARK_TAG, pageIsDark } from "./paint.js";
import { HOST_TAG, PostilUI } from "./ui.js";

const MUTATION_DEBOUNCE_MS = 600;
// How often the address is compared with the last one seen: a page's script can change it
// (History API) without any event a content script hears.
const ADDRESS_POLL_MS = 400;
const HEAD_DEBOUNCE_MS = 150;
// Articles of other posts followed on one page, the first in document order: each costs a
// request on every refresh, and a page could otherwise name thousands to have them fetched.
const MAX_ARTICLES = 20;
const DRAFT_ID = "postil-draft";

export async function start() {
  if (!document.body || !(document instanceof HTMLDocument)) return;
  const page = new Page(currentPost(), await debugOptions());
  await page.init();
  return page;
}

/** The post the document shows now: single-page sites change it without loading a page. */
function currentPost() {
  const post = ownHostOnly(identifyPost(document, { url: location.href, linkHeader: null }));
  const modified = modifiedGmt(document);
  if (modified) post.modified_gmt = modified;
  return post;
}

/** Whether two descriptions name the same post (the server's key: site and post id, or URL). */
function samePost(a, b) {
  if (a.site !== b.site || a.post_id !== b.post_id) return false;
  return a.post_id !== null || a.key_url === b.key_url;
}

/**
 * Whole articles of other posts on a post's page: themes that load the next article in place
 * ("infinite scroll" on single posts) append each in WordPress's `<article id="post-N">`, its
 * text in `.entry-content`. Cards of related posts carry the same id but only an excerpt
 * (`.entry-summary`), and are not taken for the post. Returns post id → element.
 */
function otherArticles(primary) {
  const found = new Map();
  if (primary.post_id === null) return found; // an archive or a plain page: excerpts at most
  for (const element of document.querySelectorAll('[id^="post-"]')) {
    const id = storyId(element, primary);
    if (id === null || found.has(id)) continue;
    found.set(id, element);
    if (found.size >= MAX_ARTICLES) break;
  }
  return found;
}

/** The post id of an element that is a whole article of another post (see otherArticles), or null. */
function storyId(element, primary) {
  const id = Number(/^post-(\d+)$/.exec(element.id)?.[1]);
  if (!Number.isSafeInteger(id) || id < 1 || id === primary.post_id) return null;
  if (element.tagName !== "ARTICLE" && !element.classList.contains(`post-${id}`)) return null;
  if (!element.querySelector(".entry-content") || element.closest("postil-ui")) return null;
  return id;
}

/** The post an appended article shows: the page's site, its id, and what the article says. */
function articlePost(primary, id, element) {
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
 * What automated tests may ask of the on-page UI through the extension's own storage, which no
 * page can write: `debugOpenShadowRoot: true` opens the UI's shadow root (their element locators
 * cannot enter a closed one; open, the page's own scripts could walk the sidebar for the reader's
 * notes), `debugEditorWaitMs` shortens how long the editor's frame may take before the reader
 * is offered to write in the page instead, and `debugEditorFrameSilent: true` makes its answer
 * go unheard, as if it could not load (so that offer and what follows can be tested).
 * `debugAnchoringTimings: true` makes every load of the annotations post to the page's window
 * when they arrived, when all were painted and where each one went (bench/page_anchoring.py).
 */
async function debugOptions() {
  try {
    const got = await storage.get(["debugOpenShadowRoot", "debugEditorWaitMs", "debugEditorFrameSilent",
      "debugAnchoringTimings"]);
    const wait = got.debugEditorWaitMs;
    return { openShadowRoot: got.debugOpenShadowRoot === true,
             frameSilent: got.debugEditorFrameSilent === true,
             anchoringTimings: got.debugAnchoringTimings === true,
             ...(Number.isInteger(wait) && wait >= 0 ? { frameWaitMs: wait } : {}) };
  } catch {
    return {};
  }
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

class Page {
  constructor(post, { openShadowRoot = false, frameWaitMs, frameSilent = false, anchoringTimings = false } = {}) {
    this.post = post;
    this.anchoringTimings = anchoringTimings;
    this.root = document.body;
    // Articles of other posts on this post's page (see otherArticles): post id → {post, root}.
    this.articles = new Map();
    // id → {annotation, range, state: "anchored" | "orphan" | "page", post, article}: `post` is
    // the post it belongs to, `article` the id of the other post's article it is shown in (null:
    // the page's own post).
    this.entries = new Map();
    this.user = null;
    this.status = { text: "Loading…" };
    this.settings = { ...DEFAULT_SETTINGS };
    this.selection = null;
    this.work = Promise.resolve();
    this.painter = createPainter(document);
    this.ui = new PostilUI({
      highlight: (color) => this.highlightSelection(color),
      addNote: () => this.addNote(),
      dismissToolbar: () => this.dismissToolbar(),
      goTo: (id) => this.goTo(id),
      edit: (id) => this.edit(id),
      delete: (id) => this.remove(id),
      discardFailed: (seq) => this.discardFailed(seq),
    }, { openShadowRoot, frameWaitMs, frameSilent });
  }

  async init() {
    this.ui.mount();
    this.ui.setTheme(pageIsDark());
    this.listen();
    this.followNavigation();
    this.findArticles();
    await this.refresh();
    this.observe();
  }

  /** Run page-state changes one after another so a refresh never interleaves with an edit. */
  serial(fn) {
    const run = this.work.then(fn);
    this.work = run.catch((err) => console.warn("Postil:", err));
    return run;
  }

  // ---- Loading and anchoring --------------------------------------------------------------

  /**
   * Load the shown posts' annotations again and anchor what changed. Calls made while one is
   * waiting to run join it (it reads the page's posts when it runs): a page switching its head
   * back and forth cannot queue a request to the server for every switch.
   */
  refresh() {
    if (this.refreshWaiting) return this.refreshWaiting;
    this.refreshWaiting = this.serial(async () => {
      this.refreshWaiting = null;
      const articles = [...this.articles.entries()];
      const [list, status, settings, ...lists] = await Promise.all([
        send(T.LIST_ANNOTATIONS, { post: this.post }),
        send(T.GET_STATUS, { probe: false }),
        send(T.GET_SETTINGS),
        ...articles.map(([, article]) => send(T.LIST_ANNOTATIONS, { post: article.post })),
      ]);
      const arrived = performance.now();
      if (settings.ok) this.settings = { ...this.settings, ...settings.value };
      if (!list.ok) {
        this.status = { text: `Postil cannot load annotations: ${list.error.message}`, offline: true };
        this.render();
        return;
      }
      const { items, user, online, signedIn, error } = list.value;
      this.user = user;
      // The page's post is anchored in the whole page; another post's article in itself. An
      // article whose list did not come keeps what it showed.
      const batches = [{ article: null, post: this.post, root: this.root, items },
        ...articles.map(([id, article], i) => ({ article: id, post: article.post, root: article.root, items: lists[i].ok ? lists[i].value.items : null }))];
      const seen = new Set();
      const kept = new Set(batches.filter((b) => b.items === null).map((b) => b.article));
      for (const batch of batches) {
        if (batch.items === null) continue;
        // Indexing the text costs a walk of it: only when something needs it.
        let anchorer = null;
        const lazyAnchorer = () => (anchorer ??= makeAnchorer(batch.root));
        for (const item of batch.items) {
          seen.add(item.id);
          const annotation = this.decorate(item, batch.article === null ? null : batch.post);
          const entry = this.entries.get(item.id);
          const inPlace = entry?.state === "page" || (entry?.state === "anchored" && !entry.range.collapsed && batch.root.contains(entry.range.commonAncestorContainer));
          if (entry && entry.article === batch.article && inPlace && sameSelectors(entry.annotation, annotation)) {
            const recolour = entry.annotation.color !== annotation.color;
            entry.annotation = { ...annotation, approximate: entry.annotation.approximate };
            if (recolour && entry.state === "anchored") this.paint(entry);
            continue;
          }
          if (entry) this.unpaint(entry);
          await this.place({ annotation, range: null, state: "orphan", post: batch.post, article: batch.article }, lazyAnchorer());
        }
      }
      for (const [id, entry] of this.entries) {
        if (!seen.has(id) && !kept.has(entry.article)) {
          this.unpaint(entry);
          this.entries.delete(id);
        }
      }
      this.status = this.describeStatus({ online, signedIn, user, error, status: status.ok ? status.value : null });
      this.render();
      if (this.anchoringTimings) this.reportTimings(arrived, performance.now());
    });
    return this.refreshWaiting;
  }

  /** Tell the page (a benchmark's script) how long placing the annotations took, and where each went. */
  reportTimings(arrived, painted) {
    const entries = [...this.entries.values()].map((e) => ({ id: e.annotation.id, state: e.state,
      method: e.method ?? null, text: e.state === "anchored" ? String(this.painter.rangeOf(e.annotation.id) ?? "") : null }));
    window.postMessage({ postilDebug: "anchoring", arrived, painted, entries }, location.origin);
  }

  /** An annotation as the sidebar and card show it; `story`: the other post whose article it is in. */
  decorate(item, story = null) {
    const out = { ...item, own: Boolean(item.pending || item.failed || (this.user && item.user === this.user)) };
    if (story) out.story = story.title || `post ${story.post_id}`;
    return out;
  }

  /**
   * Anchor one annotation and paint it if found; the entry is stored either way. The fallback
   * painter splits text nodes, which would strand ranges anchored earlier in the same batch, so
   * with it every annotation is anchored against the page as it is after the previous paint.
   */
  async place(entry, anchorer) {
    this.entries.set(entry.annotation.id, entry);
    if (this.painter.kind === "marks") anchorer.refresh();
    const { range, method } = await anchorSelectors(anchorer, entry.annotation.selectors);
    entry.method = method;
    // A fuzzy match may be slightly off; the sidebar says so rather than pretending.
    entry.annotation = { ...entry.annotation, approximate: method === "fuzzy" };
    if (!entry.annotation.selectors?.length) entry.state = "page";
    else if (range && entry.article === null && this.articleAt(range.commonAncestorContainer) !== null) {
      // The page's own post is not in the story loaded below it.
      entry.state = "orphan";
      entry.range = null;
    } else if (range) {
      entry.state = "anchored";
      entry.range = range;
      this.paint(entry);
    } else entry.state = "orphan";
  }

  paint(entry) {
    try {
      this.painter.paint(entry.annotation.id, entry.range, entry.annotation.color);
    } catch (err) {
      console.warn("Postil: painting failed", err);
    }
    // Our own painting is not "the page added content".
    this.observer?.takeRecords();
  }

  unpaint(entry) {
    this.painter.unpaint(entry.annotation.id);
    this.observer?.takeRecords();
  }

  describeStatus({ online, signedIn, user, error, status }) {
    const queued = status?.queued ?? 0;
    const problems = (status?.failed ?? []).map((f) => ({
      seq: f.seq,
      text: `The server refused a change${f.quote ? ` to “${f.quote.slice(0, 40)}”` : ""}: ${f.error?.message ?? "unknown error"}`,
    }));
    const waiting = queued ? ` ${queued} change${queued === 1 ? "" : "s"} waiting to sync.` : "";
    if (!signedIn) return { text: `Not signed in: open Postil's options to sign in. Your highlights are kept in this browser until then.${waiting}`, offline: true, problems };
    if (!online && error?.kind === "unauthorized") {
      return { text: `The server no longer accepts your sign-in: sign in again on Postil's options page.${waiting}`, offline: true, problems };
    }
    if (!online) return { text: `Server unreachable: showing the last known copy.${waiting}`, offline: true, problems };
    return { text: `Signed in as ${user}.${waiting}`, offline: false, problems };
  }

  /**
   * What the sidebar lists: every annotation of the page's post, and of the other posts whose
   * articles the page shows only those found in them (their page notes and lost passages belong
   * on their own pages).
   */
  shownEntries() {
    return [...this.entries.values()].filter((e) => e.article === null || e.state === "anchored");
  }

  /** Group entries for the sidebar: page notes, anchored in document order, orphans. */
  render() {
    const anchored = [];
    const pageNotes = [];
    const orphans = [];
    for (const entry of this.shownEntries()) {
      if (entry.state === "page") pageNotes.push(entry.annotation);
      else if (entry.state === "orphan") orphans.push(entry.annotation);
      else anchored.push(entry);
    }
    anchored.sort((a, b) => compareRanges(this.painter.rangeOf(a.annotation.id), this.painter.rangeOf(b.annotation.id)));
    this.ui.renderSidebar({ anchored: anchored.map((e) => e.annotation), pageNotes, orphans }, this.status);
  }

  // ---- Another post without a page load -------------------------------------------------

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
    setInterval(() => {
      if (location.href !== this.address) this.checkPost();
    }, ADDRESS_POLL_MS);
    window.addEventListener("popstate", () => this.checkPost());
    if (!document.head) return;
    let timer = null;
    new MutationObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => this.checkPost(), HEAD_DEBOUNCE_MS);
    }).observe(document.head, { childList: true, subtree: true, attributes: true,
                                 attributeFilter: ["href", "rel", "content"] });
  }

  /** Read again which post the document shows; when it is another one, show its annotations. */
  checkPost() {
    this.address = location.href;
    const post = currentPost();
    // The same key at a new address is kept as it was: a theme that loads the next article in
    // place changes the address but often not the head, and that address is not this post's
    // (its article is found by findArticles instead).
    if (samePost(post, this.post)) return;
    // A page whose only signal was its one `article#post-N` has two once the next story is
    // appended, and then names no post: it is still the post whose article is there.
    if (this.post.signal === "article-id" && post.post_id === null && post.site === this.post.site
        && document.getElementById(`post-${this.post.post_id}`)) return;
    this.post = post;
    this.articles = new Map();
    this.findArticles();
    // A selection made in the new article stays, and its toolbar with it: it is already this
    // post's. A note card shows one of the last post's annotations.
    this.ui.closeCard();
    this.serial(() => {
      for (const entry of this.entries.values()) this.unpaint(entry);
      this.entries.clear();
      this.status = { text: "Loading…" };
      this.render();
    });
    // Not joined to a refresh already waiting: that one runs before the clearing above.
    this.refreshWaiting = null;
    this.refresh();
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
    if (!best && !refused && this.post.post_id !== null) {
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

  // ---- Late content -----------------------------------------------------------------------

  observe() {
    let timer = null;
    this.observer = new MutationObserver((records) => {
      if (!records.some((r) => !isOurs(r))) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        // A new article of another post (the next story loaded in place) brings its annotations.
        if (this.findArticles()) this.refresh();
        else this.retryOrphans();
      }, MUTATION_DEBOUNCE_MS);
    });
    this.observer.observe(this.root, { childList: true, subtree: true, characterData: true });
  }

  /** The page added content: try again to place the annotations that had no passage, only those. */
  retryOrphans() {
    return this.serial(async () => {
      let placed = 0;
      const orphans = [...this.entries.values()].filter((e) => e.state === "orphan");
      if (!orphans.length) return;
      const anchorers = new Map();
      for (const entry of orphans) {
        const root = this.rootOf(entry);
        if (!root) continue;
        if (!anchorers.has(root)) anchorers.set(root, makeAnchorer(root));
        await this.place(entry, anchorers.get(root));
        if (entry.state === "anchored") placed += 1;
      }
      if (placed) this.render();
    });
  }

  // ---- What the reader does ---------------------------------------------------------------

  listen() {
    const check = () => setTimeout(() => this.checkSelection(), 0);
    document.addEventListener("mouseup", (event) => {
      if (!this.fromUI(event)) check();
    });
    document.addEventListener("keyup", (event) => {
      if (!this.fromUI(event)) check();
    });
    document.addEventListener("selectionchange", () => {
      const selection = document.getSelection();
      // A keyboard reader in the toolbar still acts on the saved selection.
      if ((!selection || selection.isCollapsed) && !this.ui.toolbarHasFocus()) this.ui.hideToolbar();
    });
    // Keyboard readers: with text selected (Shift+arrows, caret browsing) and the toolbar showing,
    // Tab moves into the toolbar, where Tab walks its buttons; Escape dismisses it.
    document.addEventListener("keydown", (event) => {
      if (this.ui.toolbar.hidden || this.fromUI(event)) return;
      const plainTab = event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
      if (plainTab && this.selection) {
        event.preventDefault();
        this.ui.focusToolbar();
      } else if (event.key === "Escape") {
        this.dismissToolbar();
      }
    });
    document.addEventListener("click", (event) => this.onClick(event));
    // Fallback marks are focusable; Enter on one opens its note like a click does.
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || this.fromUI(event)) return;
      const mark = event.target?.closest?.(`${MARK_TAG}[data-postil-id]`);
      const entry = mark && this.entries.get(mark.dataset.postilId);
      if (!entry) return;
      event.preventDefault();
      const rect = mark.getBoundingClientRect();
      this.ui.showCard(entry.annotation, rect.left + rect.width / 2, rect.bottom);
    });
    // The toolbar follows its selection while the page scrolls.
    window.addEventListener("scroll", () => {
      if (this.selection && !this.ui.toolbar.hidden) this.ui.showToolbar(this.selection.getBoundingClientRect());
    }, { passive: true });
    onMessage(async (message) => {
      switch (message.type) {
        case TO_CONTENT.TOGGLE_SIDEBAR:
          this.ui.toggleSidebar();
          return ok(this.ui.sidebarOpen);
        case TO_CONTENT.OPEN_SIDEBAR:
          this.ui.toggleSidebar(true);
          return ok(true);
        case TO_CONTENT.HIGHLIGHT_SELECTION:
          this.checkSelection();
          await this.highlightSelection(this.settings.defaultColor);
          return ok(true);
        case TO_CONTENT.ANNOTATIONS_CHANGED:
          await this.refresh();
          return ok(true);
        case TO_CONTENT.GET_PAGE_POST:
          return ok({ post: this.post, ...this.counts() });
        default:
          return undefined;
      }
    });
  }

  counts() {
    const all = this.shownEntries();
    return {
      shown: all.length,
      orphans: all.filter((e) => e.state === "orphan").length,
      pending: all.filter((e) => e.annotation.pending).length,
    };
  }

  fromUI(event) {
    return event.composedPath().includes(this.ui.host);
  }

  checkSelection() {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) {
      this.ui.hideToolbar();
      return;
    }
    const range = selection.getRangeAt(0);
    const container = range.commonAncestorContainer;
    const element = container.nodeType === Node.ELEMENT_NODE ? container : container.parentElement;
    const editable = element?.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']");
    if (!this.root.contains(container) || editable || !range.toString().trim()) {
      this.ui.hideToolbar();
      return;
    }
    // Escape dismissed the toolbar for this very selection: the key's own keyup must not bring it back.
    if (this.dismissed && sameRange(this.dismissed, range)) return;
    this.dismissed = null;
    this.selection = range.cloneRange();
    this.ui.showToolbar(range.getBoundingClientRect());
  }

  dismissToolbar() {
    this.dismissed = this.selection;
    this.selection = null;
    this.ui.hideToolbar();
  }

  takeSelection() {
    const selection = document.getSelection();
    let range = this.selection;
    if (selection && !selection.isCollapsed && selection.rangeCount) range = selection.getRangeAt(0).cloneRange();
    this.selection = null;
    this.ui.hideToolbar();
    if (!range || range.collapsed || !range.toString().trim()) return null;
    return range;
  }

  async highlightSelection(color) {
    const range = this.takeSelection();
    this.lookAround();
    if (!range) {
      this.ui.announce("Select some text first.");
      return;
    }
    const where = this.whereIs(range);
    if (where.refused) {
      this.ui.announce(where.refused);
      return;
    }
    document.getSelection()?.removeAllRanges();
    await this.create(range, { color, note: "", tags: [], visibility: this.settings.defaultVisibility }, where);
  }

  /** Before a highlight or note: is this still the same post, with the same other articles? */
  lookAround() {
    this.checkPost();
    if (this.findArticles()) this.refresh();
  }

  addNote() {
    const range = this.takeSelection();
    this.lookAround();
    if (!range) return;
    // Where it belongs is decided now: the note stays with this post and passage even if the
    // page shows another post by the time it is saved.
    const where = this.whereIs(range);
    if (where.refused) {
      this.ui.announce(where.refused);
      return;
    }
    document.getSelection()?.removeAllRanges();
    const quote = range.toString();
    const described = new Promise((resolve) => resolve(describeRange(where.root, range)));
    described.catch(() => {}); // a failure is reported when the note is saved
    // The selection is gone once focus moves to the editor; mark the passage meanwhile so the
    // reader still sees what the note is about. Not with the fallback painter: its marks would
    // split the text nodes this range points into.
    const draft = this.painter.kind === "css-highlight";
    if (draft) this.painter.paint(DRAFT_ID, range.cloneRange(), this.settings.defaultColor);
    const clearDraft = () => draft && this.painter.unpaint(DRAFT_ID);
    this.ui.openEditor({
      title: "New note",
      quote,
      values: { note: "", tags: [], color: this.settings.defaultColor, visibility: this.settings.defaultVisibility },
      onColor: (color) => draft && this.painter.paint(DRAFT_ID, range.cloneRange(), color),
      onSave: (values) => {
        clearDraft();
        return this.create(range, values, { post: where.post, root: where.root, article: where.article, described, quote });
      },
      onCancel: clearDraft,
    });
  }

  create(range, values, { post, root, article, described = null, quote = range.toString() }) {
    return this.serial(async () => {
      const selectors = await (described ?? describeRange(root, range));
      const reply = await send(T.CREATE_ANNOTATION, {
        annotation: { post, quote, selectors, ...values },
      });
      if (!reply.ok) {
        this.ui.announce(`Could not save the highlight: ${reply.error.message}`);
        return;
      }
      // A note is saved a while after it was begun: is its post still shown?
      this.lookAround();
      const shown = article === null ? this.post : this.articles.get(article)?.post;
      if (!shown || !samePost(post, shown)) {
        // Saved with the post it was written on; the page shows another one now.
        this.ui.announce("Saved.");
        return;
      }
      const annotation = this.decorate({ ...reply.value, pending: true }, article === null ? null : post);
      const entry = { annotation, range, state: "anchored", post, article };
      if (range.collapsed || !range.commonAncestorContainer.isConnected) {
        // The passage's text was replaced meanwhile (the site showed another post and came
        // back): find it again from what was described.
        entry.range = null;
        entry.state = "orphan";
        const root = this.rootOf(entry);
        if (root) await this.place(entry, makeAnchorer(root));
        else this.entries.set(entry.annotation.id, entry);
      } else {
        this.entries.set(entry.annotation.id, entry);
        this.paint(entry);
      }
      this.render();
      this.ui.announce("Highlighted.");
    });
  }

  edit(id) {
    const entry = this.entries.get(id);
    if (!entry) return;
    const a = entry.annotation;
    this.ui.openEditor({
      title: "Edit note",
      quote: a.quote,
      values: { note: a.note, tags: a.tags, color: a.color, visibility: a.visibility },
      onSave: (values) => this.serial(async () => {
        const reply = await send(T.UPDATE_ANNOTATION, { id, post: entry.post, changes: values });
        if (!reply.ok) {
          this.ui.announce(`Could not save: ${reply.error.message}`);
          return;
        }
        if (this.entries.get(id) !== entry) {
          // The page shows another post now: saved, nothing here to repaint.
          this.ui.announce("Saved.");
          return;
        }
        const noteChanged = values.note !== a.note;
        entry.annotation = { ...a, ...values, note_html: noteChanged ? null : a.note_html, pending: true };
        if (entry.state === "anchored" && values.color !== a.color) this.paint(entry);
        this.render();
        this.ui.announce("Saved.");
      }),
    });
  }

  remove(id) {
    // The entry the reader pressed Delete on, even if the page moves on to another post first.
    const entry = this.entries.get(id);
    if (!entry) return Promise.resolve();
    return this.serial(async () => {
      const reply = await send(T.DELETE_ANNOTATION, { id, post: entry.post });
      if (!reply.ok) {
        this.ui.announce(`Could not delete: ${reply.error.message}`);
        return;
      }
      if (this.entries.get(id) === entry) {
        this.unpaint(entry);
        this.entries.delete(id);
      }
      this.render();
      this.ui.announce("Deleted.");
    });
  }

  async discardFailed(seq) {
    await send(T.DISCARD_FAILED, { seq });
    await this.refresh();
  }

  goTo(id) {
    const range = this.painter.rangeOf(id);
    if (!range) return;
    const rect = range.getBoundingClientRect();
    window.scrollTo({ top: window.scrollY + rect.top - window.innerHeight / 3, behavior: "instant" });
    this.painter.flash(id);
  }

  onClick(event) {
    if (this.fromUI(event)) return;
    const selection = document.getSelection();
    if (selection && !selection.isCollapsed) return;
    const id = this.painter.hitTest(event.clientX, event.clientY, event.target);
    const entry = id && this.entries.get(id);
    if (!entry) {
      this.ui.closeCard();
      return;
    }
    this.ui.showCard(entry.annotation, event.clientX, event.clientY);
    if (this.ui.sidebarOpen) this.ui.showItem(id);
  }
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

function sameSelectors(a, b) {
  return JSON.stringify(a.selectors ?? []) === JSON.stringify(b.selectors ?? []);
}

function compareRanges(a, b) {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  try {
    return a.compareBoundaryPoints(Range.START_TO_START, b);
  } catch {
    return 0;
  }
}

/** Whether a mutation record is Postil's own doing (our UI host or fallback marks). */
function isOurs(record) {
  const nodes = [...record.addedNodes, ...record.removedNodes];
  if (record.type === "childList" && nodes.length && nodes.every((n) => n.nodeName === HOST_TAG.toUpperCase() || n.nodeName === MARK_TAG.toUpperCase())) return true;
  const target = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
  return Boolean(target?.closest?.(`${HOST_TAG}, ${MARK_TAG}`));
}

function sameRange(a, b) {
  return a.startContainer === b.startContainer && a.startOffset === b.startOffset &&
    a.endContainer === b.endContainer && a.endOffset === b.endOffset;
}
