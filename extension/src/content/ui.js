// Everything Postil shows on a page, built inside one Shadow DOM: the selection toolbar, the note
// editor (itself a frame of the extension's own, editor-frame.js, so the page cannot hear what is
// typed), the note card a click on a highlight opens, and the sidebar listing the post's
// annotations with their threads (whose reply box is the same page in a frame of its own). It
// only draws and reports what the user asked for through the `actions` callbacks; the modules
// main.js wires (selection.js, editor.js, sync.js) decide what that means.
//
// All user text goes in with textContent. The one exception is `note_html`, which the server
// rendered from Markdown and sanitised on write: it is the only HTML ever inserted, and only
// through shared/note-html.js, which does not trust it either.

import { extensionUrl } from "../shared/browser.js";
import { COLOR_LABELS } from "../shared/colors.js";
import { COLORS } from "../shared/contract.js";
import { flagReasons, reasonNeedsNote, withheldMark } from "../shared/moderation.js";
import { setNoteHtml } from "../shared/note-html.js";
import { visibilityLabel } from "../shared/visibility.js";
import { h, shorten, swatch } from "./dom.js";
import { buildEditorForm } from "./editor-form.js";
import { SIDEBAR_WIDTH, UI_CSS } from "./styles.js";

// How long the editor's frame may take to answer before the reader is offered to write the note
// in the page's document instead (which the page can then read).
const FRAME_WAIT_MS = 4000;

// How long a closed reply box's frame stays, hidden, for the key that closed it (retireReplyFrame).
const REPLY_RETIRE_MS = 2000;

// How long an opened editor stays undrawn waiting for its frame to report the form's height.
const SIZING_WAIT_MS = 1000;

// The viewport width below which the page is too narrow to share with the sidebar: there the
// sidebar covers the page instead of pushing it aside.
export const NARROW_VIEWPORT = 800;
// Room left between a touch selection and the toolbar for the selection's drag handles.
const TOUCH_HANDLE_ROOM = 28;
// Space kept between the note editor, the passage it is about and the viewport's edges.
const EDITOR_GAP = 8;
const COMPACT_EDITOR_BELOW = 700;
// The least height the editor is shrunk to (scrolling inside) to stay off its passage.
const MIN_EDITOR_HEIGHT = 220;

export const HOST_TAG = "postil-ui";

/** 128 random bits as hex. (crypto.randomUUID exists in secure contexts only: not on http pages.) */
function randomToken() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// The host element's own style (see the constructor).
const HOST_STYLE = [["all", "initial"], ["position", "fixed"], ["top", "0"], ["left", "0"], ["width", "0"],
  ["height", "0"], ["z-index", "2147483647"], ["display", "block"], ["transform", "none"], ["filter", "none"],
  ["contain", "none"], ["overflow", "visible"]];

/**
 * Style the shadow root with a constructed stylesheet, which a page's CSP does not govern (a
 * <style> element from the embed, a page script, falls under `style-src`); a <style> element
 * where a browser cannot adopt one.
 */
function adoptStyle(shadow, css) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement("style");
    style.textContent = css;
    shadow.prepend(style);
  }
}

