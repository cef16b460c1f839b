// extension/src/shared/visibility.js: the picker's options (Private, the reader's groups, Public),
// what a new note starts as (the site's remembered choice, else the reader's default, never a
// group the reader is not in), the label a card shows, and reading a pasted invite link.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  choiceValue, defaultVisibility, fromChoice, parseInvite, visibilityChoices, visibilityLabel,
} from "../../../extension/src/shared/visibility.js";

const GROUPS = [{ id: "g1", name: "Book club" }, { id: "g2", name: "Newsroom" }];

test("the picker offers private, each group by name, then public", () => {
  assert.deepEqual(visibilityChoices(GROUPS), [
    { value: "private", label: "Private (only me)" },
    { value: "group:g1", label: "Group: Book club" },
    { value: "group:g2", label: "Group: Newsroom" },
    { value: "public", label: "Public (anyone)" },
  ]);
  assert.deepEqual(visibilityChoices([]).map((c) => c.value), ["private", "public"]);
});

test("a note in a group the reader left keeps that group in its editor's picker", () => {
  const note = { visibility: "group", group: "old", group_name: "Old club" };
  const values = visibilityChoices(GROUPS, note).map((c) => c.value);
  assert.deepEqual(values, ["private", "group:g1", "group:g2", "group:old", "public"]);
  assert.equal(visibilityChoices(GROUPS, note)[3].label, "Group: Old club");
  assert.equal(choiceValue(note), "group:old");
  // Already listed: not twice.
  assert.equal(visibilityChoices(GROUPS, { visibility: "group", group: "g1" }).length, 4);
});

test("picker values and {visibility, group} pairs round-trip; anything unknown is private", () => {
  for (const pair of [{ visibility: "private", group: null }, { visibility: "public", group: null }, { visibility: "group", group: "g2" }]) {
    assert.deepEqual(fromChoice(choiceValue(pair)), pair);
  }
  assert.deepEqual(fromChoice("group:"), { visibility: "private", group: null });
  assert.deepEqual(fromChoice("everyone"), { visibility: "private", group: null });
  assert.equal(choiceValue({ visibility: "group" }), "private"); // a group with no id is none
});

test("a new note starts as its site's remembered choice, else the reader's default", () => {
  const settings = {
    defaultVisibility: "public", defaultGroup: null,
    siteVisibility: { "blog.example.org": { visibility: "group", group: "g2" } },
  };
  assert.deepEqual(defaultVisibility(settings, "blog.example.org", GROUPS), { visibility: "group", group: "g2" });
  assert.deepEqual(defaultVisibility(settings, "other.example.org", GROUPS), { visibility: "public", group: null });
  assert.deepEqual(defaultVisibility({ defaultVisibility: "group", defaultGroup: "g1" }, null, GROUPS), { visibility: "group", group: "g1" });
  assert.deepEqual(defaultVisibility({}, null, GROUPS), { visibility: "private", group: null });
});

test("a default naming a group the reader is no longer in falls back to private, not wider", () => {
  const settings = { defaultVisibility: "group", defaultGroup: "gone", siteVisibility: { "a.example": { visibility: "group", group: "gone" } } };
  assert.deepEqual(defaultVisibility(settings, "a.example", GROUPS), { visibility: "private", group: null });
  assert.deepEqual(defaultVisibility(settings, null, GROUPS), { visibility: "private", group: null });
  // The list never loaded (offline from the start): the remembered group is trusted.
  assert.deepEqual(defaultVisibility(settings, "a.example", null), { visibility: "group", group: "gone" });
});

test("cards read Private, Public or the group's name", () => {
  assert.equal(visibilityLabel({ visibility: "private" }), "Private");
  assert.equal(visibilityLabel({ visibility: "public" }), "Public");
  assert.equal(visibilityLabel({ visibility: "group", group: "g1", group_name: "Book club" }), "Group: Book club");
  assert.equal(visibilityLabel({ visibility: "group", group: "g1", group_name: null }), "Group");
});

test("an invite is read from its link or as a bare token", () => {
  const token = "pgi_AbC-12_xyzXYZ0123456789ab";
  assert.deepEqual(parseInvite(`http://127.0.0.1:8000/api/invites/${token}`), { token, server: "http://127.0.0.1:8000" });
  assert.deepEqual(parseInvite(` https://notes.example.org/postil/api/invites/${token}/accept \n`), { token, server: "https://notes.example.org/postil" });
  assert.deepEqual(parseInvite(token), { token, server: null });
  assert.equal(parseInvite(""), null);
  assert.equal(parseInvite("join my group please"), null);
  assert.equal(parseInvite("https://notes.example.org/some/other/page"), null);
});
