// The reader's whole account, from the options page's "Your data": download everything they made
// (GET /api/me/export, streamed over PORTS.EXPORT like any export) and delete the account
// (DELETE /api/me). After a deletion nothing of the account stays in the extension either: the
// sign-in, the cached annotations, and the queued or refused changes that were the account's.

import { broadcast } from "../shared/browser.js";
import { TO_CONTENT } from "../shared/messages.js";
import { streamFile } from "./notebook.js";
import { ServerError, buildUrl, request } from "./server.js";
import { connection, update } from "./state.js";

// What may become of the account's public annotations; the server checks the same two.
export const PUBLIC_ANNOTATION_CHOICES = Object.freeze(["delete", "anonymise"]);

async function signedIn() {
  const conn = await connection();
  if (!conn.token) throw new ServerError("unauthorized", 401, "signed_out", "Sign in first.");
  return conn;
}

/** Stream the zip of everything the signed-in reader made to `post` (see PORTS.EXPORT). */
export async function streamEverything(post) {
  const { server, token, user } = await signedIn();
  await streamFile(buildUrl(server, "api/me/export"), { server, token, fallbackName: `postil-${user}.zip` }, post);
}

/** Delete the signed-in reader's account; on success the extension forgets it and is signed out. */
export async function deleteAccount(password, publicAnnotations) {
  if (!PUBLIC_ANNOTATION_CHOICES.includes(publicAnnotations)) {
    throw Object.assign(new Error("Choose what becomes of your public notes"), { kind: "invalid", code: "invalid" });
  }
  const { server, token, user } = await signedIn();
  await request(server, "DELETE", "api/me", { token, body: { password: String(password ?? ""), public_annotations: publicAnnotations } });
  await update(["auth", "cache", "queue", "failed"], (state) => {
    state.auth = null;
    state.cache = {};
    // The account's queued changes have nowhere to go now; those made signed out stay.
    const othersOnly = (ops) => (ops ?? []).filter((op) => !op.user || op.user !== user);
    state.queue = othersOnly(state.queue);
    state.failed = othersOnly(state.failed);
  });
  broadcast(TO_CONTENT.ANNOTATIONS_CHANGED).catch(() => {});
  return { deleted: user };
}
