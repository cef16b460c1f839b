// The two hosts of the page modules, and how they keep out of each other's way.
//
// The extension's content script and the embed a site includes (src/embed/) run these same
// modules. When both are on a page the extension paints and the embed yields: the extension
// shows the reader's own and group notes too, and never depends on what a page says. So the
// extension, as its first act, marks the document (EXTENSION_MARK on <html>), and the embed
// starts only where the mark is absent and stops as soon as it appears.
//
// A page script can forge the mark or remove it, and so can keep its own embed from painting or
// let it paint beside the extension (two sets of highlights under their own names): both are
// the page's say over its own embed, which it could as well leave out. Nothing a page does can
// make the extension yield, since it reads no mark. The mark tells a page no more than it could
// already see: the extension's UI host and its highlights are in the page.

export const EXTENSION_MARK = "data-postil-extension";

/** What each host tells the page modules (main.js `start`). */
// `readOnly`: where the reader starts (the embed writes once signed in where the site's policy
// lets them: GET_STATUS's `canWrite`). `frameEditor`: the note editor and reply boxes are frames
// of the extension's own; the embed has none, so its editor is drawn in the page and it offers
// no replies.
export const EXTENSION_HOST = Object.freeze({ name: "extension", readOnly: false, launcher: false, paintName: "postil", frameEditor: true });
export const EMBED_HOST = Object.freeze({ name: "embed", readOnly: true, launcher: true, paintName: "postil-embed", frameEditor: false });

export function markExtension(doc = document) {
  doc.documentElement.setAttribute(EXTENSION_MARK, "");
}

export function extensionPresent(doc = document) {
  return doc.documentElement.hasAttribute(EXTENSION_MARK);
}

/** Call `then` once, when the extension marks the document. */
export function whenExtensionArrives(then, doc = document) {
  const observer = new MutationObserver(() => {
    if (!extensionPresent(doc)) return;
    observer.disconnect();
    then();
  });
  observer.observe(doc.documentElement, { attributes: true, attributeFilter: [EXTENSION_MARK] });
}
