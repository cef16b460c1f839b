// Sync with the background, the only part of the extension that talks to the server: load the
// shown posts' annotations (and the queue's status, and the reader's settings), send what the
// reader creates, edits and deletes, and answer the messages the background and the popup send
// to this page. Changes to the page's state run one after another (serial), so a refresh never
// interleaves with an edit.

import { onMessage, send } from "../shared/browser.js";
import { DEFAULT_SETTINGS } from "../shared/colors.js";
import { TO_BACKGROUND as T, TO_CONTENT, ok } from "../shared/messages.js";
import { describeRange } from "./anchors.js";
import { measuredPacing } from "./highlights.js";
import { postKey, samePost, storyName } from "./post-identity.js";
import { flagOffer } from "../shared/moderation.js";
import { hiddenAbove, mayModerate, mayModerateReply } from "../shared/roles.js";
import { choiceValue, defaultVisibility, visibilityChoices } from "../shared/visibility.js";

// How old a copy of the reader's groups the editor's picker may use (the options page, which
// changes them, refreshes the background's copy at once).
const GROUPS_MAX_AGE_MS = 60_000;

export class Sync {
  /** page: {lifecycle, highlights, ui, selection}; debug.anchoringTimings: report each load. */
  constructor(page, { anchoringTimings = false } = {}) {
    this.page = page;
    this.anchoringTimings = anchoringTimings;
    this.user = null;
    this.status = { text: "Loading…" };
    this.settings = { ...DEFAULT_SETTINGS };
    // The reader's groups ([{id, name, …}]), or null while unknown.
    this.groups = null;
    // The registered site the page's post is on (SITE_OF_POST), or null: flags go to its
    // moderators. `canSignIn`: the host lets the reader sign in here (the embed's status).
    this.site = null;
    this.canSignIn = false;
    this.work = Promise.resolve();
    this.refreshWaiting = null;
  }

  /** Run page-state changes one after another so a refresh never interleaves with an edit. */
  serial(fn) {
    const run = this.work.then(fn);
    this.work = run.catch((err) => console.warn("Postil:", err));
    return run;
  }

  /** Answer the messages the background and the extension's pages send to this page. */
  listen() {
    const { ui, highlights, lifecycle, selection } = this.page;
    onMessage(async (message) => {
      switch (message.type) {
        case TO_CONTENT.TOGGLE_SIDEBAR:
          ui.toggleSidebar();
          return ok(ui.sidebarOpen);
        case TO_CONTENT.OPEN_SIDEBAR:
          ui.toggleSidebar(true);
          return ok(true);
        case TO_CONTENT.HIGHLIGHT_SELECTION:
          selection.check();
          await selection.highlight(this.settings.defaultColor);
          return ok(true);
        case TO_CONTENT.STATUS_CHANGED:
          await this.updateStatus();
          return ok(true);
        case TO_CONTENT.ANNOTATIONS_CHANGED:
          await this.refresh();
          return ok(true);
        case TO_CONTENT.GET_PAGE_POST:
          return ok({ post: lifecycle.post, ...highlights.counts() });
        default:
          return undefined;
      }
    });
  }

