// Export files and formats shared by the notebook and the popup: the choices people see, the
// file streamed from the background in pieces (PORTS.EXPORT), and saving it as a download.
//
// The file is saved with a Blob and an `<a download>`, which extension pages may do without the
// "downloads" permission.

import { connect } from "../shared/browser.js";
import { PORTS } from "../shared/messages.js";

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

/**
 * Ask the background for an export and collect its pieces; resolves to `{ok, value | error}`,
 * `value` being `{filename, mimetype, blob}`.
 */
export function fetchExport(filters, choice) {
  const [format, flavor = null] = String(choice).split(":");
  return receiveFile({ filters, format, flavor }, `postil-export.${format}`);
}

/** Ask the background for the zip of everything the reader made; resolves as `fetchExport`. */
export function fetchEverything() {
  return receiveFile({ everything: true }, "postil-everything.zip");
}

function receiveFile(asked, fallbackName) {
  return new Promise((resolve) => {
    const port = connect(PORTS.EXPORT);
    const parts = [];
    let head = null;
    // Chromium stops a worker that has had no event for 30 s; a slow server could look like that.
    const ping = setInterval(() => port.postMessage({ type: "ping" }), 10_000);
    const finish = (reply) => {
      clearInterval(ping);
      resolve(reply);
      try {
        port.disconnect();
      } catch {
        // already gone
      }
    };
    port.onMessage.addListener((piece) => {
      if (piece?.type === "start") {
        head = piece;
      } else if (piece?.type === "chunk") {
        parts.push(fromBase64(piece.base64));
      } else if (piece?.type === "end") {
        const blob = new Blob(parts, { type: head?.mimetype ?? "application/octet-stream" });
        if (blob.size !== piece.bytes) {
          finish({ ok: false, error: { code: "incomplete", message: `Only ${blob.size} of ${piece.bytes} bytes arrived` } });
        } else {
          finish({ ok: true, value: { filename: head?.filename ?? fallbackName, mimetype: blob.type, blob } });
        }
      } else if (piece?.type === "error") {
        finish({ ok: false, error: piece.error });
      }
    });
    // Resolving twice does nothing, so this only speaks when nothing else did.
    port.onDisconnect.addListener(() => finish({
      ok: false, error: { code: "extension_unavailable", message: "The extension stopped before the export finished" },
    }));
    port.postMessage(asked);
  });
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Save an exported file through a temporary object URL. */
export function saveFile({ filename, blob }) {
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
