// Anchoring and painting: the page's annotations as entries (where each one is, or that it is
// an orphan or a page note), placed a batch at a time and painted, and the answers the rest of
// the content script asks of them (which to list, in what order, which is under the pointer).
//
// A batch is anchored in one pass over one index of its root's text, then painted; indexing,
// anchoring and painting give the page its main thread back every SLICE_MS, so a page stays
// responsive while a thousand highlights go on.

import { withheldMark } from "../shared/moderation.js";
import { compareReadingOrder } from "../shared/reading-order.js";
import { anchorBatch, anchorSelectors, makeAnchorer } from "./anchors.js";
import { createPainter } from "./paint.js";

// Longest stretch of indexing, anchoring or painting before the page gets its thread back: well
// under the 50 ms after which a page feels stuck, as a busy machine can stretch each several
// times over (bench/page_anchoring.py).
const SLICE_MS = 10;
const DRAFT_ID = "postil-draft";

/**
 * Give the page's own work a turn: continue in a new task, queued behind the page's. A posted
 * message, not setTimeout(0), which waits at least 4 ms once nested; not scheduler.yield(),
 * whose continuation runs ahead of the page's own tasks, which then wait as long as without it.
 */
function yieldToPage() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * How long work may hold the page's thread and how it gives it back ({sliceMs, pause}), and
 * a measure of each stretch of work between turns given back, from now until done(),
 * reporting each one's length to `slice(ms)`.
 */
export function measuredPacing(slice) {
  let since = performance.now();
  return {
    sliceMs: SLICE_MS,
    async pause() {
      slice(performance.now() - since);
      await yieldToPage();
      since = performance.now();
    },
    done() {
      slice(performance.now() - since);
    },
  };
}

export class Highlights {
  /**
   * hooks.painted(): our own painting changed the page (not "the page added content");
   * hooks.articleAt(node): the followed article of another post a node lies in, or null.
   */
  constructor(hooks, { paintName = "postil" } = {}) {
    this.hooks = hooks;
    this.painter = createPainter(document, { name: paintName });
    // id → {annotation, range, state: "anchored" | "orphan" | "page", post, article, method}:
    // `post` is the post it belongs to, `article` the id of the other post's article it is
    // shown in (null: the page's own post).
    this.entries = new Map();
    this.longestSliceMs = 0;
    // Time spent anchoring and painting, turns given back included (debugAnchoringTimings).
    this.spent = { anchorMs: 0, paintMs: 0 };
  }

  get(id) {
    return this.entries.get(id);
  }

  /**
   * Show the lists of annotations the background sent: batches [{article, post, root, items}]
   * (items already as the sidebar shows them; null: that list did not come, keep what it
   * showed). An entry whose passage and place are unchanged keeps its paint; the others are
   * anchored again, each batch in one pass; entries no list has any more are removed.
   */
  async update(batches) {
    const seen = new Set();
    const kept = new Set(batches.filter((b) => b.items === null).map((b) => b.article));
    for (const batch of batches) {
      if (batch.items === null) continue;
      for (const annotation of batch.items) seen.add(annotation.id);
      await this.upsert(batch);
    }
    for (const [id, entry] of this.entries) {
      if (!seen.has(id) && !kept.has(entry.article)) {
        this.unpaint(entry);
        this.entries.delete(id);
      }
    }
  }

  /**
   * Show these annotations of one batch ({article, post, root, items}) as they are now, leaving
   * the others as they are (a live update names only what changed): one whose passage and place
   * are unchanged keeps its paint (repainted for a new colour or note), the others are anchored
   * in one pass.
   */
  async upsert(batch) {
    const toPlace = [];
    for (const annotation of batch.items) {
      const entry = this.entries.get(annotation.id);
      const inPlace = entry?.state === "page" || (entry?.state === "anchored" && !entry.range.collapsed && batch.root.contains(entry.range.commonAncestorContainer));
      const same = entry && Boolean(entry.annotation.deleted) === Boolean(annotation.deleted);
      if (same && entry.article === batch.article && inPlace && sameSelectors(entry.annotation, annotation)) {
        const recolour = entry.annotation.color !== annotation.color || hasNote(entry.annotation) !== hasNote(annotation)
          || isWithheld(entry.annotation) !== isWithheld(annotation);
        entry.annotation = { ...annotation, approximate: entry.annotation.approximate };
        if (recolour && entry.state === "anchored" && !annotation.deleted) this.paint(entry);
        continue;
      }
      if (entry) this.unpaint(entry);
      const fresh = { annotation, range: null, state: "orphan", post: batch.post, article: batch.article };
      this.entries.set(annotation.id, fresh);
      toPlace.push(fresh);
    }
    await this.placeAll(batch.root, toPlace);
  }