  /**
   * Load the shown posts' annotations again and anchor what changed. Calls made while one is
   * waiting to run join it (it reads the page's posts when it runs): a page switching its head
   * back and forth cannot queue a request to the server for every switch.
   */
  refresh() {
    if (this.refreshWaiting) return this.refreshWaiting;
    this.refreshWaiting = this.serial(async () => {
      this.refreshWaiting = null;
      const { lifecycle, highlights } = this.page;
      const post = lifecycle.post;
      const articles = [...lifecycle.articles.entries()];
      // Followed live from before the lists are read, so no change falls between the two.
      this.page.live?.follow();
      const [list, status, settings, groups, ...lists] = await Promise.all([
        send(T.LIST_ANNOTATIONS, { post }),
        send(T.GET_STATUS, { probe: false }),
        send(T.GET_SETTINGS),
        send(T.LIST_GROUPS, { maxAgeMs: GROUPS_MAX_AGE_MS }),
        ...articles.map(([, article]) => send(T.LIST_ANNOTATIONS, { post: article.post })),
      ]);
      const arrived = performance.now();
      if (list.ok) this.page.live?.loaded();
      if (settings.ok) this.settings = { ...this.settings, ...settings.value };
      if (groups.ok) this.groups = groups.value.items;
      this.canSignIn = Boolean(status.ok && status.value.canSignIn);
      if (!list.ok) {
        this.status = { text: `Postil cannot load annotations: ${list.error.message}`, offline: true };
        await this.render();
        return;
      }
      if (status.ok) this.mayWrite(status.value);
      const { items, user, online, signedIn, error } = list.value;
      this.user = user;
      this.page.ui.me = user;
      this.lookUpSite(post);
      // The page's post is anchored in the whole page; another post's article in itself. An
      // article whose list did not come keeps what it showed.
      const batches = [{ article: null, post, root: lifecycle.root, items },
        ...articles.map(([id, article], i) => ({ article: id, post: article.post, root: article.root, items: lists[i].ok ? lists[i].value.items : null }))];
      for (const batch of batches) {
        if (batch.items) batch.items = batch.items.map((item) => this.decorate(item, batch.article === null ? null : batch.post));
      }
      highlights.spent = { anchorMs: 0, paintMs: 0 };
      await highlights.update(batches);
      const painted = performance.now();
      this.status = describeStatus({ online, signedIn, user, error, status: status.ok ? status.value : null, readOnly: this.page.readOnly });
      await this.render();
      if (this.anchoringTimings) this.reportTimings({ arrived, painted, listed: performance.now(), ...highlights.spent });
    });
    return this.refreshWaiting;
  }

  /**
   * Show how the server and the sign-in stand now, as the background knows it (`probe`: after
   * asking the server), without loading the annotations again.
   */
  updateStatus({ probe = false } = {}) {
    return this.serial(async () => {
      const reply = await send(T.GET_STATUS, { probe });
      if (!reply.ok) return;
      const s = reply.value;
      this.mayWrite(s);
      const unauthorized = s.problem?.kind === "unauthorized";
      // serverUp is null when nothing has been asked of the server yet: not "unreachable".
      this.status = describeStatus({ online: s.serverUp !== false && !unauthorized, signedIn: s.signedIn,
        user: s.user ?? this.user, error: s.problem, status: s, readOnly: this.page.readOnly });
      await this.render();
    });
  }

  /**
   * A host that starts read-only (the embed) writes once its status says the reader may here
   * (`canWrite`: signed in, and the site's policy lets them); the extension's status says
   * nothing of it and it always writes.
   */
  mayWrite(status) {
    if (!status || !("canWrite" in status)) return;
    this.page.readOnly = !status.canWrite;
    this.page.ui.readOnly = this.page.readOnly;
    if (this.page.readOnly) this.page.ui.hideToolbar();
  }

  /**
   * Sign in or out where the host lets the reader (the embed's sidebar button): the reader's
   * click opens the sign-in at once (a pop-up opened after a wait is blocked), then the page's
   * annotations are read again as the reader now is.
   */
  async account() {
    const signingOut = this.status?.account === "sign-out";
    const reply = await send(signingOut ? T.SIGN_OUT : T.SIGN_IN);
    if (!reply.ok) {
      this.status = { ...this.status, text: reply.error.message, offline: true };
      await this.serial(() => this.render());
      return;
    }
    if (signingOut || reply.value) await this.refresh();
  }

  /** The page shows another post now: its annotations replace the last one's. */
  showAnotherPost() {
    this.serial(async () => {
      this.page.highlights.clear();
      this.status = { text: "Loading…" };
      await this.render();
    });
    // Not joined to a refresh already waiting: that one runs before the clearing above.
    this.refreshWaiting = null;
    this.refresh();
  }

