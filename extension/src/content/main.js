// The content script's entry point and composition root: it reads the debug options, builds
// the page's modules and wires each to the others it talks to, then starts them.
//
//   post-identity.js  which post the page shows, and the other posts' articles below it
//   lifecycle.js      the page over time: another post without a page load, next stories,
//                     late content; where a passage belongs
//   highlights.js     anchoring and painting: the entries, placed a batch at a time
//   selection.js      selection and toolbar: what the reader does on the page
//   editor.js         the note editing flow
//   sync.js           sync with the background: loading, saving, messages, status
//   live.js           live updates: a port to the background, which follows the server's stream
//   ui.js             the UI itself (toolbar, sidebar, card, editor) in one Shadow DOM host
//
// `start(host)` is called by each of the two hosts of these modules (hosts.js): the extension's
// content script (entry.js) and the embed a site includes (src/embed/entry.js). The host says
// whether the reader may write here, whether the UI offers its own button to open the sidebar
// (the embed has no extension button), and the name its highlights are registered under.
//
// The page is only ever read, never rewritten (except by the <postil-mark> fallback painter where
// the CSS Highlight API is missing); our UI lives in one Shadow DOM host.

import { storage } from "../shared/browser.js";
import { EXTENSION_HOST } from "./hosts.js";
import { NoteEditor } from "./editor.js";
import { Highlights } from "./highlights.js";
import { PageLifecycle } from "./lifecycle.js";
import { LiveFollow } from "./live.js";
import { pageIsDark } from "./paint.js";
import { currentPost } from "./post-identity.js";
import { SelectionToolbar } from "./selection.js";
import { Sync } from "./sync.js";
import { PostilUI } from "./ui.js";

export async function start(host = EXTENSION_HOST) {
  if (!document.body || !(document instanceof HTMLDocument)) return null;
  const debug = await debugOptions();
  const page = { readOnly: host.readOnly };
  page.lifecycle = new PageLifecycle(currentPost(), {
    postChanged: () => {
      // A selection made in the new article stays, and its toolbar with it: it is already this
      // post's. A note card shows one of the last post's annotations.
      page.ui.closeCard();
      page.sync.showAnotherPost();
    },
    articlesChanged: () => page.sync.refresh(),
    contentAdded: () => page.sync.retryOrphans(),
  });
  page.highlights = new Highlights({
    painted: () => page.lifecycle.ignoreOwnChanges(),
    articleAt: (node) => page.lifecycle.articleAt(node),
  }, { paintName: host.paintName });
  page.ui = new PostilUI({
    highlight: (color) => page.selection.highlight(color),
    addNote: () => page.selection.addNote(),
    dismissToolbar: () => page.selection.dismiss(),
    goTo: (id) => page.highlights.goTo(id),
    edit: (id) => page.editor.edit(id),
    delete: (id) => page.sync.remove(id),
    discardFailed: (seq) => page.sync.discardFailed(seq),
    loadThread: (id) => page.sync.loadThread(id),
    reply: (parent, note, root) => page.sync.reply(parent, note, root),
    setHidden: (id, hidden) => page.sync.setHidden(id, hidden),
    flag: (id, reason, note) => page.sync.flag(id, reason, note),
    setReplyHidden: (id, root, hidden) => page.sync.setReplyHidden(id, root, hidden),
    account: () => page.sync.account(),
    // An opened sidebar says how the server stands now, not as it stood at the last load.
    sidebarToggled: (open) => open && page.sync.updateStatus({ probe: true }),
  }, { frameEditor: host.frameEditor, ...debug.ui, readOnly: host.readOnly, launcher: host.launcher });
  page.sync = new Sync(page, { anchoringTimings: debug.anchoringTimings });
  page.live = new LiveFollow({
    posts: () => [page.lifecycle.post, ...[...page.lifecycle.articles.values()].map((a) => a.post)],
    changed: (message) => {
      // A removed id may be a reply in a shown thread (a moderator hid it): that thread is read again.
      page.sync.liveReplies([...(message.replied ?? []), ...(message.removed ?? []).map((id) => ({ id, reply_to: null }))]);
      return page.sync.applyLive(message);
    },
    reset: () => page.sync.refresh(),
  });
  page.stop = () => stop(page);
  page.editor = new NoteEditor(page);
  page.selection = new SelectionToolbar(page);

  page.ui.mount();
  page.ui.setTheme(pageIsDark());
  page.selection.listen();
  page.sync.listen();
  page.lifecycle.start();
  await page.live.start();
  await page.sync.refresh();
  page.lifecycle.observe();
  return page;
}

/** Take the page's highlights and UI away and stop following it: its host leaves (hosts.js). */
function stop(page) {
  page.stopped = true;
  page.live.stop();
  page.lifecycle.stop();
  page.highlights.dispose();
  page.ui.unmount();
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
    return {
      ui: { openShadowRoot: got.debugOpenShadowRoot === true,
            frameSilent: got.debugEditorFrameSilent === true,
            ...(Number.isInteger(wait) && wait >= 0 ? { frameWaitMs: wait } : {}) },
      anchoringTimings: got.debugAnchoringTimings === true,
    };
  } catch {
    return { ui: {}, anchoringTimings: false };
  }
}
