// The note editor's form: note (Markdown), tags, colour and visibility. Built inside the editor's
// own frame (editor-frame.js), or in the on-page UI where that frame cannot load.

import { COLOR_LABELS } from "../shared/colors.js";
import { COLORS } from "../shared/contract.js";
import { choiceValue, fromChoice, visibilityChoices } from "../shared/visibility.js";
import { h, shorten, swatch } from "./dom.js";

/**
 * Build the form. `values` = {note, tags, color, visibility, group}; `choices` the visibility
 * picker's options (shared/visibility.js: Private, the reader's groups, Public; without them,
 * Private and Public and the note's own group); `on.save(values)` gets the edited ones, `on.cancel()` and `on.color(color)` report the rest. Returns the form and a function
 * that puts the focus on the note.
 */
export function buildEditorForm({ title, quote, values, choices = null }, on) {
  const form = h("form", { class: "editor-form" });
  const note = h("textarea", { name: "note", "aria-describedby": "postil-md-hint" });
  note.value = values.note ?? "";
  const tags = h("input", { type: "text", name: "tags", autocomplete: "off", placeholder: "e.g. history, method" });
  tags.value = (values.tags ?? []).join(", ");
  const colorField = h("fieldset", { onchange: (event) => on.color?.(event.target.value) }, h("legend", { text: "Colour" }),
    h("div", { class: "colors" }, COLORS.map((color) => {
      const input = h("input", { type: "radio", name: "color", value: color, checked: color === values.color });
      return h("label", {}, input, swatch(color), COLOR_LABELS[color]);
    })));
  const visibility = h("select", { name: "visibility" },
    (choices ?? visibilityChoices([], values)).map(({ value, label }) => h("option", { value, text: label })));
  visibility.value = choiceValue(values);
  form.append(
    h("h2", { text: title }),
    quote ? h("blockquote", { class: "quote", text: shorten(quote, 400) }) : null,
    h("label", { class: "field" }, h("span", { text: "Note" }), note,
      h("small", { class: "hint", id: "postil-md-hint", text: "Markdown: **bold**, *italic*, [link](https://…), - lists" })),
    h("label", { class: "field" }, h("span", { text: "Tags (comma separated)" }), tags),
    colorField,
    h("label", { class: "field" }, h("span", { text: "Visibility" }), visibility),
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: () => on.cancel?.() }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Save")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = form.querySelector("input[name=color]:checked");
    on.save({
      note: note.value,
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      color: picked ? picked.value : values.color,
      ...fromChoice(visibility.value),
    });
  });
  return { form, focus: () => note.focus() };
}