  /**
   * The page added content: try again to place the entries that had no passage, only those,
   * each root's in one batch. `rootOf(entry)`: where its passage is looked for (null: gone).
   * Returns how many were placed.
   */
  async retryOrphans(rootOf) {
    const byRoot = new Map();
    for (const entry of this.entries.values()) {
      if (entry.state !== "orphan") continue;
      const root = rootOf(entry);
      if (!root) continue;
      if (!byRoot.has(root)) byRoot.set(root, []);
      byRoot.get(root).push(entry);
    }
    let placed = 0;
    for (const [root, entries] of byRoot) {
      await this.placeAll(root, entries);
      placed += entries.filter((e) => e.state === "anchored").length;
    }
    return placed;
  }

  /** Anchor entries (already stored) in `root` in one batch, then paint those found. */
  async placeAll(root, entries) {
    if (!entries.length) return;
    const started = performance.now();
    const pacing = measuredPacing((ms) => this.noteSlice(ms));
    const found = await anchorBatch(root, entries.map((e) => e.annotation.selectors), pacing);
    pacing.done();
    this.spent.anchorMs += performance.now() - started;
    const toPaint = [];
    entries.forEach((entry, i) => {
      if (this.entries.get(entry.annotation.id) !== entry) return; // replaced meanwhile
      if (this.settle(entry, found[i])) toPaint.push(entry);
    });
    const painting = performance.now();
    await this.paintAll(toPaint);
    this.spent.paintMs += performance.now() - painting;
  }

  /**
   * Anchor one entry in `root` and paint it if found; it is stored either way. For a single
   * annotation (a note saved after its passage's text was replaced).
   */
  async place(entry, root) {
    this.entries.set(entry.annotation.id, entry);
    const found = await anchorSelectors(makeAnchorer(root), entry.annotation.selectors);
    if (this.settle(entry, found)) this.paint(entry);
  }

  /** Store where an entry was found ({range, method}); true if it is to be painted. */
  settle(entry, { range, method }) {
    entry.method = method;
    // A fuzzy match may be slightly off; the sidebar says so rather than pretending.
    entry.annotation = { ...entry.annotation, approximate: method === "fuzzy" };
    entry.range = null;
    if (!entry.annotation.selectors?.length) entry.state = "page";
    else if (range && entry.article === null && this.hooks.articleAt(range.commonAncestorContainer) !== null) {
      // The page's own post is not in the story loaded below it.
      entry.state = "orphan";
    } else if (range) {
      entry.state = "anchored";
      entry.range = range;
      // A deleted note that heads a thread of replies is listed where its passage is, and not
      // painted: nothing is noted there any more.
      return !entry.annotation.deleted;
    } else entry.state = "orphan";
    return false;
  }

  /**
   * Paint anchored entries, a slice at a time. The fallback painter wraps text in elements,
   * which splits text nodes under the ranges not painted yet; it paints a whole batch in one
   * pass (its ranges are read before any is wrapped) instead.
   */
  async paintAll(entries) {
    if (!entries.length) return;
    if (this.painter.paintMany) {
      try {
        this.painter.paintMany(entries.map((e) => ({ id: e.annotation.id, range: e.range, color: e.annotation.color, noted: hasNote(e.annotation), withheld: isWithheld(e.annotation) })));
      } catch (err) {
        console.warn("Postil: painting failed", err);
      }
      this.hooks.painted();
      return;
    }
    const pacing = measuredPacing((ms) => this.noteSlice(ms));
    let sliceStart = performance.now();
    for (const entry of entries) {
      if (performance.now() - sliceStart >= SLICE_MS) {
        await pacing.pause();
        sliceStart = performance.now();
      }
      // Unpainted or replaced while this batch waited its turn: leave it.
      if (this.entries.get(entry.annotation.id) !== entry || entry.state !== "anchored") continue;
      this.paint(entry);
    }
    pacing.done();
  }

  // The longest stretch of anchoring or painting measured so far, between turns given back to
  // the page (reported under debugAnchoringTimings).
  noteSlice(ms) {
    this.longestSliceMs = Math.max(this.longestSliceMs, ms);
  }

  /** Add an entry whose range is known (just highlighted) and paint it. */
  add(entry) {
    this.entries.set(entry.annotation.id, entry);
    if (entry.state === "anchored") this.paint(entry);
  }

  /** The reader deleted a note that replies answer: it stays listed, unpainted, as their head. */
  toTombstone(entry, tombstone) {
    this.unpaint(entry);
    entry.annotation = tombstone;
  }

