// The reader's sessions on the server, for the options page: list them, end one, end all but
// this browser's, and change the password (which ends every other session too).
//
// A session is a token; the server lists a reader's own only and never their secrets. This
// browser's token stays valid through all of these, so nothing here touches the stored sign-in.

import { request, ServerError } from "./server.js";
import { connection } from "./state.js";

/** What the server should call this browser's session in the list: "Postil in Firefox". */
export function sessionLabel(userAgent = globalThis.navigator?.userAgent ?? "") {
  const browser = /Firefox\//.test(userAgent) ? "Firefox" : /Edg\//.test(userAgent) ? "Edge" : "Chromium";
  return `Postil in ${browser}`;
}

async function signedIn() {
  const { server, token } = await connection();
  if (!token) throw new ServerError("unauthorized", 401, "signed_out", "Sign in first.");
  return { server, token };
}

/** Every session of the reader, the most recently used first; `current` marks this browser's. */
export async function listSessions() {
  const { server, token } = await signedIn();
  const { data } = await request(server, "GET", "api/tokens", { token });
  return data?.items ?? [];
}

export async function revokeSession(id) {
  if (!Number.isInteger(id)) throw new ServerError("permanent", 400, "invalid", "No such session.");
  const { server, token } = await signedIn();
  await request(server, "DELETE", `api/tokens/${id}`, { token });
}

/** End every session of the reader but this browser's. */
export async function signOutOthers() {
  const { server, token } = await signedIn();
  await request(server, "DELETE", "api/tokens", { token });
}

export async function changePassword(currentPassword, newPassword) {
  const { server, token } = await signedIn();
  await request(server, "PUT", "api/me/password", {
    token,
    body: { current_password: String(currentPassword ?? ""), new_password: String(newPassword ?? "") },
  });
}
