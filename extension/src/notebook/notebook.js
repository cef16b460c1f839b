// The notebook page: every annotation of the signed-in user, grouped by post (the posts most
// recently annotated first, as every export lists them), each post's in reading order
// (shared/reading-order.js, the exports' rule too), with full-text search and filters (site, tags, colour, visibility, date range), pages
// loaded as the reader scrolls, edit and delete in place, a link that opens each passage, and an
// export of exactly what the filters show.
//
// It asks the background for everything (shared/messages.js); the filters it sends are the
// server's query parameters. User text goes in with textContent; the sanitised `note_html` from
// the server is the only HTML ever inserted, through shared/note-html.js's allow-list.

import { groupKey } from "../post-key/index.js";
import { send, storage } from "../shared/browser.js";
import { COLOR_LABELS, SWATCHES } from "../shared/colors.js";
import { COLORS } from "../shared/contract.js";
import { TO_BACKGROUND as T } from "../shared/messages.js";
import { setNoteHtml } from "../shared/note-html.js";
import { choiceValue, fromChoice, visibilityChoices, visibilityLabel } from "../shared/visibility.js";
import { compareReadingOrder } from "../shared/reading-order.js";
import { LiveFollow } from "../content/live.js";
import { fetchExport, fillExportSelect, saveFile } from "./files.js";
import { passageUrl } from "./passage.js";

const $ = (id) => document.getElementById(id);
const DEFAULT_PAGE_SIZE = 50;
const TYPING_PAUSE_MS = 400;

// `?pageSize=N` makes pages smaller (the browser tests use it to reach a second page quickly).
const PAGE_SIZE = Number(new URLSearchParams(location.search).get("pageSize")) || DEFAULT_PAGE_SIZE;

