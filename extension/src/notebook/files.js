// Export files and formats shared by the notebook and the popup: the choices people see, and
// turning the background's reply (text, or base64 for the zip) into a downloaded file.
//
// The file is saved with a Blob and an `<a download>`, which extension pages may do without the
// "downloads" permission.

import { send } from "../shared/browser.js";
import { TO_BACKGROUND as T } from "../shared/messages.js";

/** Export choices in menu order: the value is `format` or `format:flavor`. */
export const EXPORT_CHOICES = Object.freeze([
  { value: "markdown", label: "Markdown (.md)" },
  { value: "zip", label: "Markdown files for Obsidian (.zip)" },
  { value: "json", label: "Postil JSON (.json)" },
  { value: "jsonld", label: "W3C Web Annotations (.jsonld)" },
  { value: "csv", label: "Spreadsheet (.csv)" },
  { value: "csv:readwise", label: "CSV for Readwise (.csv)" },
  { value: "html", label: "Web page (.html)" },
]);

/** Fill a `<select>` with the export choices. */
export function fillExportSelect(select) {
  for (const choice of EXPORT_CHOICES) {
    const option = document.createElement("option");
    option.value = choice.value;
    option.textContent = choice.label;
    select.append(option);
  }
}

/** Ask the background for an export; resolves to its `{ok, value | error}` reply. */
export function fetchExport(filters, choice) {
  const [format, flavor = null] = String(choice).split(":");
  return send(T.EXPORT_ANNOTATIONS, { filters, format, flavor });
}

/** Save an export reply's file through a temporary object URL. */
export function saveFile({ filename, mimetype, text, base64 }) {
  let blob;
  if (base64 !== undefined) {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    blob = new Blob([bytes], { type: mimetype });
  } else {
    blob = new Blob([text ?? ""], { type: mimetype });
  }
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke later: the download may still be reading the Blob when click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