  paint(entry) {
    try {
      this.painter.paint(entry.annotation.id, entry.range, entry.annotation.color, hasNote(entry.annotation), isWithheld(entry.annotation));
    } catch (err) {
      console.warn("Postil: painting failed", err);
    }
    this.hooks.painted();
  }

  unpaint(entry) {
    this.painter.unpaint(entry.annotation.id);
    this.hooks.painted();
  }

  /** Remove an entry and its paint. */
  remove(entry) {
    this.unpaint(entry);
    this.entries.delete(entry.annotation.id);
  }

  /** Remove every entry (the page shows another post). */
  clear() {
    for (const entry of this.entries.values()) this.unpaint(entry);
    this.entries.clear();
  }

  /** Take every highlight off the page for good (its host leaves it: content/hosts.js). */
  dispose() {
    this.entries.clear();
    this.painter.dispose();
  }

  /**
   * What the sidebar lists: every annotation of the page's post, and of the other posts whose
   * articles the page shows only those found in them (their page notes and lost passages belong
   * on their own pages).
   */
  shown() {
    return [...this.entries.values()].filter((e) => e.article === null || e.state === "anchored");
  }

  /**
   * Entries for the sidebar, in the page's order: the passages found in document order (where
   * they start, then where they end), then the passages not found where their stored position
   * had them, then page notes oldest first (shared/reading-order.js, which also breaks ties).
   */
  grouped() {
    const anchored = [];
    const pageNotes = [];
    const orphans = [];
    for (const entry of this.shown()) {
      if (entry.state === "page") pageNotes.push(entry.annotation);
      else if (entry.state === "orphan") orphans.push(entry.annotation);
      else anchored.push(entry);
    }
    const where = (e) => this.painter.rangeOf(e.annotation.id) ?? e.range;
    anchored.sort((a, b) => compareRanges(where(a), where(b))
      || compareReadingOrder(a.annotation, b.annotation));
    return { anchored: anchored.map((e) => e.annotation), orphans: orphans.sort(compareReadingOrder), pageNotes: pageNotes.sort(compareReadingOrder) };
  }

  counts() {
    const all = this.shown().filter((e) => !e.annotation.deleted);
    return {
      shown: all.length,
      orphans: all.filter((e) => e.state === "orphan").length,
      pending: all.filter((e) => e.annotation.pending).length,
    };
  }

  /** The entry painted at a point of the viewport (a click), or null. */
  at(x, y, target) {
    const id = this.painter.hitTest(x, y, target);
    return (id && this.entries.get(id)) || null;
  }

  /** Scroll an annotation's passage into view and flash it. */
  /** Where annotation `id`'s passage is in the viewport now (a rect), or null if not painted. */
  rectOf(id) {
    return this.painter.rangeOf(id)?.getBoundingClientRect() ?? null;
  }

  goTo(id) {
    const painted = this.painter.rangeOf(id);
    // A thread's tombstone is not painted: its passage is scrolled to, not flashed.
    const range = painted ?? (this.entries.get(id)?.state === "anchored" ? this.entries.get(id).range : null);
    if (!range) return;
    const rect = range.getBoundingClientRect();
    window.scrollTo({ top: window.scrollY + rect.top - window.innerHeight / 3, behavior: "instant" });
    if (painted) this.painter.flash(id);
  }

  /**
   * Mark a passage a note is being written about, while the selection is gone (focus is in the
   * editor). Not with the fallback painter: its marks would split the text nodes the range
   * points into. Returns {recolour(color), clear()}.
   */
  draft(range, color) {
    if (this.painter.kind !== "css-highlight") return { recolour() {}, clear() {} };
    const paint = (c) => this.painter.paint(DRAFT_ID, range.cloneRange(), c);
    paint(color);
    return { recolour: paint, clear: () => this.painter.unpaint(DRAFT_ID) };
  }
}

/** Whether a highlight carries a note to read (painted with an underline). */
/** A public note its site withholds: painted muted (paint.js), marked in the sidebar (ui.js). */
function isWithheld(annotation) {
  return Boolean(withheldMark(annotation));
}

function hasNote(annotation) {
  return Boolean(annotation.note?.trim());
}

function sameSelectors(a, b) {
  return JSON.stringify(a.selectors ?? []) === JSON.stringify(b.selectors ?? []);
}

function compareRanges(a, b) {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  try {
    return a.compareBoundaryPoints(Range.START_TO_START, b) || a.compareBoundaryPoints(Range.END_TO_END, b);
  } catch {
    return 0;
  }
}