const state = {
  filters: {},
  cursor: null,
  done: false,
  loading: false,
  // Bumped whenever the filters change, so a page that arrives late for old filters is dropped.
  generation: 0,
  total: 0,
  shown: 0,
  groups: new Map(),
  // The server could not be reached: only annotations waiting to sync are shown.
  partial: false,
  // Whose notebook this is (the server's name for the signed-in reader).
  user: null,
  // Ids of the reader's annotations made elsewhere since the list was read (see "live" below).
  fresh: new Set(),
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function plural(n, one, many = `${one}s`) {
  return `${Number(n).toLocaleString()} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------- filters

for (const color of COLORS) $("color").append(el("option", { value: color, text: COLOR_LABELS[color] }));
fillExportSelect($("export-format"));

/** Local midnight of a `YYYY-MM-DD` day, `plusDays` later, as an ISO time for the server. */
function dayStart(day, plusDays = 0) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The form as server filters; the "to" day is inclusive, so the range ends at the next midnight. */
function readFilters() {
  const filters = {};
  const q = $("q").value.trim();
  if (q) filters.q = q;
  const site = $("site").value.trim();
  if (site) filters.site = site;
  const tags = $("tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  if (tags.length) filters.tag = tags;
  if ($("color").value) filters.color = $("color").value;
  if ($("visibility").value) filters.visibility = $("visibility").value;
  if ($("from").value) filters.created_after = dayStart($("from").value);
  if ($("to").value) filters.created_before = dayStart($("to").value, 1);
  return filters;
}

function sameFilters(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function filtering() {
  return Object.keys(state.filters).length > 0;
}

function datesReversed() {
  return Boolean($("from").value && $("to").value && $("from").value > $("to").value);
}

/** Start over with the form's filters (does nothing if they did not change, unless forced). */
function applyFilters(force = false) {
  if (datesReversed()) {
    showError("The “From” date is after the “To” date.", false);
    return false;
  }
  const filters = readFilters();
  if (!force && sameFilters(filters, state.filters)) return false;
  state.filters = filters;
  reset();
  return true;
}

let typingTimer = null;
$("filters").addEventListener("input", (event) => {
  if (event.target.matches("select, input[type=date]")) return;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => applyFilters(), TYPING_PAUSE_MS);
});
$("filters").addEventListener("change", (event) => {
  if (event.target.matches("select#export-format")) return;
  if (event.target.matches("select, input[type=date]")) applyFilters();
});
$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typingTimer);
  applyFilters(true);
});
$("clear").addEventListener("click", () => {
  for (const id of ["q", "site", "tags", "color", "visibility", "from", "to"]) $(id).value = "";
  clearTimeout(typingTimer);
  applyFilters();
  $("q").focus();
});

// ---------------------------------------------------------------- loading pages

function reset() {
  state.generation += 1;
  state.cursor = null;
  state.done = false;
  state.loading = false;
  state.total = 0;
  state.shown = 0;
  state.partial = false;
  state.groups.clear();
  state.fresh.clear();
  $("news").hidden = true;
  $("posts").replaceChildren();
  $("error").hidden = true;
  $("empty").hidden = true;
  $("end").hidden = true;
  $("load-more").hidden = true;
  $("summary").textContent = "";
  // A message about the last export is about other filters now.
  $("export-message").textContent = "";
  loadMore();
}

async function loadMore() {
  if (state.loading || state.done) return;
  state.loading = true;
  const generation = state.generation;
  $("loading").hidden = false;
  $("load-more").hidden = true;
  const reply = await send(T.NOTEBOOK_QUERY, { filters: state.filters, cursor: state.cursor, limit: PAGE_SIZE });
  if (generation !== state.generation) return;
  state.loading = false;
  $("loading").hidden = true;
  if (!reply.ok) {
    if (reply.error?.kind === "unauthorized") return showSignedOut();
    return showError(`Could not load annotations: ${reply.error?.message ?? "unknown error"}`, true);
  }
  const page = reply.value;
  if (!page.signedIn) return showSignedOut();
  showAccount(page.user, page.server);
  state.user = page.user;
  $("error").hidden = true;
  $("signed-out").hidden = true;
  $("filters").hidden = false;
  state.total = page.total;
  for (const annotation of page.items) addAnnotation(annotation);
  state.cursor = page.next_cursor;
  state.done = !page.next_cursor;
  // Offline: only what waits to sync was shown; "Try again" starts over.
  state.partial = Boolean(page.unreachable);
  showSummary();
  $("load-more").hidden = state.done;
  $("end").hidden = !state.done || state.shown === 0 || state.partial;
  if (state.partial) {
    showError(state.shown
      ? `Only annotations waiting to sync are shown: ${page.unreachable}`
      : `Could not load annotations: ${page.unreachable}`, true);
  }
  // The observer only reports changes; if the sentinel is still in view the page is not yet
  // full, so look again.
  if (!state.done) {
    observer.unobserve($("more"));
    observer.observe($("more"));
  }
}

const observer = new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) loadMore();
}, { rootMargin: "200px 0px" });
observer.observe($("more"));
$("load-more").addEventListener("click", () => loadMore());
$("retry").addEventListener("click", () => {
  $("error").hidden = true;
  if (state.shown === 0 || state.partial) reset();
  else loadMore();
});

function showSummary() {
  const empty = $("empty");
  if (state.shown === 0 && state.partial) {
    // Nothing waits to sync, and what the server has is unknown: the error says so.
    $("summary").textContent = "";
    empty.hidden = true;
    return;
  }
  if (state.shown === 0) {
    $("summary").textContent = "";
    empty.hidden = false;
    empty.textContent = filtering()
      ? "No annotations match these filters."
      : "No annotations yet. Select text on an article and choose a colour to make one.";
    return;
  }
  empty.hidden = true;
  const posts = plural(state.groups.size, "post");
  const total = plural(state.total, filtering() ? "matching annotation" : "annotation");
  $("summary").textContent = state.shown < state.total
    ? `${total}; showing ${state.shown} across ${posts}.`
    : `${total} across ${posts}.`;
}

function showAccount(user, server) {
  $("account").textContent = `Signed in as ${user} on ${server}.`;
  $("account").className = "muted";
}

function showSignedOut() {
  state.done = true;
  $("posts").replaceChildren();
  $("summary").textContent = "";
  $("empty").hidden = true;
  $("end").hidden = true;
  $("load-more").hidden = true;
  $("loading").hidden = true;
  $("account").textContent = "Not signed in.";
  $("account").className = "warn";
  $("signed-out").hidden = false;
  // Nothing to search or export without an account.
  $("filters").hidden = true;
}

function showError(message, canRetry) {
  if ($("account").textContent === "…") $("account").textContent = "";
  $("error-text").textContent = message;
  $("retry").hidden = !canRetry;
  $("error").hidden = false;
  if (canRetry) $("load-more").hidden = true;
}

// ---------------------------------------------------------------- rendering

/**
 * The post's section, made when its first annotation arrives. Pages come newest first, so the
 * sections, in first-seen order, are the posts most recently annotated first.
 */
function groupFor(post) {
  const key = groupKey(post);
  let group = state.groups.get(key);
  if (group) return group;
  const headingId = `post-${state.groups.size + 1}`;
  const title = post?.title?.trim() || post?.url || "Untitled page";
  const heading = el("h2", { id: headingId },
    post?.url ? el("a", { href: post.url, target: "_blank", rel: "noopener", text: title }) : el("span", { text: title }));
  const where = post?.post_id !== null && post?.post_id !== undefined ? `${post.site} · post ${post.post_id}` : post?.site ?? "";
  const list = el("ol", { class: "annotations", "aria-labelledby": headingId });
  const section = el("section", { class: "post", "data-post": key },
    heading, el("p", { class: "site muted", text: where }), list);
  $("posts").append(section);
  group = { key, section, list, count: 0 };
  state.groups.set(key, group);
  return group;
}

function addAnnotation(annotation) {
  if (document.querySelector(`li[data-id="${CSS.escape(annotation.id)}"]`)) return;
  const group = groupFor(annotation.post);
  // A later page may bring a passage that comes earlier in the article: put it in its place.
  const after = [...group.list.children].find((item) => compareReadingOrder(item.annotation, annotation) > 0);
  group.list.insertBefore(renderAnnotation(annotation), after ?? null);
  group.count += 1;
  state.shown += 1;
}

function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function renderNote(annotation) {
  const note = el("div", { class: "note" });
  if (annotation.note_html) {
    setNoteHtml(note, annotation.note_html);
  } else if (annotation.note) {
    note.textContent = annotation.note;
    note.classList.add("plain");
  } else {
    return null;
  }
  return note;
}

function renderAnnotation(annotation) {
  const color = COLORS.includes(annotation.color) ? annotation.color : "yellow";
  const item = el("li", { class: "annotation", "data-id": annotation.id, "data-color": color });
  item.style.setProperty("--swatch", SWATCHES[color]);
  fillAnnotation(item, annotation);
  return item;
}

function fillAnnotation(item, annotation, message = "") {
  item.annotation = annotation;
  const color = COLORS.includes(annotation.color) ? annotation.color : "yellow";
  item.dataset.color = color;
  item.style.setProperty("--swatch", SWATCHES[color]);
  const quote = annotation.quote?.trim()
    ? el("blockquote", { class: "quote", text: annotation.quote })
    : el("p", { class: "quote page-note muted", text: "Note on the whole page" });
  const tags = annotation.tags?.length
    ? el("ul", { class: "tags", "aria-label": "Tags" }, ...annotation.tags.map((tag) =>
      el("li", {}, el("button", { type: "button", class: "tag", "data-tag": tag, title: `Show only annotations tagged “${tag}”`, text: `#${tag}` }))))
    : null;
  const edited = annotation.updated && annotation.created && annotation.updated !== annotation.created;
  const meta = el("p", { class: "meta" },
    el("span", { class: "color" }, el("span", { class: "swatch", "aria-hidden": "true" }), COLOR_LABELS[color]),
    el("span", { class: "visibility", text: visibilityLabel(annotation) }),
    el("time", { datetime: annotation.created ?? "", text: formatTime(annotation.created) }),
    edited ? el("span", { class: "muted", text: `edited ${formatTime(annotation.updated)}` }) : null,
    annotation.pending ? el("span", { class: "warn", text: "waiting to sync" }) : null);
  const href = passageUrl(annotation);
  const actions = el("div", { class: "item-actions" },
    href ? el("a", { class: "button open", href, target: "_blank", rel: "noopener", text: annotation.quote?.trim() ? "Open at passage" : "Open post" }) : null,
    el("button", { type: "button", class: "edit", text: "Edit" }),
    el("button", { type: "button", class: "delete", text: "Delete" }));
  const status = el("p", { class: "item-status", role: "status", text: message });
  item.replaceChildren(quote, renderNote(annotation) ?? "", tags ?? "", meta, actions, status);
  describeButtons(item, annotation);
}

/** Give repeated buttons names that say which annotation they act on. */
function describeButtons(item, annotation) {
  const what = annotation.quote?.trim() ? `“${annotation.quote.trim().slice(0, 40)}${annotation.quote.trim().length > 40 ? "…" : ""}”` : "page note";
  item.querySelector("button.edit")?.setAttribute("aria-label", `Edit ${what}`);
  item.querySelector("button.delete")?.setAttribute("aria-label", `Delete ${what}`);
  item.querySelector("a.open")?.setAttribute("aria-label", `${item.querySelector("a.open").textContent}: ${what} (opens a new tab)`);
}

// ---------------------------------------------------------------- edit and delete

$("posts").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const item = button.closest("li.annotation");
  if (button.classList.contains("tag")) return filterByTag(button.dataset.tag);
  if (!item) return;
  if (button.classList.contains("edit")) startEdit(item);
  else if (button.classList.contains("delete")) askDelete(item);
});

