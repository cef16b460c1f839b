// extension/src/background/groups.js: what each groups action asks of the server, the reader's
// groups kept for the editor's picker (and used when the server cannot be reached), and invites
// refused in words before anything is sent when they are not invites or name another server; a
// group's invites listed and revoked, a group deleted, and a moderator's hiding, which the post's
// kept copy takes at once.

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { storageLocal } from "../fake-browser.mjs";
import {
  acceptInvite, createGroup, createInvite, deleteGroup, groupName, groupsMayHaveChanged, leaveGroup, listGroups,
  listInvites, previewInvite, revokeInvite, setHidden, setMemberRole,
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

test("a group's invites are listed and one revoked by its number; a group is deleted, then the list reloaded", async () => {
  const invites = [{ id: 7, created: "2026-12-01T10:00:00Z", created_by: "dora", expires: null, max_uses: 3, uses: 1, status: "active" }];
  answerWith([200, { items: invites }], [204, null], [204, null], [200, { items: [] }]);
  assert.deepEqual(await listInvites("g1"), invites);
  await revokeInvite("g1", 7);
  await deleteGroup("g1");
  assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [
    `GET ${SERVER}/api/groups/g1/invites`, `DELETE ${SERVER}/api/groups/g1/invites/7`,
    `DELETE ${SERVER}/api/groups/g1`, `GET ${SERVER}/api/groups`]);
  assert.deepEqual((await storageLocal.get("groups")).groups.items, []);
  await assert.rejects(revokeInvite("g1", "7; drop"), (err) => /No such invite/.test(err.message));
  assert.equal(sent.length, 4);
});

test("a refusal to revoke or delete comes back as the server's words", async () => {
  answerWith([403, { error: { code: "forbidden", message: "only the group's owners may delete it" } }]);
  await assert.rejects(deleteGroup("g1"), (err) => err.message === "only the group's owners may delete it" && err.status === 403);
  answerWith([404, { error: { code: "not_found", message: "no such invite" } }]);
  await assert.rejects(revokeInvite("g1", 9), (err) => err.message === "no such invite");
});

test("hiding and showing go to the annotation's hidden flag, and the post's kept copy takes the answer", async () => {
  const post = { site: "blog.example.org", post_id: 42 };
  const note = { id: "n1", user: "ed", visibility: "group", group: "g1", hidden: false, version: 1 };
  const other = { id: "n2", user: "ed", visibility: "public", group: null, hidden: false, version: 1 };
  await storageLocal.set({ cache: { "wp:blog.example.org#42": { items: [note, other], at: 1, user: "dora" } } });
  answerWith([200, { ...note, hidden: true, version: 2 }], [200, { ...note, hidden: false, version: 3 }]);
  assert.equal((await setHidden("n1", post, true)).hidden, true);
  let kept = (await storageLocal.get("cache")).cache["wp:blog.example.org#42"].items;
  assert.deepEqual(kept.map((a) => [a.id, a.hidden, a.version]), [["n1", true, 2], ["n2", false, 1]]);
  await setHidden("n1", post, false);
  kept = (await storageLocal.get("cache")).cache["wp:blog.example.org#42"].items;
  assert.deepEqual(kept.map((a) => [a.id, a.hidden, a.version]), [["n1", false, 3], ["n2", false, 1]]);
  assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [
    `PUT ${SERVER}/api/annotations/n1/hidden`, `DELETE ${SERVER}/api/annotations/n1/hidden`]);
  answerWith([403, { error: { code: "forbidden", message: "only the group's owners or moderators may hide or show annotations" } }]);
  await assert.rejects(setHidden("n1", post, true), (err) => /owners or moderators/.test(err.message));
  kept = (await storageLocal.get("cache")).cache["wp:blog.example.org#42"].items;
  assert.equal(kept[0].version, 3);
});

test("after the server says access changed, the kept list is read again however young", async () => {
  answerWith([200, { items: [CLUB] }], [200, { items: [{ ...CLUB, role: "member" }] }]);
  await listGroups();
  await groupsMayHaveChanged();
  assert.equal((await listGroups({ maxAgeMs: 60_000 })).items[0].role, "member");
  assert.equal(sent.length, 2);
});
