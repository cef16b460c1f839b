// The server's contract as the extension uses it: colours, visibilities, annotation fields, query
// filters, export formats and size limits. The server owns it (postil/contract.py); this copy is
// checked against tests/fixtures/contract.json, the server's `as_json()`, by a Node test, so the
// extension lists each of these here and nowhere else.

export const CONTRACT = Object.freeze({
  colors: Object.freeze(["yellow", "green", "blue", "pink", "purple"]),
  visibilities: Object.freeze(["private", "group", "public"]),
  editable_fields: Object.freeze(["color", "group", "note", "quote", "selectors", "tags", "visibility"]),
  read_only_fields: Object.freeze([
    "created", "deleted", "group_name", "hidden", "id", "links", "moderation", "note_html", "post", "reply_count",
    "reply_to", "updated", "user", "version",
  ]),
  query_filters: Object.freeze([
    "color", "created_after", "created_before", "cursor", "group", "include_deleted", "limit", "order", "post",
    "post_id", "q", "replies", "site", "sort", "tag", "updated_since", "url", "user", "visibility",
  ]),
  export_formats: Object.freeze(["markdown", "zip", "json", "jsonld", "csv", "html"]),
  flag_reasons: Object.freeze(["spam", "abuse", "off-topic", "privacy", "other"]),
  limits: Object.freeze({ quote: 10000, note: 50000, tags: 20, tag: 64, selectors: 8, title: 1000, url: 2048, page: 200 }),
});

export const COLORS = CONTRACT.colors;
export const VISIBILITIES = CONTRACT.visibilities;
/** The fields a change (PATCH) may carry. */
export const EDITABLE_FIELDS = CONTRACT.editable_fields;
export const QUERY_FILTERS = CONTRACT.query_filters;
export const EXPORT_FORMATS = CONTRACT.export_formats;
export const LIMITS = CONTRACT.limits;
/** Why a reader may flag a public note for its site's moderators ("other" needs a note). */
export const FLAG_REASONS = CONTRACT.flag_reasons;