function filterByTag(tag) {
  const tags = $("tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  if (!tags.includes(tag)) tags.push(tag);
  $("tags").value = tags.join(", ");
  applyFilters();
}

function colorSelect(id, current) {
  const select = el("select", { id, name: "color" });
  for (const color of COLORS) select.append(el("option", { value: color, text: COLOR_LABELS[color], selected: color === current }));
  return select;
}

let editors = 0;

function field(label, control, extra = "") {
  return el("div", { class: `field${extra}` }, el("label", { for: control.id, text: label }), control);
}

function startEdit(item) {
  const annotation = item.annotation;
  const n = (editors += 1);
  const note = el("textarea", { id: `edit-note-${n}`, name: "note", rows: 4 });
  note.value = annotation.note ?? "";
  const tags = el("input", { id: `edit-tags-${n}`, type: "text", name: "tags", autocomplete: "off" });
  tags.value = (annotation.tags ?? []).join(", ");
  const visibility = el("select", { id: `edit-visibility-${n}`, name: "visibility" },
    ...visibilityChoices(readerGroups, annotation).map(({ value, label }) => el("option", {
      value, selected: value === choiceValue(annotation), text: label,
    })));
  const save = el("button", { type: "submit", class: "primary", text: "Save" });
  const cancel = el("button", { type: "button", text: "Cancel" });
  const form = el("form", { class: "editor", "aria-label": "Edit annotation" },
    field("Note (Markdown)", note),
    el("div", { class: "row" },
      field("Tags (comma-separated)", tags, " grow"),
      field("Colour", colorSelect(`edit-color-${n}`, annotation.color)),
      field("Visibility", visibility)),
    el("div", { class: "row" }, save, cancel),
    el("p", { class: "item-status", role: "status" }));
  const quote = item.querySelector(".quote");
  item.replaceChildren(quote, form);
  note.focus();
  cancel.addEventListener("click", () => {
    fillAnnotation(item, annotation);
    item.querySelector("button.edit").focus();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") cancel.click();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = {
      note: note.value,
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      color: form.elements.color.value,
      ...fromChoice(visibility.value),
    };
    save.disabled = true;
    form.querySelector(".item-status").textContent = "Saving…";
    const reply = await send(T.NOTEBOOK_UPDATE, { annotation: { ...annotation, pending: undefined }, changes });
    if (!reply.ok) {
      save.disabled = false;
      form.querySelector(".item-status").textContent = `Could not save: ${reply.error?.message ?? "unknown error"}`;
      return;
    }
    const { annotation: saved, pending, refused } = reply.value;
    let message = "Saved.";
    if (refused) message = `The server refused this change: ${refused.message}`;
    else if (pending) message = "Saved here; it will reach the server when it is reachable.";
    fillAnnotation(item, { ...annotation, ...saved, pending }, message);
    item.querySelector("button.edit").focus();
  });
}

