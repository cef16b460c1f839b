// Selection and toolbar: what the reader does on the page itself. A selection shows the
// toolbar (and keeps it beside the passage while the page scrolls); keyboard readers reach it
// with Tab and dismiss it with Escape; its buttons highlight the passage or begin a note on it;
// a click (or Enter on a fallback mark) on a highlight opens its card. On a phone there is no
// mouseup: a long-press selects and the handles adjust, each step a `selectionchange`, so the
// toolbar follows the selection once it has been still for a moment, placed below it (the
// phone's own menu is above) and kept while a finger presses one of its buttons.

import { MARK_TAG } from "./paint.js";

// How long a touch selection must stay unchanged before the toolbar shows for it (a handle being
// dragged changes it many times a second).
export const TOUCH_SETTLE_MS = 350;

export class SelectionToolbar {
  /** page: {ui, lifecycle, highlights, sync, editor}. */
  constructor(page) {
    this.page = page;
    this.selection = null; // the range the toolbar acts on
    this.dismissed = null; // the selection Escape dismissed the toolbar for
    this.touch = false; // whether the reader's last pointer was a finger (or pen)
    this.pressingToolbar = false; // a finger is on one of the toolbar's buttons
    this.settle = null; // the timer of a touch selection settling
  }

  listen() {
    const { ui, highlights } = this.page;
    const check = () => setTimeout(() => this.check(), 0);
    document.addEventListener("pointerdown", (event) => {
      this.touch = event.pointerType === "touch" || event.pointerType === "pen";
      this.pressingToolbar = this.touch && this.fromUI(event);
    }, { capture: true, passive: true });
    for (const type of ["pointerup", "pointercancel"]) {
      // The toolbar's click comes after pointerup: keep it shown until then.
      document.addEventListener(type, () => setTimeout(() => { this.pressingToolbar = false; }, 0),
        { capture: true, passive: true });
    }
    document.addEventListener("mouseup", (event) => {
      // After a finger's tap the browser sends mouse events of its own, possibly late, when a
      // long-press or a handle has begun a selection: a touch selection's toolbar waits for the
      // selection to be still instead (`selectionchange` below).
      if (this.touch || this.fromUI(event)) return;
      check();
    });
    document.addEventListener("keyup", (event) => {
      if (!this.fromUI(event)) check();
    });
    document.addEventListener("selectionchange", () => {
      const selection = document.getSelection();
      const collapsed = !selection || selection.isCollapsed;
      // A keyboard reader in the toolbar still acts on the saved selection; so does a finger on it.
      if (collapsed && !ui.toolbarHasFocus() && !this.pressingToolbar) ui.hideToolbar();
      if (this.touchLike()) {
        clearTimeout(this.settle);
        if (!collapsed) this.settle = setTimeout(() => this.check(), TOUCH_SETTLE_MS);
      }
    });
    // Keyboard readers: with text selected (Shift+arrows, caret browsing) and the toolbar showing,
    // Tab moves into the toolbar, where Tab walks its buttons; Escape dismisses it.
    document.addEventListener("keydown", (event) => {
      if (ui.toolbar.hidden || this.fromUI(event)) return;
      const plainTab = event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
      if (plainTab && this.selection) {
        event.preventDefault();
        ui.focusToolbar();
      } else if (event.key === "Escape") {
        this.dismiss();
      }
    });
    document.addEventListener("click", (event) => this.onClick(event));
    // Fallback marks are focusable; Enter on one opens its note like a click does.
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || this.fromUI(event)) return;
      const mark = event.target?.closest?.(`${MARK_TAG}[data-postil-id]`);
      const entry = mark && highlights.get(mark.dataset.postilId);
      if (!entry) return;
      event.preventDefault();
      const rect = mark.getBoundingClientRect();
      ui.showCard(entry.annotation, rect.left + rect.width / 2, rect.bottom);
    });
    // The toolbar follows its selection while the page scrolls.
    window.addEventListener("scroll", () => {
      if (this.selection && !ui.toolbar.hidden) ui.showToolbar(this.selection.getBoundingClientRect(), { touch: this.touchLike() });
    }, { passive: true });
  }

  fromUI(event) {
    return event.composedPath().includes(this.page.ui.host);
  }

  /** Whether selections come from a finger: the last pointer was one, or the device has no finer. */
  touchLike() {
    return this.touch || Boolean(window.matchMedia?.("(pointer: coarse)").matches);
  }

  /** Show the toolbar for the page's selection, or hide it when there is none to act on. */
  check() {
    const { ui, lifecycle } = this.page;
    const selection = document.getSelection();
    // Where the reader may only read (the embed, for now), a selection is the page's own.
    if (this.page.readOnly || !selection || selection.isCollapsed || !selection.rangeCount) {
      ui.hideToolbar();
      return;
    }
    const range = selection.getRangeAt(0);
    const container = range.commonAncestorContainer;
    const element = container.nodeType === Node.ELEMENT_NODE ? container : container.parentElement;
    const editable = element?.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']");
    if (!lifecycle.root.contains(container) || editable || !range.toString().trim()) {
      ui.hideToolbar();
      return;
    }
    // Escape dismissed the toolbar for this very selection: the key's own keyup must not bring it back.
    if (this.dismissed && sameRange(this.dismissed, range)) return;
    this.dismissed = null;
    this.selection = range.cloneRange();
    ui.showToolbar(range.getBoundingClientRect(), { touch: this.touchLike() });
  }

  dismiss() {
    this.dismissed = this.selection;
    this.selection = null;
    this.page.ui.hideToolbar();
  }

  take() {
    const selection = document.getSelection();
    let range = this.selection;
    if (selection && !selection.isCollapsed && selection.rangeCount) range = selection.getRangeAt(0).cloneRange();
    this.selection = null;
    this.page.ui.hideToolbar();
    if (!range || range.collapsed || !range.toString().trim()) return null;
    return range;
  }

  /**
   * The passage to act on and where it belongs (see PageLifecycle.whereIs), decided now: a note
   * stays with this post and passage even if the page shows another post by the time it is
   * saved. Null (the reader told why, if `announceEmpty` or it was refused) if there is none.
   */
  takePassage({ announceEmpty }) {
    const { ui, lifecycle } = this.page;
    const range = this.take();
    lifecycle.lookAround();
    if (!range) {
      if (announceEmpty) ui.announce("Select some text first.");
      return null;
    }
    const where = lifecycle.whereIs(range);
    if (where.refused) {
      ui.announce(where.refused);
      return null;
    }
    document.getSelection()?.removeAllRanges();
    return { range, where };
  }

  async highlight(color) {
    const passage = this.takePassage({ announceEmpty: true });
    if (!passage) return;
    const { sync } = this.page;
    await sync.create(passage.range, { color, note: "", tags: [], ...sync.visibilityFor(passage.where.post) }, passage.where);
  }

  addNote() {
    const passage = this.takePassage({ announceEmpty: false });
    if (passage) this.page.editor.newNote(passage.range, passage.where);
  }

  onClick(event) {
    if (this.fromUI(event)) return;
    const { ui, highlights } = this.page;
    const selection = document.getSelection();
    if (selection && !selection.isCollapsed) return;
    const entry = highlights.at(event.clientX, event.clientY, event.target);
    if (!entry) {
      ui.closeCard();
      return;
    }
    ui.showCard(entry.annotation, event.clientX, event.clientY);
    if (ui.sidebarOpen) ui.showItem(entry.annotation.id);
  }
}

function sameRange(a, b) {
  return a.startContainer === b.startContainer && a.startOffset === b.startOffset &&
    a.endContainer === b.endContainer && a.endOffset === b.endOffset;
}
