// The moderation page of one registered site: sign in (the token is kept in this tab's
// sessionStorage only), then the site's queue with Approve / Hide / Unhide / Bar, the barred
// users and the log, all through the API as the signed-in moderator. Text is set as text.

const main = document.getElementById("moderation");
const site = main.dataset.site;
const TOKEN_KEY = "postil-moderation-token";
const siteUrl = `/api/sites/${site.split("/").map(encodeURIComponent).join("/")}`;
let queueName = "flagged";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child != null) node.append(child);
  }
  return node;
}

function say(text) {
  $("status").textContent = text;
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && token) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn("Your session ended; sign in again.");
    throw new Error("signed out");
  }
  if (!res.ok) throw new Error(data?.error?.message || `the server answered ${res.status}`);
  return data;
}

function showSignIn(message = "") {
  $("desk").hidden = true;
  $("signin").hidden = false;
  say(message);
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  try {
    const res = await fetch("/api/tokens", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username: form.username.value, password: form.password.value,
        label: `moderation of ${site}` }),
    });
    const data = await res.json();
    if (!res.ok) throw new Error(data?.error?.message || "could not sign in");
    sessionStorage.setItem(TOKEN_KEY, data.token);
    form.password.value = "";
    await start();
  } catch (err) {
    say(err.message);
  }
}

async function signOut() {
  try {
    await api("/api/tokens/current", { method: "DELETE" });
  } catch {
    // Signed out either way.
  }
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn();
}

function reason() {
  return $("reason").value.trim();
}

async function run(label, action) {
  say("");
  try {
    await action();
    $("reason").value = "";
    await refresh();
    say(label);
  } catch (err) {
    say(err.message);
  }
}

function moderate(annotation, action) {
  return run(`${action}: done`, () => api(`/api/annotations/${encodeURIComponent(annotation.id)}/moderation`,
    { method: "POST", body: { action, reason: reason() } }));
}

function bar(user, barred) {
  const path = `${siteUrl}/bars/${encodeURIComponent(user)}`;
  return run(barred ? `${user} is barred` : `${user} may write again`,
    () => api(path, { method: barred ? "PUT" : "DELETE", body: { reason: reason() } }));
}

function annotationItem(a) {
  const state = a.moderation || "shown";
  const actions = el("p", { class: "actions" });
  const button = (text, onClick) => el("button", { type: "button", textContent: text, onclick: onClick });
  if (state === "pending") actions.append(button("Approve", () => moderate(a, "approve")));
  if (state !== "hidden") actions.append(button("Hide", () => moderate(a, "hide")));
  if (state === "hidden") actions.append(button("Unhide", () => moderate(a, "unhide")));
  if (a.user) actions.append(button(`Bar ${a.user}`, () => bar(a.user, true)));
  const flags = (a.flags || []).map((f) => el("li", {},
    `${f.user ?? "(deleted account)"}: ${f.reason}${f.note ? ` — ${f.note}` : ""}`));
  return el("li", { "data-id": a.id, "data-state": state },
    el("p", {}, el("b", { textContent: a.user ?? "(deleted account)" }), " ",
      el("span", { class: `state ${state}`, textContent: state }), " ",
      el("a", { href: a.post?.url || "#", textContent: a.post?.title || a.post?.url || "" })),
    a.quote ? el("blockquote", { textContent: a.quote }) : null,
    el("p", { class: "note", textContent: a.note }),
    flags.length ? el("ul", { class: "flags" }, ...flags) : null,
    actions);
}

async function refresh() {
  const [queue, bars, log] = await Promise.all([
    api(`${siteUrl}/moderation?queue=${queueName}`),
    api(`${siteUrl}/bars`),
    api(`${siteUrl}/moderation/log`),
  ]);
  $("queue").replaceChildren(...(queue.items.length ? queue.items.map(annotationItem)
    : [el("li", { class: "empty", textContent: "Nothing here." })]));
  $("bars").replaceChildren(...bars.items.map((b) => el("li", {}, `${b.user} `,
    b.reason ? `(${b.reason}) ` : "",
    el("button", { type: "button", textContent: `Unbar ${b.user}`, onclick: () => bar(b.user, false) }))));
  $("log").replaceChildren(...log.items.map((e) => el("li", {},
    `${e.at} ${e.moderator ?? "(deleted account)"} ${e.action} `
    + `${e.annotation ? `note ${e.annotation} ` : ""}${e.user ? `by/of ${e.user}` : ""}`
    + `${e.reason ? ` — ${e.reason}` : ""}`)));
}

async function start() {
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    showSignIn();
    return;
  }
  try {
    const me = await api("/api/me");
    $("me").textContent = me.user?.name ?? "";
    $("signin").hidden = true;
    $("desk").hidden = false;
    await refresh();
    say("");
  } catch (err) {
    if (sessionStorage.getItem(TOKEN_KEY)) say(err.message);
  }
}

$("signin").addEventListener("submit", signIn);
$("signout").addEventListener("click", signOut);
for (const button of document.querySelectorAll("#queues button")) {
  button.addEventListener("click", () => {
    queueName = button.dataset.queue;
    for (const other of document.querySelectorAll("#queues button")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    run("", () => Promise.resolve());
  });
}
start();