  /**
   * Live updates (live.js): the background heard that some of the shown posts' annotations
   * changed (`byKey`: post key → ids) or are no longer the reader's to see (`removed`). Each is
   * read back as the background knows it now (its cached copy with the reader's unsynced changes
   * laid over, in this page's turn, so an edit the reader just made is not undone), then painted
   * or unpainted, and the sidebar drawn again; the rest of the page is left as it is.
   */
  applyLive({ byKey = {}, removed = [] }) {
    let reload = false;
    const applied = this.serial(async () => {
      const { lifecycle, highlights } = this.page;
      const shown = [{ article: null, post: lifecycle.post, root: lifecycle.root },
        ...[...lifecycle.articles.entries()].map(([id, a]) => ({ article: id, post: a.post, root: a.root }))];
      const asks = new Map(); // batch → ids
      const ask = (batch, id) => {
        if (!asks.has(batch)) asks.set(batch, new Set());
        asks.get(batch).add(id);
      };
      for (const batch of shown) for (const id of byKey[postKey(batch.post)] ?? []) ask(batch, id);
      for (const id of removed) {
        const entry = highlights.get(id);
        const batch = entry && shown.find((b) => b.article === entry.article);
        if (batch) ask(batch, id);
      }
      if (!asks.size) return;
      for (const [batch, idSet] of asks) {
        const ids = [...idSet];
        const reply = await send(T.ANNOTATIONS_STATE, { post: batch.post, ids });
        if (!reply.ok || !reply.value) {
          reload = true; // no copy of that post to answer from: read it all again
          continue;
        }
        const now = new Map(reply.value.items.map((item) => [item.id, item]));
        const story = batch.article === null ? null : batch.post;
        const items = ids.filter((id) => now.has(id)).map((id) => this.decorate(now.get(id), story));
        await highlights.upsert({ ...batch, items });
        for (const id of ids) {
          const entry = highlights.get(id);
          if (now.has(id) || !entry || entry.article !== batch.article) continue;
          highlights.remove(entry);
          // Its note card, open, would offer to edit what is gone.
          if (this.page.ui.cardId === id) this.page.ui.closeCard();
        }
      }
      await this.render();
    });
    return applied.then(() => (reload ? this.refresh() : undefined));
  }

  /** The page added content: place the annotations that had no passage, only those. */
  retryOrphans() {
    return this.serial(async () => {
      const placed = await this.page.highlights.retryOrphans((entry) => this.page.lifecycle.rootOf(entry));
      if (placed) await this.render();
    });
  }

  /**
   * An annotation as the sidebar and card show it; `story`: the other post whose article it is
   * in. `moderate`: the reader may hide it from its group or show it again (their role there).
   * `flag`: how the reader may flag it for its site's moderators (shared/moderation.js).
   */
  decorate(item, story = null) {
    const out = { ...item, own: Boolean(item.pending || item.failed || (this.user && item.user === this.user)) };
    out.moderate = !out.own && mayModerate(item, this.groups, this.user);
    out.flag = flagOffer(item, { site: this.site, signedIn: Boolean(this.user), canSignIn: this.canSignIn, own: out.own });
    if (story) out.story = storyName(story);
    return out;
  }

  /**
   * Ask which registered site `post` is on (its moderators read flags), once per post and
   * reader, beside the load rather than in its way: when the answer comes, the listed notes
   * are offered Flag as it allows. Not known (the server away): no Flag, asked again next load.
   */
  lookUpSite(post) {
    const key = `${this.user ?? ""} ${post?.site ?? post?.url ?? ""}`;
    if (this.siteKey === key) return;
    this.siteKey = key;
    this.site = null;
    send(T.SITE_OF_POST, { post }).then((reply) => {
      if (this.siteKey !== key) return undefined;
      if (!reply.ok) {
        this.siteKey = null;
        return undefined;
      }
      this.site = reply.value;
      if (!this.site) return undefined;
      return this.serial(async () => {
        for (const entry of this.page.highlights.entries.values()) {
          const a = entry.annotation;
          entry.annotation = { ...a, flag: flagOffer(a, { site: this.site, signedIn: Boolean(this.user), canSignIn: this.canSignIn, own: a.own }) };
        }
        await this.render();
      });
    }).catch(() => {
      this.siteKey = null;
    });
  }

