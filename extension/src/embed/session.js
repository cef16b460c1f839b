// The embed's sign-in: the site's policy, the pop-up that hands over a token, and where the
// token is kept.
//
// The reader signs in on the Postil server's own page (/embed/signin, embed_signin.py), opened
// as a pop-up from their click: their password is typed there, never in this page. That page
// posts `{type: "postil-signed-in", token, user}` to this window, addressed to this page's
// origin; a message is taken only from the server's origin and from the pop-up itself.
//
// The token is kept in this tab's sessionStorage, under the server's URL: it lasts while the
// tab does (a reload or the site's next page keeps the reader signed in) and goes with it,
// where localStorage would keep a session readable by every script of the site for as long as
// the server lets it live. Either way the site's own scripts could read it (the embed runs in
// the page): the token is the site's to use as the reader, which is why the server labels it
// "embed on SITE", lists it with the reader's sessions and admits the site's origin to the
// embed's endpoints alone (site_cors.py).

import { request } from "../background/server.js";

const POPUP_FEATURES = "popup,width=440,height=620";

function keyOf(server) {
  return `postil-embed-session:${server}`;
}

/** The signed-in reader here, `{token, user: {name}}`, or null. */
export function sessionOf(server) {
  if (memory.has(server)) return memory.get(server);
  try {
    const kept = JSON.parse(sessionStorage.getItem(keyOf(server)) ?? "null");
    return typeof kept?.token === "string" && typeof kept?.user?.name === "string" ? kept : null;
  } catch {
    return null; // storage refused (a sandboxed frame, privacy settings): nobody is signed in
  }
}

function keep(server, session) {
  try {
    sessionStorage.setItem(keyOf(server), JSON.stringify(session));
  } catch {
    // Kept nowhere: signed in until the page is left.
    memory.set(server, session);
  }
}

const memory = new Map();

export function forget(server) {
  memory.delete(server);
  try {
    sessionStorage.removeItem(keyOf(server));
  } catch {
    // nothing was kept
  }
}

let policy = null;

/** The site's policy as the server has it (`GET /api/sites/lookup`), or null if unregistered. */
export function sitePolicy(server) {
  policy ??= request(server, "GET", "api/sites/lookup", { query: { url: location.href } })
    .then(({ data }) => data?.policy ?? null)
    .catch(() => {
      policy = null; // asked again next time: the server may have been down
      return null;
    });
  return policy;
}

const roles = new Map();

/** What the signed-in reader is on this site (`{moderator, member}`), asked once a page. */
export async function yourRoles(server) {
  const session = sessionOf(server);
  if (!session) return null;
  if (!roles.has(session.token)) {
    const answer = await request(server, "GET", "api/sites/lookup", { token: session.token, query: { url: location.href } })
      .catch(() => null);
    if (!answer) return null; // asked again next time
    roles.set(session.token, answer.data?.you ?? null);
  }
  return roles.get(session.token);
}

/**
 * Open the server's sign-in page as a pop-up and resolve to `{user}` once it hands over a
 * token, or to null if the reader closes it first. Call from the reader's click: a pop-up
 * opened later is blocked.
 */
export function openSignIn(server) {
  const serverOrigin = new URL(server).origin;
  const popup = window.open(`${server}/embed/signin?origin=${encodeURIComponent(location.origin)}`, "postil-signin", POPUP_FEATURES);
  if (!popup) return Promise.reject(Object.assign(new Error("The browser blocked Postil's sign-in window: allow pop-ups for this site and try again."), { code: "popup_blocked" }));
  return new Promise((resolve) => {
    const done = (value) => {
      removeEventListener("message", heard);
      clearInterval(watch);
      resolve(value);
    };
    const heard = (event) => {
      if (event.origin !== serverOrigin || event.source !== popup) return;
      const { type, token, user } = event.data ?? {};
      if (type !== "postil-signed-in" || typeof token !== "string" || typeof user?.name !== "string") return;
      keep(server, { token, user: { name: user.name } });
      done({ user: user.name });
    };
    addEventListener("message", heard);
    // Closed without a word: a message posted as it closed may still be on its way.
    const watch = setInterval(() => {
      if (!popup.closed) return;
      clearInterval(watch);
      setTimeout(() => done(sessionOf(server) ? { user: sessionOf(server).user.name } : null), 300);
    }, 500);
  });
}
