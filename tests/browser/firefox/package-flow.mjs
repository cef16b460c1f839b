// The Firefox package as a reader installs it: the zip scripts/package_extension.py made, added
// as a temporary add-on (what about:debugging's "Load Temporary Add-on" does), signed in on its
// options page, and a post of the sample blog opened: its content script mounts the UI and paints
// the highlight the pytest side made on the server. Run by tests/browser/test_packages.py; prints
// one JSON line with what it saw.

import { env, launchFirefox, runFlow, signIn, waitFor } from "./common.mjs";

const PACKAGE = env("POSTIL_PACKAGE");
const SERVER = env("POSTIL_SERVER");
const PAGE = env("POSTIL_PAGE");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const UUID = "3f6c1f0e-8d52-4b8e-a1c7-5e9d2b4a7c31";

const browser = await launchFirefox(UUID);
await runFlow(browser, async (result) => {
  result.errors = [];
  result.extensionId = await browser.installExtension(PACKAGE);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  const page = await browser.newPage();
  page.on("pageerror", (err) => result.errors.push(String(err)));
  await page.goto(PAGE);
  await page.waitForSelector("postil-ui");
  // Painted with the CSS Custom Highlight API, or with <postil-mark> where Firefox lacks it.
  result.painted = await waitFor("the highlight to be painted", () => page.evaluate(() => {
    const out = {};
    for (const [name, ranges] of globalThis.CSS?.highlights ?? []) {
      out[name] = [...ranges].map((r) => r.toString());
    }
    for (const mark of document.querySelectorAll("postil-mark")) {
      (out.marks ??= []).push(mark.textContent);
    }
    // The highlights are registered (empty) before the page's annotations arrive: wait for one.
    return Object.values(out).some((found) => found.length) ? out : null;
  }));
});