  /** What a new note or highlight on `post` starts as: `{visibility, group}` (shared/visibility.js). */
  visibilityFor(post) {
    return defaultVisibility(this.settings, post?.site ?? null, this.groups);
  }

  /** The editor's visibility picker: Private, the reader's groups, Public (and `current`'s group). */
  visibilityChoices(current = null) {
    return visibilityChoices(this.groups ?? [], current);
  }

  /**
   * The reader chose `values`' visibility for a new note on `post`: new notes on its site start
   * so from now on (the options page lists and forgets these).
   */
  rememberVisibility(post, values) {
    const site = post?.site;
    if (!site) return;
    const now = this.settings.siteVisibility?.[site];
    if (now && choiceValue(now) === choiceValue(values)) return;
    const chosen = { visibility: values.visibility, group: values.group ?? null };
    this.settings = { ...this.settings, siteVisibility: { ...(this.settings.siteVisibility ?? {}), [site]: chosen } };
    send(T.REMEMBER_SITE_VISIBILITY, { site, ...chosen }).catch(() => {});
  }

  /** Draw the sidebar: the shown entries and the status line (a slice at a time). */
  async render() {
    const { ui, highlights } = this.page;
    const pacing = measuredPacing((ms) => highlights.noteSlice(ms));
    await ui.renderSidebar(highlights.grouped(), this.status, pacing);
    pacing.done();
  }

  /**
   * Save a new highlight or note on `range`, as the reader's selection was described where it
   * was made (`where`: post, root, article; `described`: its selectors if already worked out).
   */
  create(range, values, { post, root, article, described = null, quote = range.toString() }) {
    return this.serial(async () => {
      const { lifecycle, highlights, ui } = this.page;
      const selectors = await (described ?? describeRange(root, range));
      const reply = await send(T.CREATE_ANNOTATION, {
        annotation: { post, quote, selectors, ...values },
      });
      if (!reply.ok) {
        ui.announce(`Could not save the highlight: ${reply.error.message}`);
        return;
      }
      // A note is saved a while after it was begun: is its post still shown?
      lifecycle.lookAround();
      const shown = lifecycle.postShownAt(article);
      if (!shown || !samePost(post, shown)) {
        // Saved with the post it was written on; the page shows another one now.
        ui.announce("Saved.");
        return;
      }
      const annotation = this.decorate({ ...reply.value, pending: true }, article === null ? null : post);
      const entry = { annotation, range, state: "anchored", post, article };
      if (range.collapsed || !range.commonAncestorContainer.isConnected) {
        // The passage's text was replaced meanwhile (the site showed another post and came
        // back): find it again from what was described.
        entry.range = null;
        entry.state = "orphan";
        const now = lifecycle.rootOf(entry);
        if (now) await highlights.place(entry, now);
        else highlights.add(entry);
      } else {
        highlights.add(entry);
      }
      await this.render();
      ui.announce("Highlighted.");
    });
  }

