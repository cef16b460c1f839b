// The embed's first lines: a site includes `<script src="https://POSTIL/embed.js" async>` and
// its readers see the post's public notes without the extension. scripts/build_extension.py
// joins this module and what it imports into server/postil/static/embed.js, with embed/browser.js
// standing in for shared/browser.js: the page modules are the extension's own (content/hosts.js
// says how the two hosts share a page).
//
// It waits for the page's load, by when a browser has run the extension's content script
// (document_idle), and starts only if the extension has not marked the page; if the extension
// marks it later, the embed takes its paint and its UI away.
import { server } from "./browser.js";
import { EMBED_HOST, extensionPresent, whenExtensionArrives } from "../content/hosts.js";
import { start } from "../content/main.js";

function loaded() {
  if (document.readyState === "complete") return Promise.resolve();
  return new Promise((resolve) => addEventListener("load", resolve, { once: true }));
}

async function run() {
  await loaded();
  // A task after load: the extension's document_idle script runs at the latest then.
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (extensionPresent()) return;
  let stopped = false;
  let page = null;
  whenExtensionArrives(() => {
    stopped = true;
    page?.stop();
  });
  page = await start(EMBED_HOST);
  if (stopped) page?.stop();
}

if (server && !globalThis.__postilEmbed) {
  globalThis.__postilEmbed = true;
  run().catch((err) => console.warn("Postil could not show notes on this page:", err));
}
