// The note editing flow: a new note on a passage (its passage marked while the selection is
// gone, its selectors worked out while the reader writes) and the edit of an existing note,
// each opened in the UI's editor and saved through the background (sync.js).

import { describeRange } from "./anchors.js";

export class NoteEditor {
  /** page: {ui, highlights, sync}. */
  constructor(page) {
    this.page = page;
  }

  /** Begin a note on `range`, which belongs where `where` says (post, root, article). */
  newNote(range, where) {
    const { ui, highlights, sync } = this.page;
    const { defaultColor } = sync.settings;
    const visibility = sync.visibilityFor(where.post);
    const quote = range.toString();
    const described = new Promise((resolve) => resolve(describeRange(where.root, range)));
    described.catch(() => {}); // a failure is reported when the note is saved
    // The selection is gone once focus moves to the editor; mark the passage meanwhile so the
    // reader still sees what the note is about.
    const draft = highlights.draft(range, defaultColor);
    ui.openEditor({
      title: "New note",
      quote,
      values: { note: "", tags: [], color: defaultColor, ...visibility },
      choices: sync.visibilityChoices(),
      passage: () => (range.collapsed ? null : range.getBoundingClientRect()),
      onColor: (color) => draft.recolour(color),
      onSave: (values) => {
        draft.clear();
        // The visibility picked for a new note is this site's from now on (options page text).
        sync.rememberVisibility(where.post, values);
        return sync.create(range, values, { post: where.post, root: where.root, article: where.article, described, quote });
      },
      onCancel: () => draft.clear(),
    });
  }

  /** Edit the note of annotation `id`; saved to the entry edited, even if the page moved on. */
  edit(id) {
    const { ui, highlights, sync } = this.page;
    const entry = highlights.get(id);
    if (!entry) return;
    const a = entry.annotation;
    ui.openEditor({
      title: "Edit note",
      quote: a.quote,
      values: { note: a.note, tags: a.tags, color: a.color, visibility: a.visibility, group: a.group ?? null },
      choices: sync.visibilityChoices(a),
      passage: () => highlights.rectOf(id),
      onSave: (values) => sync.update(id, entry, a, values),
    });
  }
}
