// shared/moderation.js: the sidebar's marks on notes a registered site withholds, and who is
// offered to flag which note, as the server would take it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTRACT } from "../../../extension/src/shared/contract.js";
import { FLAG_REASON_LABELS, flagOffer, flagReasons, reasonNeedsNote, withheldMark } from "../../../extension/src/shared/moderation.js";

const shown = { id: "a", visibility: "public", hidden: false };
const site = { site: "blog.example", policy: { embed: "read-only", moderation: "pre" } };

test("every flag reason of the contract has a label, in the contract's order, and no other", () => {
  assert.deepEqual(Object.keys(FLAG_REASON_LABELS).sort(), [...CONTRACT.flag_reasons].sort());
  assert.deepEqual(flagReasons().map((r) => r.value), [...CONTRACT.flag_reasons]);
  assert.equal(reasonNeedsNote("other"), true);
  assert.equal(reasonNeedsNote("spam"), false);
});

test("a pending or hidden public note is marked, in words its reader understands", () => {
  assert.equal(withheldMark(shown, true), null);
  const pending = withheldMark({ ...shown, hidden: true, moderation: "pending" }, true);
  assert.equal(pending.state, "pending");
  assert.equal(pending.text, "Waiting for approval");
  assert.match(pending.hint, /Only you and the site's moderators/);
  const hidden = withheldMark({ ...shown, hidden: true, moderation: "hidden" }, false);
  assert.equal(hidden.text, "Hidden by a moderator");
  assert.match(hidden.hint, /its author and the site's moderators/);
  // A group's hidden note is the group's business, marked elsewhere.
  assert.equal(withheldMark({ id: "g", visibility: "group", hidden: true }, false), null);
});

test("the Flag button: other readers' shown public notes on a registered site, signed in", () => {
  const me = { site, signedIn: true, own: false };
  assert.equal(flagOffer(shown, me), "flag");
  assert.equal(flagOffer(shown, { ...me, own: true }), null);
  assert.equal(flagOffer(shown, { ...me, site: null }), null);
  assert.equal(flagOffer({ ...shown, visibility: "private" }, me), null);
  assert.equal(flagOffer({ ...shown, visibility: "group" }, me), null);
  assert.equal(flagOffer({ ...shown, hidden: true, moderation: "pending" }, me), null);
  assert.equal(flagOffer({ ...shown, deleted: true }, me), null);
  // The site's moderators hide what needs hiding on their moderation page.
  assert.equal(flagOffer(shown, { ...me, site: { ...site, you: { moderator: true, member: false } } }), null);
  assert.equal(flagOffer(shown, { ...me, site: { ...site, you: { moderator: false, member: true } } }), "flag");
  // Signed out: asked to sign in where the host lets them, else not offered.
  assert.equal(flagOffer(shown, { ...me, signedIn: false, canSignIn: true }), "sign-in");
  assert.equal(flagOffer(shown, { ...me, signedIn: false }), null);
});
