// The content script's first lines: start Postil once, in the page's top frame only.
//
// scripts/build_extension.py joins this module and everything it imports into
// extension/build/content.js, the one classic script the manifest injects, so no page code of
// the extension is web-accessible (a page could fetch it at a fixed URL to tell that its reader
// runs Postil). The page is marked at once, so an embed of Postil the site includes yields
// (content/hosts.js).
import { EXTENSION_HOST, markExtension } from "./hosts.js";
import { start } from "./main.js";

if (window.top === window && !globalThis.__postilLoaded) {
  globalThis.__postilLoaded = true;
  markExtension();
  start(EXTENSION_HOST).catch((err) => console.warn("Postil could not start on this page:", err));
}
