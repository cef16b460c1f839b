// The notebook's "Replies to you": the replies other readers wrote to the reader's annotations,
// newest first, each with who wrote it and when, its note, the passage (or note) it answers and
// a link to the post. Showing them marks them read (on the server, so every device agrees), and
// the extension's button loses its badge. The tab's name carries the unread count.

import { send } from "../shared/browser.js";
import { TO_BACKGROUND as T } from "../shared/messages.js";
import { setNoteHtml } from "../shared/note-html.js";

const $ = (id) => document.getElementById(id);
const PAGE = 50;
const tabs = { annotations: $("tab-annotations"), replies: $("tab-replies") };
let cursor = null;
let loaded = false;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso ?? "") : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function showUnread(unread) {
  tabs.replies.textContent = unread > 0 ? `Replies to you (${unread})` : "Replies to you";
}

function select(which) {
  for (const [name, tab] of Object.entries(tabs)) {
    const on = name === which;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
  if (which === "replies" && !loaded) loadReplies();
}

function renderReply(reply) {
  const item = el("li", { class: `reply-to-you${reply.unread ? " unread" : ""}`, "data-id": reply.id });
  const parent = reply.parent;
  const answers = parent?.deleted ? "your annotation, deleted since"
    : parent?.quote ? `“${parent.quote}”` : parent?.note ? `your note “${parent.note}”` : "your annotation";
  item.append(el("p", { class: "answers" }, `Answers ${answers}`));
  const note = el("div", { class: "note" });
  if (reply.note_html) setNoteHtml(note, reply.note_html);
  else {
    note.textContent = reply.note ?? "";
    note.classList.add("plain");
  }
  item.append(note);
  const meta = el("div", { class: "meta" },
    el("span", { class: "author", text: reply.user ?? "Anonymous" }),
    el("time", { datetime: reply.created, text: formatTime(reply.created) }));
  if (reply.unread) meta.append(el("span", { class: "badge", text: "New" }));
  if (reply.post?.url) meta.append(el("a", { href: reply.post.url, target: "_blank", rel: "noopener", text: "Open the post" }));
  item.append(meta);
  return item;
}

async function loadReplies() {
  loaded = true;
  const summary = $("replies-summary");
  summary.textContent = "Loading…";
  const answer = await send(T.REPLIES_TO_ME, { limit: PAGE, cursor });
  if (!answer.ok) {
    loaded = false;
    summary.textContent = `Cannot load the replies: ${answer.error.message}`;
    return;
  }
  const page = answer.value;
  if (!page.signedIn) {
    summary.textContent = "You are not signed in, so there is nothing to show.";
    return;
  }
  const list = $("replies-list");
  for (const reply of page.items ?? []) list.append(renderReply(reply));
  cursor = page.next_cursor ?? null;
  $("replies-more").hidden = !cursor;
  const total = page.total ?? 0;
  summary.textContent = total ? `${total} ${total === 1 ? "reply" : "replies"} to your annotations.` : "Nobody has replied to your annotations yet.";
  showUnread(page.unread ?? 0);
  // Shown: read, up to the newest shown (a reply arriving meanwhile stays unread).
  const newest = (page.items ?? []).find((reply) => reply.unread);
  if (newest) {
    const read = await send(T.MARK_REPLIES_READ, { until: page.items[0].created });
    if (read.ok) showUnread(read.value?.unread ?? 0);
  }
}

for (const [name, tab] of Object.entries(tabs)) {
  tab.addEventListener("click", () => select(name));
  tab.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const other = name === "annotations" ? "replies" : "annotations";
    select(other);
    tabs[other].focus();
  });
}
$("replies-more").addEventListener("click", () => loadReplies());

// The tab says how many are unread from the start; `#replies` opens it.
send(T.REPLIES_TO_ME, { limit: 1 }).then((answer) => {
  if (answer.ok) showUnread(answer.value.unread ?? 0);
}).catch(() => {});
if (location.hash === "#replies") select("replies");