  /**
   * Save the reader's changes to an annotation: to the entry they edited, even if the page moved
   * on, over the annotation as it was when they began (`before`).
   */
  update(id, entry, before, values) {
    return this.serial(async () => {
      const { highlights, ui } = this.page;
      const reply = await send(T.UPDATE_ANNOTATION, { id, post: entry.post, changes: values });
      if (!reply.ok) {
        ui.announce(`Could not save: ${reply.error.message}`);
        return;
      }
      if (highlights.get(id) !== entry) {
        // The page shows another post now: saved, nothing here to repaint.
        ui.announce("Saved.");
        return;
      }
      const a = before;
      const noteChanged = values.note !== a.note;
      const groupName = values.visibility !== "group" ? null
        : this.groups?.find((g) => g.id === values.group)?.name ?? (values.group === a.group ? a.group_name : null);
      entry.annotation = { ...a, ...values, group_name: groupName, note_html: noteChanged ? null : a.note_html, pending: true };
      // Repainted for a new colour, or a note written or emptied (noted highlights are underlined).
      if (entry.state === "anchored" && (values.color !== a.color || Boolean(values.note?.trim()) !== Boolean(a.note?.trim()))) {
        highlights.paint(entry);
      }
      await this.render();
      ui.announce("Saved.");
    });
  }

  remove(id) {
    const { highlights, ui } = this.page;
    // The entry the reader pressed Delete on, even if the page moves on to another post first.
    const entry = highlights.get(id);
    if (!entry) return Promise.resolve();
    return this.serial(async () => {
      const reply = await send(T.DELETE_ANNOTATION, { id, post: entry.post });
      if (!reply.ok) {
        ui.announce(`Could not delete: ${reply.error.message}`);
        return;
      }
      if (highlights.get(id) === entry) {
        // A note that replies answer leaves their thread a head: a tombstone, as the server's.
        if (entry.annotation.reply_count > 0 || ui.threads.get(id)?.some((r) => !r.deleted)) {
          highlights.toTombstone(entry, { ...entry.annotation, deleted: true, note: "", note_html: null, tags: [], pending: true });
        } else highlights.remove(entry);
      }
      await this.render();
      ui.announce("Deleted.");
    });
  }

  /**
   * As a moderator of its group, hide another reader's annotation from the group (`hidden`) or
   * show it again: the server's answer is laid over the page as a live change would be (it
   * stays listed, marked hidden, for the moderator); a refusal is shown on the item in words.
   */
  async setHidden(id, hidden) {
    const { highlights, ui } = this.page;
    const entry = highlights.get(id);
    if (!entry) return;
    const reply = await send(T.SET_HIDDEN, { id, post: entry.post, hidden });
    if (!reply.ok) {
      const text = `Could not ${hidden ? "hide this note from the group" : "show this note to the group again"}: ${reply.error.message}`;
      ui.itemProblem(id, text);
      ui.announce(text);
      await this.serial(() => this.render());
      return;
    }
    ui.itemProblem(id, null);
    await this.applyLive({ byKey: { [postKey(entry.post)]: [id] } });
    ui.announce(hidden ? "Hidden from the group." : "Shown to the group again.");
  }

  /**
   * Flag another reader's public note for its site's moderators: answers the background's reply
   * (`{ok}`, or `{ok: false, error}` with the server's status and words), which the sidebar's
   * flag form shows.
   */
  flag(id, reason, note) {
    return send(T.FLAG_ANNOTATION, { id, reason, note });
  }

  /**
   * Load the thread below annotation `id` (through the background) and draw it in the sidebar;
   * each reply says whether it is hidden on its own (`hiddenHere`: not by one above it) and
   * whether the reader may hide or show it (`moderate`, their role in its group).
   */
  async loadThread(id) {
    const reply = await send(T.LIST_REPLIES, { id });
    if (!reply.ok) return;
    const root = this.page.highlights.get(id)?.annotation ?? { id };
    const rows = reply.value.items;
    this.page.ui.setThread(id, rows.map((row) => ({ ...row,
      hiddenHere: Boolean(row.hidden) && !hiddenAbove(row, root, rows),
      moderate: mayModerateReply(row, root, rows, this.groups, this.user) })));
  }

