// The toolbar popup: who is signed in, whether the server answers, how many annotations this post
// has on the server, how many changes wait in the queue, and a button to open the page's sidebar.
// It asks the active tab's content script which post it shows, and the background for the rest.

import { activeTab, openOptionsPage, send, sendToTab } from "../shared/browser.js";
import { TO_BACKGROUND as T, TO_CONTENT } from "../shared/messages.js";

const $ = (id) => document.getElementById(id);

/** The tab the popup is about: the active one, or `?tab=<id>` when the popup is opened as a page. */
async function targetTab() {
  const asked = Number(new URLSearchParams(location.search).get("tab"));
  return asked ? { id: asked } : activeTab();
}

function show(id, text, tone = "") {
  const el = $(id);
  el.textContent = text;
  el.className = tone;
}

async function load() {
  const tab = await targetTab();
  const [status, page] = await Promise.all([
    send(T.GET_STATUS, { probe: true }),
    tab ? sendToTab(tab.id, TO_CONTENT.GET_PAGE_POST) : null,
  ]);
  if (status.ok) {
    const s = status.value;
    show("server", `${s.server} — ${s.serverUp === false ? "unreachable" : s.serverUp ? "connected" : "unknown"}`, s.serverUp === false ? "err" : "ok");
    show("user", s.signedIn ? s.user ?? "signed in" : "not signed in", s.signedIn ? "" : "warn");
    show("queued", String(s.queued), s.queued ? "warn" : "");
    const problems = $("problems");
    problems.hidden = !s.failed.length;
    problems.textContent = s.failed.length
      ? `${s.failed.length} change${s.failed.length === 1 ? " was" : "s were"} refused by the server (see the sidebar).`
      : "";
  } else {
    show("server", status.error.message, "err");
  }
  if (!page?.ok) {
    show("count", "no Postil on this page", "muted");
    $("open-sidebar").disabled = true;
    return;
  }
  const count = await send(T.COUNT_ANNOTATIONS, { post: page.value.post });
  const onPage = `${page.value.shown} shown here`;
  show("count", count.ok ? `${count.value} on the server (${onPage})` : `${onPage}; server count unavailable`);
}

$("open-sidebar").addEventListener("click", async () => {
  const tab = await targetTab();
  if (tab) await sendToTab(tab.id, TO_CONTENT.OPEN_SIDEBAR);
  window.close();
});
$("sync-now").addEventListener("click", async () => {
  await send(T.SYNC_NOW);
  await load();
});
$("options").addEventListener("click", () => openOptionsPage());

load();