export class PostilUI {
  /**
   * `readOnly`: the reader may only read here (the embed, main.js): no reply boxes. `launcher`:
   * a button of the UI's own opens the sidebar, where no extension button can.
   */
  constructor(actions, { openShadowRoot = false, frameEditor = true, frameWaitMs = FRAME_WAIT_MS, frameSilent = false,
    readOnly = false, launcher = false } = {}) {
    this.actions = actions;
    this.readOnly = readOnly;
    this.frameWaitMs = frameWaitMs;
    // Tests only (see main.js debugOptions): the frame's answer is not heard, as when it cannot load.
    this.frameSilent = frameSilent;
    this.frameEditor = frameEditor;
    this.host = document.createElement(HOST_TAG);
    // Inline !important beats any page rule aimed at our element, so page CSS cannot move, hide
    // or transform the host (a transformed ancestor would break position: fixed inside). Set
    // through the CSSOM, not a style attribute: a page's CSP that refuses inline styles refuses
    // the attribute from the embed (a page script), never the CSSOM.
    for (const [name, value] of HOST_STYLE) this.host.style.setProperty(name, value, "important");
    // The anchoring text model leaves elements with this attribute out of the page's text.
    this.host.setAttribute("data-postil-ui", "");
    // Closed: the page's scripts get null from host.shadowRoot and cannot walk what is shown
    // here. Not a wall (window.find still sees the sidebar's and card's text); the editor,
    // where the reader types, is a frame of the extension's own for that reason. Only tests open it (see
    // debugOptions in main.js).
    this.shadow = this.host.attachShadow({ mode: openShadowRoot ? "open" : "closed" });
    this.root = h("div", { class: "root" });
    this.shadow.append(this.root);
    adoptStyle(this.shadow, UI_CSS);
    this.live = h("div", { class: "sr-only", role: "status", "aria-live": "polite" });
    this.toolbar = this.buildToolbar();
    this.editor = h("section", { class: "panel editor", role: "dialog", "aria-label": "Postil note editor", hidden: true });
    this.editorInline = h("div", { class: "editor-inline" });
    this.editor.append(this.editorInline);
    this.card = h("section", { class: "panel card", role: "dialog", "aria-label": "Postil note", hidden: true });
    // Threads of replies shown in the sidebar, by the id of the annotation they answer: the
    // last rows loaded (kept across redraws), loads under way, and the reply box open (its
    // `{root, target, name, session}`, and what is typed in it, kept across redraws too: the
    // frame reports it, see replyBox).
    this.threads = new Map();
    this.threadOwners = new Map();
    this.threadLoading = new Set();
    this.replyOpen = null;
    this.replyDraft = "";
    // What the server said when a moderator's Hide or Show failed, by annotation id, shown on
    // its item until it succeeds.
    this.itemProblems = new Map();
    // Flags of other readers' notes, by annotation id: the form's state ({open, reason, note,
    // sending, error}) or what became of it ({done}), kept across redraws.
    this.flags = new Map();
    this.sidebar = this.buildSidebar();
    this.root.append(this.live, this.sidebar, this.toolbar, this.card, this.editor);
    this.launcher = null;
    if (launcher) {
      this.launcher = h("button", { type: "button", class: "launcher", "aria-expanded": "false",
        onclick: () => this.toggleSidebar() }, "Notes");
      this.root.append(this.launcher);
    }
    this.root.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      const flagging = this.shadow.activeElement?.closest?.("[data-flag]")?.dataset.flag;
      if (!this.editor.hidden) this.closeEditor(true);
      else if (!this.card.hidden) this.closeCard();
      else if (flagging && this.flags.get(flagging)?.open) this.setFlag(flagging, {}, "button");
      else if (this.replyOpen) this.closeReply();
      else if (!this.sidebar.hidden) this.toggleSidebar(false);
    });
    addEventListener("resize", () => {
      if (this.sidebarOpen) this.makeRoomForSidebar(true);
      if (!this.editor.hidden) this.placeEditor();
    }, { passive: true });
    // The editor follows its passage when the page scrolls (a frame later, once).
    let placing = false;
    addEventListener("scroll", () => {
      if (this.editor.hidden || placing) return;
      placing = true;
      requestAnimationFrame(() => {
        placing = false;
        if (!this.editor.hidden) this.placeEditor();
      });
    }, { passive: true, capture: true });
  }

  mount() {
    document.documentElement.append(this.host);
  }

  unmount() {
    this.makeRoomForSidebar(false);
    this.host.remove();
  }

  /** Replies are written in a frame of the extension's own (replyBox): none without it. */
  get mayReply() {
    return !this.readOnly && this.frameEditor;
  }

  /** The launcher's label: how many notes the post has here (the sidebar's count). */
  setCount(count) {
    if (!this.launcher) return;
    this.launcher.textContent = count ? `Notes (${count})` : "Notes";
    this.launcher.setAttribute("aria-label", `Postil: ${count} note${count === 1 ? "" : "s"} on this page`);
  }

  contains(node) {
    return node === this.host || this.host.contains(node);
  }

  setTheme(dark) {
    this.root.classList.toggle("dark", dark);
  }

  announce(text) {
    this.live.textContent = text;
  }

  // ---- Selection toolbar ------------------------------------------------------------------

  buildToolbar() {
    const bar = h("div", { class: "toolbar", role: "toolbar", "aria-label": "Postil: highlight selection", hidden: true });
    // Pressing a button must not clear the page selection it acts on.
    bar.addEventListener("mousedown", (event) => event.preventDefault());
    for (const color of COLORS) {
      bar.append(h("button", {
        type: "button", class: "color", "aria-label": `Highlight ${COLOR_LABELS[color].toLowerCase()}`,
        title: `Highlight (${COLOR_LABELS[color].toLowerCase()})`, "data-color": color,
        onclick: () => this.actions.highlight(color),
      }, swatch(color)));
    }
    bar.append(h("span", { class: "sep", "aria-hidden": "true" }));
    bar.append(h("button", { type: "button", onclick: () => this.actions.addNote() }, "Add note"));
    bar.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.actions.dismissToolbar();
    });
    return bar;
  }

  /**
   * Show the toolbar beside the selection's `rect`: above it for a mouse or keyboard, and below
   * it, clear of the drag handles, for a `touch` selection, since phones show their own
   * selection menu (Copy, Share…) above the selection.
   */
  showToolbar(rect, { touch = false } = {}) {
    // Load the editor's frame now, hidden, so that it is ready when "Add note" is pressed: keys
    // typed while it loads would go to the page.
    if (this.frameEditor) this.editorFrame();
    this.toolbar.hidden = false;
    this.toolbar.classList.toggle("touch", touch);
    const width = this.toolbar.offsetWidth || 230;
    const height = this.toolbar.offsetHeight || 40;
    const above = rect.top - height - 8;
    const below = rect.bottom + (touch ? TOUCH_HANDLE_ROOM : 8);
    let top;
    if (touch) top = below + height <= window.innerHeight - 4 ? below : Math.max(4, rect.top - height - TOUCH_HANDLE_ROOM);
    else top = above >= 4 ? above : below;
    top = Math.max(4, Math.min(top, window.innerHeight - height - 4));
    const left = Math.max(4, Math.min(rect.left + rect.width / 2 - width / 2, window.innerWidth - width - 4));
    this.toolbar.style.top = `${Math.round(top)}px`;
    this.toolbar.style.left = `${Math.round(left)}px`;
  }

  hideToolbar() {
    this.toolbar.hidden = true;
  }

  /** Move keyboard focus to the toolbar's first button: how keyboard readers reach it. */
  focusToolbar() {
    this.toolbar.querySelector("button")?.focus();
  }

  toolbarHasFocus() {
    return !this.toolbar.hidden && this.toolbar.contains(this.shadow.activeElement);
  }

  // ---- Note editor ------------------------------------------------------------------------

  /**
   * Open the editor. `values` = {note, tags, color, visibility, group}, `choices` the visibility
   * picker's options (editor-form.js); `onSave(values)` gets the edited
   * ones. `title` says what is being edited; `passage()` gives the rect of the passage the note
   * is about (or null), which the editor is placed beside and never over.
   */
  openEditor({ title, quote, values, choices = null, onSave, onCancel, onColor, passage = () => null }) {
    this.closeCard();
    this.closeEditor(true); // A second editor replaces the first as if it had been cancelled.
    const session = randomToken();
    this.editorSession = session;
    this.editorCancel = onCancel;
    const current = (id) => id === session && this.editorSession === session && !this.editor.hidden;
    const on = {
      save: (edited) => {
        this.closeEditor();
        onSave(edited);
      },
      cancel: () => this.closeEditor(true),
      color: (color) => onColor?.(color),
    };
    this.editorPassage = passage;
    // On a short viewport a smaller form leaves room for the passage above or below it.
    const compact = innerHeight < COMPACT_EDITOR_BELOW;
    this.editor.classList.toggle("compact", compact);
    this.editor.hidden = false;
    this.placeEditor({ mayScroll: true });
    let inline = false;
    const here = () => {
      // In this document, where the page's scripts can hear the keys typed (see editor-frame.js).
      if (!current(session)) return;
      inline = true;
      this.shown();
      const guarded = Object.fromEntries(Object.entries(on).map(([k, f]) => [k, (v) => current(session) && f(v)]));
      const { form, focus } = buildEditorForm({ title, quote, values, choices }, guarded);
      this.editor.classList.remove("framed");
      this.editorInline.replaceChildren(form);
      this.placeEditor({ mayScroll: true });
      focus();
    };
    const frame = this.frameEditor ? this.editorFrame() : null;
    if (!frame) return here();
    this.editor.classList.add("framed");
    // Drawn once the frame has told this note's form height (placeEditor then sizes and places
    // it), not a moment before at a guessed size, to jump under the reader's pointer; should
    // that report be slow, shown where it is anyway.
    this.editor.classList.add("sizing");
    clearTimeout(this.sizingTimer);
    this.sizingTimer = setTimeout(() => this.shown(), SIZING_WAIT_MS);
    // The keyboard goes to the frame at once, even while it loads: not to the page.
    frame.element.focus();
    const open = () => {
      if (!current(session) || inline) return; // the reader chose to write here meanwhile
      this.editor.classList.add("framed");
      frame.port.postMessage({ type: "open", session, title, quote, values, choices, dark: this.root.classList.contains("dark"), compact });
      frame.element.focus();
    };
    // What the frame's messages act on; `open` runs again whenever the frame (re)loads.
    frame.handlers = { current, on, open };
    if (frame.ready) return open();
    // Not drawn here without asking: a page could hold up its own thread to make the frame look
    // slow, then hear every key. The reader decides, told what it means.
    setTimeout(() => {
      if (!current(session) || frame.ready || inline) return;
      this.editor.classList.remove("framed");
      this.editorInline.replaceChildren(h("div", { class: "frame-notice" },
        h("p", { text: "The note editor has not loaded on this page." }),
        h("p", { class: "warn", text: "You can write the note here instead, but this page's own scripts could then see what you type." }),
        h("div", { class: "actions" },
          h("button", { type: "button", onclick: () => this.closeEditor(true) }, "Cancel"),
          h("button", { type: "button", onclick: here }, "Write here anyway"))));
      this.placeEditor();
      this.shown();
    }, this.frameWaitMs);
  }

  /**
   * Put the editor below its passage, else above it, else beside it, always wholly inside the
   * viewport and clear of an open sidebar that shares the page. Where none of these fits and
   * `mayScroll`, the page is scrolled to bring the passage up so the editor fits below it; where
   * that cannot help (the passage is near the page's end), the editor is made as tall as the
   * larger room above or below the passage and scrolls inside, its Save and Cancel kept in view
   * (styles.js). Only a passage too tall for even that is partly covered.
   */
  placeEditor({ mayScroll = false } = {}) {
    const gap = EDITOR_GAP;
    const right = this.sidebarOpen && innerWidth >= NARROW_VIEWPORT ? innerWidth - SIDEBAR_WIDTH : innerWidth;
    const width = this.editor.offsetWidth;
    const frame = this.editor.classList.contains("framed") ? this.frame?.element : null;
    // The editor's height were it to show its whole form: the form's (as the frame reported it,
    // or as laid out here) plus the editor's 1 px border, and the inline editor's 14 px padding.
    const natural = frame ? (this.frameFormHeight ?? 420) + 2 : this.editorInline.scrollHeight + 2 * 14 + 2;
    let height;
    const cap = (limit) => {
      height = Math.min(natural, limit);
      if (frame) frame.style.height = `${height - 2}px`;
      this.editor.style.maxHeight = frame ? "" : `${height}px`;
    };
    cap(innerHeight - 2 * gap);
    const clamp = (value, low, high) => Math.max(low, Math.min(value, high));
    const put = (left, top) => {
      this.editor.style.left = `${Math.round(clamp(left, gap, right - width - gap))}px`;
      this.editor.style.top = `${Math.round(clamp(top, gap, innerHeight - height - gap))}px`;
    };
    let rect = this.editorPassage?.() ?? null;
    const inView = (r) => r && (r.width || r.height) && r.bottom > 0 && r.top < innerHeight;
    if (!inView(rect)) return put(right - width - 2 * gap, 72);
    const below = (r) => r.bottom + gap + height <= innerHeight - gap;
    if (below(rect)) return put(rect.left, rect.bottom + gap);
    if (rect.top - gap - height >= gap) return put(rect.left, rect.top - gap - height);
    if (rect.right + gap + width <= right - gap) return put(rect.right + gap, rect.top);
    if (rect.left - gap - width >= gap) return put(rect.left - gap - width, rect.top);
    if (mayScroll && rect.height + height + 3 * gap <= innerHeight) {
      scrollBy({ top: rect.top - gap, behavior: "instant" });
      rect = this.editorPassage() ?? rect;
      if (below(rect)) return put(rect.left, rect.bottom + gap);
    }
    const roomBelow = innerHeight - rect.bottom - 2 * gap;
    const roomAbove = rect.top - 2 * gap;
    if (Math.max(roomBelow, roomAbove) >= MIN_EDITOR_HEIGHT) {
      cap(Math.max(roomBelow, roomAbove));
      return roomBelow >= roomAbove ? put(rect.left, rect.bottom + gap) : put(rect.left, rect.top - gap - height);
    }
    return put(rect.left, rect.bottom + gap);
  }

  /**
   * The editor's frame, made once and kept (hidden between notes): a frame removed while the
   * reader's click on Save is still being delivered is trouble, and loading it once is quicker.
   */
  editorFrame() {
    if (this.frame) return this.frame;
    const nonce = randomToken();
    const url = extensionUrl("src/content/editor.html");
    const element = h("iframe", { class: "editor-frame", title: "Postil note editor", src: `${url}#${nonce}` });
    const frame = { element, port: null, ready: false, handlers: null };
    // Every load of the frame (the first, or again when the page moves or re-inserts our host,
    // which reloads it) gets a fresh channel; until it answers, the frame is not ready.
    element.addEventListener("load", () => {
      frame.port?.close();
      frame.ready = false;
      const channel = new MessageChannel();
      frame.port = channel.port1;
      channel.port1.onmessage = ({ data }) => this.onFrameMessage(frame, data);
      // The frame is loaded at a per-session URL (use_dynamic_url) but its document has the
      // extension's own origin, which is where the channel may go.
      element.contentWindow?.postMessage({ type: "postil-editor", nonce }, new URL(extensionUrl("")).origin, [channel.port2]);
    });
    this.editor.prepend(element);
    this.frame = frame;
    return frame;
  }

  onFrameMessage(frame, data) {
    const { element } = frame;
    if (data?.type === "ready") {
      if (this.frameSilent) return;
      frame.ready = true;
      // The note waiting for the frame, or (after a reload) the one it had open, whose typing is
      // gone with the old document; `open` does nothing once that note is closed.
      frame.handlers?.open();
      return;
    }
    const { current, on } = frame.handlers ?? {};
    if (!current?.(data?.session)) return;
    if (data.type === "size") {
      // The form's real height is known only now: placeEditor sizes the frame (never taller
      // than the viewport) and may scroll the page to fit it.
      this.frameFormHeight = Math.max(120, Number(data.height) || 0);
      this.placeEditor({ mayScroll: true });
      this.shown();
    } else if (data.type in on) {
      on[data.type](data.type === "save" ? data.values : data.color);
    }
  }

  /** The editor is drawn: placed at its form's size, or given up waiting for that. */
  shown() {
    clearTimeout(this.sizingTimer);
    this.editor.classList.remove("sizing");
  }

  closeEditor(cancelled = false) {
    if (this.editor.hidden) return;
    this.shown();
    this.editor.hidden = true;
    this.editorSession = null;
    this.editorPassage = null;
    this.editorInline.replaceChildren();
    // Nothing typed stays behind in the frame either.
    if (this.frame?.ready) this.frame.port.postMessage({ type: "close" });
    if (cancelled) this.editorCancel?.();
    this.editorCancel = null;
  }

  // ---- Note card (a click on a highlight) -------------------------------------------------

  showCard(annotation, x, y) {
    this.closeEditor(true);
    this.cardId = annotation.id;
    const close = h("button", { type: "button", class: "close", "aria-label": "Close note" }, "Close");
    close.addEventListener("click", () => this.closeCard());
    this.card.replaceChildren(
      h("h2", { text: annotation.note ? "Note" : "Highlight" }),
      this.renderItemBody(annotation, { inCard: true }),
    );
    // One row of buttons: the annotation's own (if any), then Close.
    const row = this.card.querySelector(".actions") ?? this.card.appendChild(h("div", { class: "actions" }));
    row.append(close);
    this.card.hidden = false;
    const width = this.card.offsetWidth;
    const height = this.card.offsetHeight;
    const left = Math.max(8, Math.min(x - width / 2, window.innerWidth - width - 8));
    const top = y + 16 + height < window.innerHeight ? y + 16 : Math.max(8, y - height - 16);
    this.card.style.left = `${Math.round(left)}px`;
    this.card.style.top = `${Math.round(top)}px`;
    (this.card.querySelector(".actions button") ?? close).focus();
  }

  closeCard() {
    this.cardId = null;
    this.card.hidden = true;
    this.card.replaceChildren();
  }

  // ---- Sidebar ----------------------------------------------------------------------------

  buildSidebar() {
    this.statusLine = h("div", { class: "status", role: "status" });
    // Signing in and out, where the host lets the reader do it here (the embed on a site whose
    // readers write): shown as the status says (`account`).
    this.account = h("button", { type: "button", class: "account", hidden: true });
    this.account.addEventListener("click", () => this.actions.account?.());
    this.listArea = h("div", { class: "scroll" });
    const close = h("button", { type: "button", "aria-label": "Close Postil sidebar" }, "Close");
    close.addEventListener("click", () => this.toggleSidebar(false));
    // On a phone the sidebar is a sheet over the page's lower part; its grip lets it take
    // (nearly) the whole screen and give the page back.
    this.grip = h("button", { type: "button", class: "grip", "aria-label": "Show more of the annotations", "aria-expanded": "false" });
    this.grip.addEventListener("click", () => this.setSheetTall(!this.sidebar.classList.contains("tall")));
    return h("aside", { class: "panel sidebar", "aria-label": "Postil annotations", hidden: true },
      this.grip,
      h("header", {}, h("div", { class: "top" }, h("h2", { text: "Annotations" }), close), this.statusLine, this.account),
      this.listArea);
  }

  setSheetTall(tall) {
    this.sidebar.classList.toggle("tall", tall);
    this.grip.setAttribute("aria-expanded", String(tall));
    this.grip.setAttribute("aria-label", tall ? "Show less of the annotations" : "Show more of the annotations");
  }

  get sidebarOpen() {
    return !this.sidebar.hidden;
  }

  toggleSidebar(force) {
    const open = force ?? this.sidebar.hidden;
    const wasOpen = !this.sidebar.hidden;
    this.sidebar.hidden = !open;
    this.launcher?.setAttribute("aria-expanded", String(open));
    if (this.launcher) this.launcher.hidden = open;
    this.makeRoomForSidebar(open);
    if (open && !wasOpen) {
      // Where the keyboard was, to give it back when the sidebar closes.
      this.focusBefore = document.activeElement === this.host ? null : document.activeElement;
    }
    if (open) {
      this.loadThreads();
      const first = this.listArea.querySelector("button.goto:not([disabled]), button");
      (first ?? this.sidebar.querySelector("header button")).focus({ preventScroll: true });
    } else if (wasOpen) {
      const back = this.focusBefore;
      this.focusBefore = null;
      if (back?.isConnected && back !== document.body) back.focus?.({ preventScroll: true });
      else this.shadow.activeElement?.blur();
    }
    this.actions.sidebarToggled?.(open);
  }

  /**
   * Readers read beside their notes: while the sidebar is open on a wide enough viewport, the
   * page's root element gets a right margin as wide as the sidebar, so the page lays itself out
   * in the rest (its own layout rules unchanged, only narrower). On a narrow viewport the
   * sidebar covers the page instead. The root's own inline margin is put back as it was.
   */
  makeRoomForSidebar(open) {
    const root = document.documentElement;
    const push = open && innerWidth >= NARROW_VIEWPORT;
    if (push && !this.rootMargin) {
      this.rootMargin = { value: root.style.getPropertyValue("margin-right"), priority: root.style.getPropertyPriority("margin-right") };
      const own = parseFloat(getComputedStyle(root).marginRight) || 0;
      root.style.setProperty("margin-right", `${own + SIDEBAR_WIDTH}px`, "important");
    } else if (!push && this.rootMargin) {
      const { value, priority } = this.rootMargin;
      this.rootMargin = null;
      if (value) root.style.setProperty("margin-right", value, priority);
      else root.style.removeProperty("margin-right");
    }
  }

  /**
   * Redraw the list. `groups` = {anchored, orphans, pageNotes} (each a list of annotations in
   * the order highlights.grouped gives); `status` = {text, offline, problems: [{seq, text}]}.
   */
  /**
   * Redraw the sidebar's list and status. With `pacing` ({pause, sliceMs}) the items are built
   * a slice at a time, the page getting its thread back between slices (a thousand items take
   * longer than a page may be held), and shown together at the end; without, in one go.
   */
  async renderSidebar({ anchored, pageNotes, orphans }, status, pacing = null) {
    this.setCount(anchored.length + pageNotes.length + orphans.length);
    let sliceStart = performance.now();
    const items = async (annotations, orphan = false) => {
      const out = [];
      for (const a of annotations) {
        if (pacing && performance.now() - sliceStart >= pacing.sliceMs) {
          await pacing.pause();
          sliceStart = performance.now();
        }
        const withheld = !a.deleted && withheldMark(a, a.own);
        out.push(h("li", { class: `item${orphan ? " orphan" : ""}${a.deleted ? " deleted" : ""}${withheld ? ` withheld ${withheld.state}` : ""}`, "data-id": a.id }, this.renderItemBody(a, { orphan })));
      }
      return out;
    };
    const parts = [];
    for (const problem of status.problems ?? []) {
      parts.push(h("div", { class: "banner", role: "alert" }, problem.text, " ",
        h("button", { type: "button", onclick: () => this.actions.discardFailed(problem.seq) }, "Dismiss")));
    }
    if (!anchored.length && !pageNotes.length && !orphans.length) {
      parts.push(h("p", { class: "empty", text: this.readOnly ? "No public notes on this page yet."
        : "No annotations on this page yet. Select some text to highlight it." }));
    }
    // The page's order (highlights.grouped): passages as the article runs, then those not found,
    // then notes on the whole page.
    if (anchored.length) parts.push(this.renderList(await items(anchored), "annotations in document order"));
    if (orphans.length) {
      parts.push(h("h3", { id: "postil-orphans", text: `Orphans (${orphans.length})` }),
        h("p", { class: "hint", text: "These passages were not found on the page as it is now." }),
        this.renderList(await items(orphans, true), "orphans"));
    }
    if (pageNotes.length) parts.push(h("h3", { text: "Page notes" }), this.renderList(await items(pageNotes), "page notes"));
    // A redraw (say, after a sync) must not move the reader's keyboard focus: remember which
    // button of which item had it.
    const active = this.shadow.activeElement;
    const focusedItem = active?.closest?.("[data-id]");
    const focusedId = focusedItem?.dataset.id;
    const focusedIndex = focusedItem ? [...focusedItem.querySelectorAll("button")].indexOf(active) : -1;
    // In a flag form: the same control of the form drawn again (its state is kept: this.flags).
    const focusedFlag = focusedItem && active.dataset?.flagFocus;
    const typing = active?.matches?.("iframe.reply-frame");
    this.statusLine.textContent = status.text;
    this.statusLine.classList.toggle("offline", Boolean(status.offline));
    this.account.hidden = !status.account;
    this.account.textContent = status.account === "sign-out" ? "Sign out" : "Sign in";
    this.listArea.replaceChildren(...parts);
    if (this.sidebarOpen) this.loadThreads();
    if (typing) {
      this.focusReply();
    } else if (focusedId && focusedFlag) {
      const again = this.listArea.querySelector(`[data-id="${CSS.escape(focusedId)}"] [data-flag-focus="${CSS.escape(focusedFlag)}"]`);
      again?.focus({ preventScroll: true });
    } else if (focusedId) {
      const buttons = this.listArea.querySelectorAll(`[data-id="${CSS.escape(focusedId)}"] button`);
      (buttons[focusedIndex] ?? buttons[0])?.focus({ preventScroll: true });
    }
  }

  renderList(items, label) {
    return h("ol", { class: "items", "aria-label": label }, items);
  }

  renderItemBody(a, { orphan = false, inCard = false } = {}) {
    if (a.deleted && !inCard) return this.renderTombstone(a, { orphan });
    const frag = document.createDocumentFragment();
    if (a.quote) {
      const goto = h("button", {
        type: "button", class: "goto",
        "aria-label": orphan ? `Orphaned passage: ${shorten(a.quote)}` : `Go to passage: ${shorten(a.quote)}`,
        disabled: orphan || inCard,
      }, swatch(a.color), h("span", { class: "text", text: a.quote }));
      if (!orphan && !inCard) goto.addEventListener("click", () => this.actions.goTo(a.id));
      frag.append(goto);
    }
    if (a.note_html) {
      const note = h("div", { class: "note" });
      setNoteHtml(note, a.note_html);
      frag.append(note);
    } else if (a.note) {
      frag.append(h("div", { class: "note plain", text: a.note }));
    }
    const meta = h("div", { class: "meta" });
    // In an article of another post that the page loaded below its own (see lifecycle.js).
    if (a.story) meta.append(h("span", { class: "story", text: `In “${a.story}”` }));
    for (const tag of a.tags ?? []) meta.append(h("span", { class: "tag", text: tag }));
    meta.append(h("span", { class: "sr-only", text: `Colour: ${COLOR_LABELS[a.color] ?? a.color}.` }));
    meta.append(h("span", { class: "author", text: a.own ? `${a.user} (you)` : a.user ?? "Anonymous" }));
    meta.append(h("span", { class: "visibility", text: visibilityLabel(a) }));
    if (a.approximate) meta.append(h("span", { class: "badge", title: "The text changed since this was highlighted; this is the closest match.", text: "Approximate match" }));
    // A public note its site withholds, shown only to its author and the site's moderators;
    // else a group's note shown only to its author and the group's moderators.
    const withheld = withheldMark(a, a.own);
    if (withheld) meta.append(h("span", { class: `badge withheld ${withheld.state}`, text: withheld.text }));
    else if (a.hidden) meta.append(h("span", { class: "badge", text: "Hidden from the group by a moderator" }));
    if (a.pending) meta.append(h("span", { class: "badge", text: "Not synced yet" }));
    if (a.failed) meta.append(h("span", { class: "badge error", text: `Server refused: ${a.failed.message}` }));
    frag.append(meta);
    if (withheld) frag.append(h("p", { class: "hint withheld-hint", text: withheld.hint }));
    if (a.own) {
      const del = h("button", { type: "button", class: "danger", "aria-label": `Delete annotation: ${shorten(a.quote || a.note, 40)}` }, "Delete");
      del.addEventListener("click", () => {
        // The first press arms, the second deletes: there is no undo.
        if (!del.classList.contains("confirm")) {
          del.classList.add("confirm");
          del.textContent = "Confirm delete";
          setTimeout(() => {
            del.classList.remove("confirm");
            del.textContent = "Delete";
          }, 5000);
          return;
        }
        this.closeCard();
        this.actions.delete(a.id);
      });
      frag.append(h("div", { class: "actions" },
        h("button", { type: "button", "aria-label": `Edit annotation: ${shorten(a.quote || a.note, 40)}`, onclick: () => this.actions.edit(a.id) }, "Edit"),
        del));
    }
    // A group's owners and moderators (a.moderate, from shared/roles.js) on another reader's note.
    if (a.moderate && !inCard) {
      const what = shorten(a.quote || a.note, 40);
      const group = a.group_name ?? "the group";
      frag.append(h("div", { class: "actions moderation" }, a.hidden
        ? h("button", { type: "button", "aria-label": `Show again to ${group}: ${what}`, onclick: () => this.actions.setHidden?.(a.id, false) }, "Show again")
        : h("button", { type: "button", "aria-label": `Hide from ${group}: ${what}`, onclick: () => this.actions.setHidden?.(a.id, true) }, "Hide from group")));
    }
    const problem = this.itemProblems.get(a.id);
    if (problem && !inCard) frag.append(h("p", { class: "item-problem", role: "alert", text: problem }));
    if (a.flag && !inCard) frag.append(this.renderFlag(a));
    if (!inCard) frag.append(this.renderThread(a));
    return frag;
  }

  // ---- Flagging another reader's public note for the site's moderators (sidebar) ----------

  /**
   * The item's Flag button, the small form it opens (a reason from the server's list, words of
   * the reader's where the reason needs them), or what became of the flag. `a.flag` (from
   * shared/moderation.js flagOffer): "flag", or "sign-in" where the reader must sign in first.
   * The form is drawn here, not in a frame: its words go to this site's moderators, so the
   * site's page hearing them as they are typed learns nothing it is not about to be told.
   */
  renderFlag(a) {
    const box = h("div", { class: "flag-area", "data-flag": a.id });
    const state = this.flags.get(a.id) ?? {};
    const what = shorten(a.quote || a.note, 40);
    if (state.done) {
      box.append(h("p", { class: "flag-done", role: "status", tabindex: "-1", "data-flag-focus": "done", text: state.done }));
      return box;
    }
    if (!state.open) {
      box.append(h("div", { class: "actions" }, h("button", { type: "button", class: "flag-button",
        "aria-label": `Flag for the site's moderators: ${what}`,
        onclick: () => this.setFlag(a.id, { open: true }, "first") }, "Flag")));
      return box;
    }
    if (a.flag === "sign-in") {
      box.append(h("div", { class: "flag-form", role: "group", "aria-label": `Flag: ${what}` },
        h("p", { text: "Sign in to flag this note for the site's moderators." }),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "primary", "data-flag-focus": "first", onclick: () => this.actions.account?.() }, "Sign in"),
          h("button", { type: "button", onclick: () => this.setFlag(a.id, {}, "button") }, "Cancel"))));
      return box;
    }
    const name = `postil-flag-${a.id}`;
    const fieldset = h("fieldset", { class: "reasons" }, h("legend", { text: "Why should a moderator look at this note?" }));
    for (const { value, label } of flagReasons()) {
      const radio = h("input", { type: "radio", name, value, "data-flag-focus": `reason-${value}` });
      radio.checked = state.reason === value;
      radio.addEventListener("change", () => this.setFlag(a.id, { ...this.flags.get(a.id), reason: value, error: null }, `reason-${value}`));
      fieldset.append(h("label", { class: "reason" }, radio, h("span", { text: label })));
    }
    const needed = reasonNeedsNote(state.reason);
    const noteId = `${name}-note`;
    const note = h("textarea", { id: noteId, class: "flag-note", rows: "2", maxlength: "1000", "data-flag-focus": "note",
      "aria-required": String(needed) });
    note.value = state.note ?? "";
    note.addEventListener("input", () => this.flags.set(a.id, { ...this.flags.get(a.id), note: note.value }));
    const send = h("button", { type: "submit", class: "primary", "data-flag-focus": "send", disabled: Boolean(state.sending) },
      state.sending ? "Sending…" : "Send flag");
    const form = h("form", { class: "flag-form", "aria-label": `Flag for the site's moderators: ${what}` },
      fieldset,
      h("label", { for: noteId, class: "note-label", text: needed ? "What is wrong (needed)" : "What is wrong (optional)" }), note,
      state.error ? h("p", { class: "item-problem", role: "alert", text: state.error }) : null,
      h("div", { class: "actions" }, send,
        h("button", { type: "button", onclick: () => this.setFlag(a.id, {}, "button") }, "Cancel")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendFlag(a.id);
    });
    box.append(form);
    return box;
  }

  /** Set item `id`'s flag state and draw its flag area again, the keyboard at `focus` in it. */
  setFlag(id, state, focus = null) {
    this.flags.set(id, state);
    const box = this.listArea.querySelector(`[data-flag="${CSS.escape(id)}"]`);
    const a = this.threadOwners.get(id);
    if (!box || !a) return;
    const fresh = this.renderFlag(a);
    box.replaceWith(fresh);
    if (!focus) return;
    const target = focus === "button" ? fresh.querySelector("button.flag-button")
      : fresh.querySelector(`[data-flag-focus="${CSS.escape(focus)}"]`) ?? fresh.querySelector("input, button");
    target?.focus({ preventScroll: true });
  }

  async sendFlag(id) {
    const state = this.flags.get(id) ?? {};
    if (state.sending) return;
    if (!state.reason) return this.setFlag(id, { ...state, error: "Choose a reason first." }, "first");
    const note = (state.note ?? "").trim();
    if (reasonNeedsNote(state.reason) && !note) return this.setFlag(id, { ...state, error: "Say in a few words what is wrong." }, "note");
    this.setFlag(id, { ...state, sending: true, error: null }, "send");
    const reply = await this.actions.flag?.(id, state.reason, note);
    if (reply?.ok) {
      this.setFlag(id, { done: "Flagged — thanks. The site's moderators will take a look." }, "done");
      this.announce("Flagged for the site's moderators.");
      return;
    }
    const error = reply?.error ?? { message: "Postil could not send the flag." };
    if (error.status === 409) {
      this.setFlag(id, { done: "You flagged this note already." }, "done");
      return;
    }
    const text = error.status === 429 ? `Too many flags for now: ${error.message}` : `Could not flag this note: ${error.message}`;
    this.setFlag(id, { ...state, sending: false, error: text }, "send");
    this.announce(text);
  }

  /**
   * A deleted note that live replies still answer: where its passage was, said to be deleted
   * (whose it was, nothing of what it said), with its thread below; nothing to edit, delete or
   * answer.
   */
  renderTombstone(a, { orphan = false } = {}) {
    const frag = document.createDocumentFragment();
    if (a.quote) {
      const goto = h("button", { type: "button", class: "goto", disabled: orphan,
        "aria-label": `${orphan ? "Orphaned passage" : "Go to passage"} of a deleted note: ${shorten(a.quote)}` },
      h("span", { class: "text", text: a.quote }));
      if (!orphan) goto.addEventListener("click", () => this.actions.goTo(a.id));
      frag.append(goto);
    }
    frag.append(h("div", { class: "note plain tombstone", text: "Deleted note" }));
    const meta = h("div", { class: "meta" });
    if (a.story) meta.append(h("span", { class: "story", text: `In “${a.story}”` }));
    if (a.user) meta.append(h("span", { class: "author", text: a.own ? `${a.user} (you)` : a.user }));
    if (a.pending) meta.append(h("span", { class: "badge", text: "Not synced yet" }));
    frag.append(meta, this.renderThread(a));
    return frag;
  }

  /** Show (or with null clear) what the server said of an action on item `id`, on the item. */
  itemProblem(id, text) {
    if (text) this.itemProblems.set(id, text);
    else this.itemProblems.delete(id);
  }

  // ---- Threads of replies (sidebar) -------------------------------------------------------

  /** The place below an item for its thread and its reply box, filled from what is loaded. */
  renderThread(a) {
    const box = h("div", { class: "thread-area", "data-thread": a.id });
    this.threadOwners.set(a.id, a);
    this.fillThread(box, a);
    return box;
  }

  /**
   * Ask for the threads of the listed annotations that have replies (or had, when last loaded),
   * each once at a time; each is drawn in place when it comes (`setThread`). Replies have no
   * passage: they are listed here and never painted.
   */
  loadThreads() {
    for (const box of this.listArea.querySelectorAll("[data-thread]")) {
      const id = box.dataset.thread;
      const a = this.threadOwners.get(id);
      if (!a || this.threadLoading.has(id)) continue;
      if (!(a.reply_count > 0) && !this.threads.get(id)?.length) continue;
      this.threadLoading.add(id);
      Promise.resolve(this.actions.loadThread?.(id)).finally(() => this.threadLoading.delete(id));
    }
  }

  /** The listed thread a reply ({id, reply_to}) belongs to (its first annotation's id), or null. */
  threadOf({ id, reply_to: parent }) {
    if (this.threadOwners.has(parent) && this.listArea.querySelector(`[data-thread="${CSS.escape(parent)}"]`)) return parent;
    for (const [root, rows] of this.threads) {
      if (rows.some((row) => row.id === parent || row.id === id)) return root;
    }
    return null;
  }

  /** The thread below annotation `id` came: `rows` in thread order, each with its `depth`. */
  setThread(id, rows) {
    this.threads.set(id, rows);
    const box = this.listArea.querySelector(`[data-thread="${CSS.escape(id)}"]`);
    const a = this.threadOwners.get(id);
    if (!box || !a) return;
    const typing = this.shadow.activeElement?.matches?.("iframe.reply-frame") && box.contains(this.shadow.activeElement);
    this.fillThread(box, a);
    if (typing) this.focusReply();
  }

  fillThread(box, a) {
    const rows = this.threads.get(a.id) ?? [];
    const parts = [];
    if (rows.length) {
      const list = h("ol", { class: "thread", "aria-label": `Replies to ${a.user ?? "this annotation"}` });
      for (const r of rows) {
        const li = h("li", { class: `reply${r.deleted ? " deleted" : ""}`, "data-reply": r.id, "data-depth": r.depth });
        li.style.marginLeft = `${(Math.min(r.depth, 6) - 1) * 14}px`;
        if (r.deleted) {
          li.append(h("div", { class: "note plain", text: "Deleted" }));
        } else {
          const meta = h("div", { class: "meta" }, h("span", { class: "author", text: r.user === this.me ? `${r.user} (you)` : r.user ?? "Anonymous" }));
          if (r.created) meta.append(h("time", { datetime: r.created, text: new Date(r.created).toLocaleString() }));
          // Hidden by a moderator (not only as part of a thread hidden above it, marked there).
          if (r.hiddenHere) meta.append(h("span", { class: "badge", text: "Hidden from the group by a moderator" }));
          if (r.pending) meta.append(h("span", { class: "badge", text: "Not synced yet" }));
          if (r.failed) meta.append(h("span", { class: "badge error", text: `Server refused: ${r.failed.message}` }));
          li.append(meta);
          if (r.note_html) {
            const note = h("div", { class: "note" });
            setNoteHtml(note, r.note_html);
            li.append(note);
          } else {
            li.append(h("div", { class: "note plain", text: r.note ?? "" }));
          }
          if (!r.pending && !r.failed && this.mayReply) {
            const what = `${r.user ?? "this reply"}: ${shorten(r.note, 40)}`;
            const group = r.group_name ?? "the group";
            // A group's owners and moderators (r.moderate, from shared/roles.js).
            const moderation = !r.moderate ? null : r.hidden
              ? h("button", { type: "button", class: "moderation", "aria-label": `Show again to ${group} the reply of ${what}`, onclick: () => this.actions.setReplyHidden?.(r.id, a.id, false) }, "Show again")
              : h("button", { type: "button", class: "moderation", "aria-label": `Hide from ${group} the reply of ${what}`, onclick: () => this.actions.setReplyHidden?.(r.id, a.id, true) }, "Hide from group");
            li.append(h("div", { class: "actions" }, h("button", { type: "button", class: "reply-button",
              "aria-label": `Reply to ${what}`,
              onclick: () => this.openReply(a.id, r.id, r.user) }, "Reply"), moderation));
          }
        }
        list.append(li);
      }
      parts.push(list);
    }
    const open = this.replyOpen?.root === a.id ? this.replyOpen : null;
    const shown = open && this.replyFrame?.session === open.session && this.replyFrame.element.parentElement;
    // A box that stays (the open one, and one closing: retireReplyFrame) stays where it is: a
    // frame moved is reloaded, and a click or key on its way to it would be lost.
    const staying = [...box.children].filter((child) => child === shown || child.classList.contains("retiring"));
    if (shown && shown.parentElement === box) {
      for (const child of [...box.children]) if (!staying.includes(child)) child.remove();
      shown.before(...parts);
      return;
    }
    if (open) {
      parts.push(this.replyBox(open));
    } else if (!a.failed && !a.deleted && this.mayReply) {
      parts.push(h("div", { class: "actions" }, h("button", { type: "button", class: "reply-button",
        "aria-label": `Reply to annotation: ${shorten(a.quote || a.note, 40)}`,
        onclick: () => this.openReply(a.id, a.id, a.user) }, "Reply")));
    }
    if (staying.length) {
      for (const child of [...box.children]) if (!staying.includes(child)) child.remove();
      staying[0].before(...parts);
      return;
    }
    box.replaceChildren(...parts);
  }

  /**
   * The reply box: `content/editor.html` in reply mode, in a frame of its own (not the note
   * editor's, which may be open meanwhile), so that what the reader types is in the extension's
   * document, which the page's scripts cannot read or hear, as they could a text box in this
   * shadow root. One frame element per open box, put back in place by each redraw of its thread;
   * moving it reloads it, and each load gets a fresh channel and the box again with its draft.
   */
  replyBox(open) {
    if (!this.replyFrame || this.replyFrame.session !== open.session) this.replyFrame = this.makeReplyFrame(open);
    return h("div", { class: "reply-box" }, this.replyFrame.element);
  }

  makeReplyFrame(open) {
    const nonce = randomToken();
    const url = extensionUrl("src/content/editor.html");
    const element = h("iframe", { class: "reply-frame", title: `Postil reply to ${open.name ?? "this annotation"}`, src: `${url}#${nonce}` });
    const frame = { element, session: open.session, port: null, focus: true };
    element.addEventListener("load", () => {
      frame.port?.close();
      const channel = new MessageChannel();
      frame.port = channel.port1;
      channel.port1.onmessage = ({ data }) => {
        if (this.replyOpen?.session !== frame.session) return;
        if (data?.type === "ready") {
          // On the first load, and on a reload by a redraw while the reader was typing.
          if (frame.focus) element.focus({ preventScroll: true });
          frame.port.postMessage({ type: "open", mode: "reply", session: frame.session, name: open.name,
            draft: this.replyDraft, focus: frame.focus, dark: this.root.classList.contains("dark") });
          frame.focus = false;
          return;
        }
        if (data?.session !== frame.session) return;
        if (data.type === "size") element.style.height = `${Math.max(60, Math.ceil(Number(data.height) || 0))}px`;
        else if (data.type === "draft") this.replyDraft = String(data.text ?? "");
        else if (data.type === "send") this.sendReply(String(data.note ?? "").trim());
        else if (data.type === "cancel") this.closeReply();
      };
      // Its document has the extension's origin, whatever per-session URL it was loaded at.
      element.contentWindow?.postMessage({ type: "postil-editor", nonce }, new URL(extensionUrl("")).origin, [channel.port2]);
    });
    return frame;
  }

  /**
   * The reply box closes (sent or cancelled, often by a key: Escape, Ctrl+Enter): its frame is
   * hidden at once, which gives the keyboard back to the page's document, and removed a moment
   * later. Removed at once, the rest of the key that closed it (its keyup, already on its way to
   * the frame) would go to a frame that no longer exists: Chromium then never acknowledges it,
   * and a test driving the keyboard waits for that forever. fillThread leaves it in place.
   */
  retireReplyFrame() {
    const element = this.replyFrame?.element;
    this.replyFrame = null;
    const holder = element?.isConnected ? element.closest(".reply-box") : null;
    if (!holder) return;
    holder.classList.add("retiring");
    element.blur();
    setTimeout(() => holder.remove(), REPLY_RETIRE_MS);
  }

  /** Give the keyboard back to the reply box after a redraw moved (and so reloaded) its frame. */
  focusReply() {
    if (!this.replyFrame?.element.isConnected) return;
    this.replyFrame.focus = true;
    // At once, while it loads: keys typed meanwhile go to the frame, not to the page.
    this.replyFrame.element.focus({ preventScroll: true });
  }

  sendReply(note) {
    const open = this.replyOpen;
    if (!open || !note) return;
    const a = this.threadOwners.get(open.root);
    if (!a) return;
    const target = this.threadOwners.get(open.target) ?? { id: open.target, post: a.post };
    this.replyOpen = null;
    this.replyDraft = "";
    this.retireReplyFrame();
    this.actions.reply?.({ id: open.target, post: target.post ?? a.post }, note, a.id);
    const box = this.listArea.querySelector(`[data-thread="${CSS.escape(a.id)}"]`);
    if (box) {
      this.fillThread(box, a);
      box.querySelector("button.reply-button")?.focus({ preventScroll: true });
    }
  }

  /** Open the reply box below thread `root`, answering `target` (the root or a reply in it). */
  openReply(root, target, name) {
    const previous = this.replyOpen?.root;
    if (this.replyOpen?.target !== target) this.replyDraft = "";
    this.replyOpen = { root, target, name, session: randomToken() };
    this.replyFrame = null;
    for (const id of new Set([previous, root])) {
      const box = id && this.listArea.querySelector(`[data-thread="${CSS.escape(id)}"]`);
      if (box) this.fillThread(box, this.threadOwners.get(id));
    }
    // The keyboard goes to the box's frame at once, even while it loads; and the box is scrolled
    // into the sidebar's view. Out of view the reader could not see what they type, and Chromium
    // does not render a frame of another origin it cannot see: its idea of where the frame is
    // (which a click on Send is routed by) goes stale until it is seen again.
    this.replyFrame?.element.focus({ preventScroll: true });
    this.replyFrame?.element.scrollIntoView({ block: "nearest" });
  }

  closeReply() {
    const root = this.replyOpen?.root;
    this.replyOpen = null;
    this.replyDraft = "";
    this.retireReplyFrame();
    const box = root && this.listArea.querySelector(`[data-thread="${CSS.escape(root)}"]`);
    if (box) {
      this.fillThread(box, this.threadOwners.get(root));
      box.querySelector("button.reply-button")?.focus();
    }
  }

  /** Scroll the sidebar to an item and mark it briefly. */
  showItem(id) {
    const item = this.listArea.querySelector(`[data-id="${CSS.escape(id)}"]`);
    if (!item) return;
    item.scrollIntoView({ block: "nearest" });
    item.classList.add("flash");
    setTimeout(() => item.classList.remove("flash"), 1200);
  }
}
