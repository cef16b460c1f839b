// The popup's export of the post in the active tab: its annotations as Markdown on the clipboard,
// or downloaded in any export format, both through the server's export (asked of the background
// with the post's own filters); and the link that opens the notebook.

import { postQuery } from "../post-key/index.js";
import { activeTab, extensionUrl, sendToTab } from "../shared/browser.js";
import { TO_CONTENT } from "../shared/messages.js";
import { fetchExport, fillExportSelect, saveFile } from "../notebook/files.js";

const $ = (id) => document.getElementById(id);

$("open-notebook").href = extensionUrl("src/notebook/notebook.html");
fillExportSelect($("download-format"));

/** The tab the popup is about: the active one, or `?tab=<id>` when the popup is opened as a page. */
async function targetTab() {
  const asked = Number(new URLSearchParams(location.search).get("tab"));
  return asked ? { id: asked } : activeTab();
}

function say(text, tone = "") {
  $("export-status").textContent = text;
  $("export-status").className = tone;
}

const controls = ["copy-markdown", "download-format", "download"];
let filters = null;

async function findPost() {
  const tab = await targetTab();
  const page = tab ? await sendToTab(tab.id, TO_CONTENT.GET_PAGE_POST) : null;
  filters = page?.ok ? postQuery(page.value.post) : null;
  for (const id of controls) $(id).disabled = !filters;
  if (!filters) say("Open an article to export its annotations.", "muted");
}

function explain(error) {
  if (error?.kind === "unauthorized") return "Sign in on the options page first.";
  return `Could not export: ${error?.message ?? "unknown error"}`;
}

async function exportWith(choice, busy) {
  for (const id of controls) $(id).disabled = true;
  say(busy);
  try {
    return await fetchExport(filters, choice);
  } finally {
    for (const id of controls) $(id).disabled = false;
  }
}

$("copy-markdown").addEventListener("click", async () => {
  if (!filters) return;
  const reply = await exportWith("markdown", "Copying…");
  if (!reply.ok) return say(explain(reply.error), "err");
  try {
    await navigator.clipboard.writeText(await reply.value.blob.text());
  } catch (err) {
    return say(`Could not copy: ${err?.message ?? err}`, "err");
  }
  say("Copied this post's annotations as Markdown.", "ok");
});

$("download").addEventListener("click", async () => {
  if (!filters) return;
  const reply = await exportWith($("download-format").value, "Preparing the file…");
  if (!reply.ok) return say(explain(reply.error), "err");
  saveFile(reply.value);
  say(`Downloaded ${reply.value.filename}.`, "ok");
});

findPost();