  /**
   * As a moderator of its group, hide reply `id` (in the thread below annotation `root`) from
   * the group, with the replies below it, or show it again; the thread is read again. A
   * refusal is shown on the thread's annotation, in the server's words.
   */
  async setReplyHidden(id, root, hidden) {
    const { ui } = this.page;
    const reply = await send(T.SET_HIDDEN, { id, post: null, hidden });
    if (!reply.ok) {
      const text = `Could not ${hidden ? "hide this reply from the group" : "show this reply to the group again"}: ${reply.error.message}`;
      ui.itemProblem(root, text);
      ui.announce(text);
      await this.serial(() => this.render());
      return;
    }
    if (ui.itemProblems.delete(root)) await this.serial(() => this.render());
    await this.loadThread(root);
    ui.announce(hidden ? "Reply hidden from the group." : "Reply shown to the group again.");
  }

  /**
   * Live updates: replies (`[{id, reply_to}]`) were made, edited or deleted on a shown post; the
   * threads in the sidebar they belong to are read again (one whose first reply this is too).
   */
  liveReplies(replied) {
    const roots = new Set(replied.map((reply) => this.page.ui.threadOf(reply)).filter(Boolean));
    for (const root of roots) this.loadThread(root).catch(() => {});
  }

  /** Send a reply to `parent` ({id, post}) in the thread below `root`; the thread shows it at once. */
  async reply(parent, note, root) {
    const { ui } = this.page;
    const answer = await send(T.CREATE_REPLY, { parent, note });
    if (!answer.ok) {
      ui.announce(`Could not send the reply: ${answer.error.message}`);
      return;
    }
    await this.loadThread(root);
    ui.announce("Reply saved.");
  }

  async discardFailed(seq) {
    await send(T.DISCARD_FAILED, { seq });
    await this.refresh();
  }

  /**
   * Tell the page (a benchmark's script) when the annotations arrived, were all painted and
   * all listed, the time spent anchoring and painting, the longest stretch of that work, and
   * where each annotation went.
   */
  reportTimings(timings) {
    const { highlights } = this.page;
    const entries = [...highlights.entries.values()].map((e) => ({ id: e.annotation.id, state: e.state,
      method: e.method ?? null, text: e.state === "anchored" ? String(highlights.painter.rangeOf(e.annotation.id) ?? "") : null }));
    window.postMessage({ postilDebug: "anchoring", ...timings, entries,
      longestSliceMs: highlights.longestSliceMs }, location.origin);
  }
}

function describeStatus({ online, signedIn, user, error, status, readOnly = false }) {
  const queued = status?.queued ?? 0;
  const problems = (status?.failed ?? []).map((f) => ({
    seq: f.seq,
    text: `The server refused a change${f.quote ? ` to “${f.quote.slice(0, 40)}”` : ""}: ${f.error?.message ?? "unknown error"}`,
  }));
  const waiting = queued ? ` ${queued} change${queued === 1 ? "" : "s"} waiting to sync.` : "";
  // The embed's reader signs in and out in its sidebar, where the site lets its readers write
  // (`account` names the button: sign in, sign out, or none); the extension's, on its options page.
  const account = status && "canSignIn" in status ? (signedIn ? "sign-out" : status.canSignIn ? "sign-in" : null) : null;
  if (readOnly) {
    if (signedIn) return { text: `Signed in as ${user}: your notes, your groups' and public ones, read only here.`, offline: false, problems, account };
    const more = account ? " Sign in to see your own and your groups' notes too." : "";
    return { text: `Public notes on this page, read only.${more}`, offline: false, problems, account };
  }
  if (!signedIn) return { text: `Not signed in: open Postil's options to sign in. Your highlights are kept in this browser until then.${waiting}`, offline: true, problems };
  if (!online && error?.kind === "unauthorized") {
    return { text: `The server no longer accepts your sign-in: sign in again on Postil's options page.${waiting}`, offline: true, problems };
  }
  if (!online) return { text: `Server unreachable: showing the last known copy.${waiting}`, offline: true, problems };
  return { text: `Signed in as ${user}.${waiting}`, offline: false, problems, account };
}