function askDelete(item) {
  const actions = item.querySelector(".item-actions");
  if (item.querySelector(".confirm")) return;
  const yes = el("button", { type: "button", class: "danger", text: "Delete" });
  const no = el("button", { type: "button", text: "Keep" });
  const confirm = el("div", { class: "confirm", role: "group", "aria-label": "Confirm delete" },
    el("span", { text: "Delete this annotation? This cannot be undone." }), yes, no);
  actions.hidden = true;
  actions.after(confirm);
  no.focus();
  no.addEventListener("click", () => {
    confirm.remove();
    actions.hidden = false;
    item.querySelector("button.delete").focus();
  });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    no.disabled = true;
    const reply = await send(T.NOTEBOOK_DELETE, { annotation: item.annotation });
    if (!reply.ok) {
      confirm.remove();
      actions.hidden = false;
      item.querySelector(".item-status").textContent = `Could not delete: ${reply.error?.message ?? "unknown error"}`;
      return;
    }
    removeItem(item, reply.value.pending);
  });
}

function removeItem(item, pending) {
  dropItem(item);
  const said = pending ? "Deleted here; the server will hear of it when it is reachable." : "Annotation deleted.";
  $("summary").textContent = `${said} ${$("summary").textContent}`.trim();
  (item.next?.querySelector("button.edit") ?? $("q")).focus();
}

