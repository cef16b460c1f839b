// What the Firefox runners share: reading their settings from the environment, waiting, launching
// Firefox ESR with the unpacked extension at a known moz-extension:// origin, opening extension
// pages, and signing in on the options page as a reader would.

import puppeteer from "puppeteer-core";

export const GECKO_ID = "postil@postil.invalid";

/** A required environment variable (the pytest side passes everything this way). */
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `fn` until it returns something truthy, and return that. */
export async function waitFor(what, fn, timeout = 20000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    // A look that never answers (a page gone unresponsive) ends with the wait too.
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
    });
    last = await Promise.race([fn(), late]).finally(() => clearTimeout(timer));
    if (last) return last;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Launch headless Firefox ESR; `uuid` fixes the extension's internal UUID, hence its origin. */
export function launchFirefox(uuid, prefs = {}) {
  return puppeteer.launch({
    browser: "firefox",
    executablePath: process.env.POSTIL_FIREFOX ?? "/usr/bin/firefox-esr",
    headless: true,
    // Firefox 153+ lets WebDriver open moz-extension:// pages only with system access allowed.
    args: ["--remote-allow-system-access"],
    extraPrefsFirefox: {
      "extensions.webextensions.uuids": JSON.stringify({ [GECKO_ID]: uuid }),
      ...prefs,
    },
  });
}

/**
 * Open an extension page; its "load" never reaches WebDriver, so wait for an element instead.
 * Right after the add-on is installed, its own first-run options tab opens too, and once in a
 * while (seen in a whole-suite run) the wait on ours ended with the frame gone instead of the
 * element, and with two Firefox instances on a loaded machine twice (seen in CI): up to three
 * tries then, each failure's cause written to stderr.
 */
export async function openExtensionPage(browser, uuid, path, selector) {
  for (let attempt = 1; ; attempt++) {
    const page = await browser.newPage();
    page.goto(`moz-extension://${uuid}/src/${path}`, { timeout: 0 }).catch(() => {});
    try {
      await page.waitForSelector(selector);
      return page;
    } catch (err) {
      console.error(`opening ${path} (attempt ${attempt}): ${err?.stack ?? err}; cause: ${err?.cause ?? "none"}`);
      await page.close().catch(() => {});
      if (attempt >= 3) throw err;
    }
  }
}

/** Sign in on the options page; returns the page's "Signed in as …" text. */
export async function signIn(browser, uuid, { server, user, password }) {
  const options = await openExtensionPage(browser, uuid, "options/options.html", "#server");
  await options.$eval("#server", (el, value) => { el.value = value; }, server);
  await options.type("#username", user);
  await options.type("#password", password);
  await options.click("#sign-in button[type=submit]");
  return waitFor("sign-in", () =>
    options.$eval("#signed-in", (el) => el.textContent.startsWith("Signed in as") && el.textContent));
}

/** A token for checking what reached the server, straight from the API. */
export async function apiToken(server, user, password) {
  const reply = await fetch(`${server}/api/tokens`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: user, password }),
  });
  return (await reply.json()).token;
}

/**
 * Run a flow, then print what it saw as one JSON line (the pytest side reads the last) and exit:
 * `flow(result)` fills `result` in; a throw is reported as {ok: false, error}. The browser is
 * closed either way.
 */
export async function runFlow(browser, flow) {
  const result = {};
  try {
    await flow(result);
    result.ok = true;
  } catch (err) {
    result.ok = false;
    result.error = String(err?.stack ?? err);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}
