// The notebook's filters, decided offline the way the server decides them: which query
// parameters a page may send (the rest are the background's to set), and whether an annotation
// the server has not had yet (a queued create) matches them.
//
// A pure module: no `chrome.*`, no network. The server's GET /api/annotations is the rule;
// tests/fixtures/filter-cases.json holds annotations, queries and the ids each query matches,
// and runs against the server's API and against `matchesFilters` here, so the two cannot drift.

import { normaliseSite, normaliseUrl } from "../post-key/index.js";

/** The filters a page may send, a subset of the contract's query filters; `tag` may repeat. */
export const FILTERS = Object.freeze(["site", "post_id", "url", "tag", "color", "visibility", "q", "created_after", "created_before"]);

/** Keep only the filters the server knows, dropping empty ones. */
export function cleanFilters(filters = {}) {
  const out = {};
  for (const name of FILTERS) {
    let value = filters?.[name];
    if (name === "tag") {
      const tags = (Array.isArray(value) ? value : value ? [value] : []).map((t) => String(t).trim()).filter(Boolean);
      if (tags.length) out.tag = tags;
      continue;
    }
    if (value === undefined || value === null) continue;
    value = String(value).trim();
    if (value) out[name] = value;
  }
  return out;
}

// Tags compare as the server stores them: runs of white space as one space, any case.
const tagKey = (tag) => String(tag).trim().split(/\s+/).join(" ").toLowerCase();
// Text search folds case and accents, as the server's SQLite index does.
const fold = (text) => text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();

/**
 * Whether an annotation (the server's JSON shape, `post` in post-key's wire shape) passes
 * `filters` (as cleanFilters returns them): the same post keys, every tag, whole words of `q`
 * (a trailing `*` for a prefix) in the quote, note or tags.
 */
export function matchesFilters(item, f) {
  const same = (a, b, norm) => {
    const x = norm(String(a ?? ""));
    return x !== null && x === norm(String(b ?? ""));
  };
  if (f.site && !same(f.site, item.post?.site, normaliseSite)) return false;
  if (f.post_id && !(/^[0-9]+$/.test(f.post_id) && Number(f.post_id) === item.post?.post_id)) return false;
  if (f.url && !same(f.url, item.post?.url, normaliseUrl)) return false;
  if (f.color && item.color !== f.color) return false;
  if (f.visibility && item.visibility !== f.visibility) return false;
  if (f.created_after && item.created < new Date(f.created_after).toISOString()) return false;
  if (f.created_before && item.created >= new Date(f.created_before).toISOString()) return false;
  const tags = (item.tags ?? []).map(tagKey);
  for (const tag of f.tag ?? []) if (!tags.includes(tagKey(tag))) return false;
  if (f.q) {
    const words = new Set(fold(`${item.quote ?? ""} ${item.note ?? ""} ${(item.tags ?? []).join(" ")}`).match(/[\p{L}\p{N}]+/gu) ?? []);
    for (const term of fold(f.q).match(/[\p{L}\p{N}]+\*?/gu) ?? []) {
      const found = term.endsWith("*") ? [...words].some((w) => w.startsWith(term.slice(0, -1))) : words.has(term);
      if (!found) return false;
    }
  }
  return true;
}
