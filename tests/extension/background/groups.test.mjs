// extension/src/background/groups.js: what each groups action asks of the server, the reader's
// groups kept for the editor's picker (and used when the server cannot be reached), and invites
// refused in words before anything is sent when they are not invites or name another server.

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { storageLocal } from "../fake-browser.mjs";
import {
  acceptInvite, createGroup, createInvite, groupName, leaveGroup, listGroups, previewInvite, setMemberRole,
} from "../../../extension/src/background/groups.js";

const SERVER = "http://127.0.0.1:8000";
const TOKEN = "pgi_abcdefghijklmnopqrstuvwx";
const CLUB = { id: "g1", name: "Book club", description: "", role: "owner", member_count: 2 };
let sent = [];
let answers = [];

function answerWith(...replies) {
  answers = replies;
  globalThis.fetch = async (url, init) => {
    sent.push({ url: String(url), method: init.method, body: init.body ? JSON.parse(init.body) : null, auth: init.headers.Authorization });
    const next = answers.shift();
    if (next === "down") throw new TypeError("connection refused");
    const [status, body] = next;
    return new Response(body === null ? null : JSON.stringify(body), { status });
  };
}

beforeEach(async () => {
  storageLocal.clear();
  sent = [];
  await storageLocal.set({ settings: { server: SERVER }, auth: { server: SERVER, token: "pst_t", user: "dora" } });
});

test("the groups list is fetched, kept, and the kept copy used within its age or while the server is away", async () => {
  answerWith([200, { items: [CLUB] }]);
  assert.deepEqual((await listGroups()).items, [CLUB]);
  assert.deepEqual(sent.map((r) => [r.method, r.url, r.auth]), [["GET", `${SERVER}/api/groups`, "Bearer pst_t"]]);
  // Young enough: not asked again.
  assert.deepEqual(await listGroups({ maxAgeMs: 60_000 }).then((r) => r.items), [CLUB]);
  assert.equal(sent.length, 1);
  // The server is away: the last copy, said to be one.
  answerWith("down");
  const offline = await listGroups();
  assert.equal(offline.online, false);
  assert.deepEqual(offline.items, [CLUB]);
  assert.equal(await groupName("g1"), "Book club");
});

test("another reader's kept list is never shown", async () => {
  await storageLocal.set({ groups: { server: SERVER, user: "ed", items: [CLUB], at: Date.now() } });
  answerWith("down");
  await assert.rejects(listGroups({ maxAgeMs: 60_000 }), (err) => err.kind === "transient");
});

test("signed out there are no groups and nothing is asked", async () => {
  await storageLocal.set({ auth: null });
  answerWith();
  assert.deepEqual((await listGroups()).items, []);
  assert.deepEqual(sent, []);
});

test("making a group sends its name and description, then reloads the list", async () => {
  answerWith([201, CLUB], [200, { items: [CLUB] }]);
  assert.equal((await createGroup("  Book club ", "we read")).id, "g1");
  assert.deepEqual(sent[0], { url: `${SERVER}/api/groups`, method: "POST", auth: "Bearer pst_t", body: { name: "Book club", description: "we read" } });
  assert.equal(sent[1].url, `${SERVER}/api/groups`);
  assert.deepEqual((await storageLocal.get("groups")).groups.items, [CLUB]);
  await assert.rejects(createGroup("  "), (err) => err.message === "A group needs a name.");
});

test("an invite link carries the expiry and use limit asked for, and only those", async () => {
  answerWith([201, { token: TOKEN, expires: "2026-12-10T00:00:00Z", max_uses: 3, links: { preview: `${SERVER}/api/invites/${TOKEN}` } }]);
  const made = await createInvite("g1", { expiresIn: 86400, maxUses: 3 });
  assert.deepEqual(sent[0].body, { expires_in: 86400, max_uses: 3 });
  assert.equal(sent[0].url, `${SERVER}/api/groups/g1/invites`);
  assert.equal(made.link, `${SERVER}/api/invites/${TOKEN}`);
  answerWith([201, { token: TOKEN, expires: null, max_uses: null, links: { preview: `${SERVER}/api/invites/${TOKEN}` } }]);
  await createInvite("g1");
  assert.deepEqual(sent[1].body, {});
  await assert.rejects(createInvite("g1", { maxUses: 0 }), (err) => /use limit/.test(err.message));
  assert.equal(sent.length, 2);
});

test("an invite is previewed and accepted by its token, from the link or bare", async () => {
  answerWith([200, { ...CLUB, role: null, member: false }], [200, { ...CLUB, role: "member" }], [200, { items: [CLUB] }]);
  assert.equal((await previewInvite(`${SERVER}/api/invites/${TOKEN}`)).name, "Book club");
  await acceptInvite(TOKEN);
  assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [
    `GET ${SERVER}/api/invites/${TOKEN}`, `POST ${SERVER}/api/invites/${TOKEN}/accept`, `GET ${SERVER}/api/groups`]);
});

test("an invite for another server, or text that is no invite, is refused before anything is sent", async () => {
  answerWith();
  await assert.rejects(previewInvite(`https://elsewhere.example.org/api/invites/${TOKEN}`),
    (err) => err.message.includes("https://elsewhere.example.org") && err.message.includes(SERVER));
  await assert.rejects(acceptInvite("hello there"), (err) => /not an invite link/.test(err.message));
  assert.deepEqual(sent, []);
});

test("a refused invite comes back as the server's words", async () => {
  answerWith([410, { error: { code: "invite_gone", message: "this invite has expired" } }]);
  await assert.rejects(acceptInvite(TOKEN), (err) => err.message === "this invite has expired" && err.status === 410);
});

test("leaving removes the reader themself; a role change names the member", async () => {
  answerWith([204, null], [200, { items: [] }], [200, { user: "ed", role: "moderator" }], [200, { items: [] }]);
  await leaveGroup("g1");
  await setMemberRole("g1", "ed", "moderator");
  assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [
    `DELETE ${SERVER}/api/groups/g1/members/dora`, `GET ${SERVER}/api/groups`,
    `PATCH ${SERVER}/api/groups/g1/members/ed`, `GET ${SERVER}/api/groups`]);
  assert.deepEqual(sent[2].body, { role: "moderator" });
  await assert.rejects(setMemberRole("g1", "ed", "king"), (err) => /role/.test(err.message));
});
