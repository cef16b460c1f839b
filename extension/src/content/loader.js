// The classic content script the manifest injects into http(s) pages.
//
// Content scripts cannot be ES modules, so this stub imports the real entry point by its extension
// URL; both Chromium and Firefox run such a dynamic import in the content script's own world, with
// the extension APIs available. The module files are listed in `web_accessible_resources` for that.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  if (window.top !== window || globalThis.__postilLoaded) return;
  globalThis.__postilLoaded = true;
  import(api.runtime.getURL("src/content/main.js"))
    .then((module) => module.start())
    .catch((err) => console.warn("Postil could not start on this page:", err));
})();