/** Take an item out of the list and the counts; returns it, with `next` the item after it. */
function dropItem(item) {
  const section = item.closest("section.post");
  const group = state.groups.get(section?.dataset.post);
  const next = item.nextElementSibling ?? section?.nextElementSibling?.querySelector("li.annotation");
  item.remove();
  state.shown -= 1;
  state.total = Math.max(0, state.total - 1);
  if (group && (group.count -= 1) === 0) {
    section.remove();
    state.groups.delete(group.key);
  }
  showSummary();
  item.next = next;
  return item;
}

// ---------------------------------------------------------------- live

// The background follows the server's change stream; this page hears of every change to an
// annotation it may see (LiveFollow with `all`). One of the reader's own shown here is redrawn
// as it is now (unless it is open in an edit form) or taken out when deleted; one made elsewhere
// (another device, a tab) is not slipped in under the reader's eyes: a notice counts them and
// shows them on request, reading the list again with the same filters.

function itemFor(id) {
  return document.querySelector(`li.annotation[data-id="${CSS.escape(id)}"]`);
}

function onLive({ annotations = [], removed = [] }) {
  for (const annotation of annotations) {
    const item = itemFor(annotation.id);
    if (item) {
      if (annotation.deleted) {
        dropItem(item);
      } else if (!item.querySelector("form.editor") && (item.annotation.version ?? 0) <= (annotation.version ?? 0)) {
        fillAnnotation(item, annotation);
      }
    } else if (!annotation.deleted && state.user && annotation.user === state.user) {
      state.fresh.add(annotation.id);
    } else if (annotation.deleted) {
      state.fresh.delete(annotation.id);
    }
  }
  for (const id of removed) {
    const item = itemFor(id);
    if (item) dropItem(item);
    state.fresh.delete(id);
  }
  showNews();
}

function showNews(stale = false) {
  const n = state.fresh.size;
  if (!n && !stale) {
    $("news").hidden = true;
    return;
  }
  $("news-text").textContent = n
    ? `${plural(n, "new annotation")} made elsewhere${filtering() ? " (they may not match the filters)" : ""}.`
    : "Your annotations may have changed elsewhere.";
  $("news-show").textContent = n ? "Show them" : "Read again";
  $("news").hidden = false;
}

$("news-show").addEventListener("click", () => reset());

const live = new LiveFollow({ posts: () => [], changed: onLive, reset: () => showNews(true) }, { all: true });

// ---------------------------------------------------------------- export

$("export").addEventListener("click", async () => {
  // Export what the filters show: apply anything typed but not yet searched for first.
  clearTimeout(typingTimer);
  applyFilters();
  const button = $("export");
  const message = $("export-message");
  if (datesReversed()) {
    message.className = "err";
    message.textContent = "Fix the dates first: “From” is after “To”.";
    return;
  }
  button.disabled = true;
  message.className = "";
  message.textContent = "Preparing the export…";
  const reply = await fetchExport(state.filters, $("export-format").value);
  button.disabled = false;
  if (!reply.ok) {
    message.className = "err";
    message.textContent = `Could not export: ${reply.error?.message ?? "unknown error"}`;
    return;
  }
  saveFile(reply.value);
  message.className = "ok";
  message.textContent = `Exported ${reply.value.filename}.`;
});

// ---------------------------------------------------------------- start

async function loadSites() {
  const reply = await send(T.NOTEBOOK_SITES);
  if (!reply.ok) return;
  $("sites").replaceChildren(...reply.value.map((site) => el("option", { value: site })));
}

// Signing in or out (on the options page, in another tab) changes whose notebook this is.
storage.onChanged((changes) => {
  if (!("auth" in changes)) return;
  reset();
  loadSites();
  loadGroups();
});

// The reader's groups, for the edit form's visibility picker (the last list if the server is away).
let readerGroups = [];
async function loadGroups() {
  const reply = await send(T.LIST_GROUPS, { maxAgeMs: 60_000 });
  if (reply.ok) readerGroups = reply.value.items;
}

state.filters = readFilters();
// The list is read once the stream is placed: it then misses nothing the stream will bring.
live.start().then(() => {
  reset();
  live.loaded();
  live.follow();
});
loadSites();
loadGroups();
