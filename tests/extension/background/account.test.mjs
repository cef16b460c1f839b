// extension/src/background/account.js: deleting the account asks the server with the password and
// the choice for public notes, and only once the server has deleted it does the extension forget
// the account (sign-in, cached notes, the account's queued and refused changes); a refusal
// changes nothing here either.

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { storageLocal } from "../fake-browser.mjs";
import { deleteAccount } from "../../../extension/src/background/account.js";

const SERVER = "http://127.0.0.1:8000";
const op = (seq, user) => ({ seq, kind: "create", id: `id-${seq}`, user });
let sent = [];

function answer(status, body = null) {
  globalThis.fetch = async (url, init) => {
    sent.push({ url: String(url), method: init.method, body: init.body ? JSON.parse(init.body) : null, auth: init.headers.Authorization });
    return new Response(body === null ? null : JSON.stringify(body), { status });
  };
}

beforeEach(async () => {
  storageLocal.clear();
  sent = [];
  await storageLocal.set({
    settings: { server: SERVER },
    auth: { server: SERVER, token: "pst_t", user: "dora" },
    cache: { "post-1": { items: [{ id: "a" }], user: "dora" } },
    queue: [op(1, "dora"), op(2, "ed"), op(3, undefined)],
    failed: [op(4, "dora"), op(5, "ed")],
  });
});

test("a deletion the server made signs out and drops the account's changes only", async () => {
  answer(204);
  assert.deepEqual(await deleteAccount("secret", "anonymise"), { deleted: "dora" });
  assert.deepEqual(sent, [{ url: `${SERVER}/api/me`, method: "DELETE", auth: "Bearer pst_t", body: { password: "secret", public_annotations: "anonymise" } }]);
  const state = await storageLocal.get(["auth", "cache", "queue", "failed", "settings"]);
  assert.equal(state.auth, null);
  assert.deepEqual(state.cache, {});
  assert.deepEqual(state.queue.map((o) => o.seq), [2, 3]);
  assert.deepEqual(state.failed.map((o) => o.seq), [5]);
  assert.deepEqual(state.settings, { server: SERVER });
});

test("a wrong password changes nothing and says why", async () => {
  answer(403, { error: { code: "wrong_password", message: "the password is wrong; nothing was deleted" } });
  await assert.rejects(deleteAccount("nope", "delete"), (err) => err.code === "wrong_password" && err.kind === "permanent");
  const state = await storageLocal.get(["auth", "queue", "failed", "cache"]);
  assert.equal(state.auth.token, "pst_t");
  assert.equal(state.queue.length, 3);
  assert.equal(state.failed.length, 2);
  assert.deepEqual(Object.keys(state.cache), ["post-1"]);
});

test("without a choice for public notes nothing is sent", async () => {
  answer(204);
  await assert.rejects(deleteAccount("secret", undefined), (err) => err.kind === "invalid");
  assert.deepEqual(sent, []);
});
