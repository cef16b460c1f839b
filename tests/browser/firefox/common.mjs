// What the Firefox runners share: reading their settings from the environment, waiting, launching
// Firefox ESR with the unpacked extension at a known moz-extension:// origin, opening extension
// pages, signing in on the options page as a reader would, one reader's Firefox with a post open
// and its sidebar shown, and reading what the page shows (paint, sidebar items).

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

/**
 * A new tab. Once in a while (seen in CI, on a loaded machine) Firefox answers the request for
 * one with "BrowsingContext does no longer exist": then it is asked again, up to three times.
 */
export async function newPage(browser) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await browser.newPage();
    } catch (err) {
      if (!/no longer exist|no such frame/i.test(String(err)) || attempt >= 3) throw err;
      console.error(`opening a tab (attempt ${attempt}): ${err}`);
      await sleep(500);
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

/** What the extension painted on `page`: every highlight's text, of every colour. */
export function painted(page) {
  return page.evaluate(() => {
    const out = [];
    for (const c of ["yellow", "green", "blue", "pink", "purple"]) {
      const h = globalThis.CSS?.highlights?.get(`postil-${c}`);
      out.push(...(h ? [...h].map((r) => r.toString()) : []));
    }
    return out;
  });
}

/**
 * The sidebar's item holding `text` (the UI's root opened by `debugOpenShadowRoot`): its text,
 * its classes and the labels of its buttons; null if none.
 */
export function sidebarItem(page, text) {
  return page.evaluate((wanted) => {
    const items = [...(document.querySelector("postil-ui")?.shadowRoot?.querySelectorAll(".sidebar li.item") ?? [])];
    const found = items.find((li) => li.textContent.includes(wanted));
    if (!found) return null;
    return {
      text: found.textContent.replace(/\s+/g, " "),
      classes: [...found.classList],
      buttons: [...found.querySelectorAll("button")].map((b) => b.getAttribute("aria-label") ?? b.textContent),
      moderation: [...found.querySelectorAll("div.moderation button")].map((b) => b.getAttribute("aria-label")),
    };
  }, text);
}

/**
 * One reader's Firefox with the extension, signed in, the UI's root open to the test, `url`
 * open with its sidebar shown once `ready(page)` says the page has loaded what it should (a
 * note painted, an item listed). Returns `{browser, page, signedIn}`; the page is marked
 * (`window.notReloaded`) so a flow can tell a live change from a reload.
 */
export async function openReader({ uuid, extension, server, user, password, url, ready, errors, timeout = 30000 }) {
  const browser = await launchFirefox(uuid);
  await browser.installExtension(extension);
  const signedIn = await signIn(browser, uuid, { server, user, password });
  const options = await openExtensionPage(browser, uuid, "options/options.html", "#server");
  // Tests read the page's Postil UI through a root the extension's own storage opens.
  await options.evaluate(() => browser.storage.local.set({ debugOpenShadowRoot: true }));
  const page = await browser.newPage();
  page.on("pageerror", (err) => errors.push(`${user}: ${err}`));
  await page.goto(url);
  await waitFor(`${user}'s page to load its notes`, () => ready(page), timeout);
  await page.evaluate(() => { window.notReloaded = true; });
  await options.evaluate(async () => {
    for (const tab of await browser.tabs.query({})) browser.tabs.sendMessage(tab.id, { type: "ui/open-sidebar" }).catch(() => {});
  });
  await waitFor(`${user}'s sidebar`, () => page.evaluate(() =>
    document.querySelector("postil-ui")?.shadowRoot?.querySelector(".sidebar:not([hidden])") !== null));
  await page.bringToFront();
  return { browser, page, signedIn };
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

/** What the embed has painted, by highlight name (`postil-embed-COLOUR`): the passages' texts. */
export function embedPainted(page) {
  return page.evaluate(() => {
    const out = {};
    for (const name of globalThis.CSS?.highlights?.keys() ?? []) {
      if (name.startsWith("postil-embed-")) out[name] = [...CSS.highlights.get(name)].map((r) => r.toString());
    }
    return out;
  });
}

/** The passages the embed has painted in a colour (not its "noted" marks or a flash), sorted. */
export async function embedColoured(page) {
  const painted = await embedPainted(page);
  return ["yellow", "green", "blue", "pink", "purple"].flatMap((c) => painted[`postil-embed-${c}`] ?? []).sort();
}

/**
 * Let the flow reach into closed shadow roots (the embed's UI) on `page`: a script run before the
 * page's own wraps `attachShadow` to keep every root it makes where `inShadow` finds it. Firefox's
 * WebDriver BiDi sees nothing in a closed root (its accessibility locator included), as a page's
 * later scripts do not; the roots stay closed to the page itself (`shadowRoot` is null).
 */
export function keepClosedShadowRoots(page) {
  return page.evaluateOnNewDocument(() => {
    const attach = Element.prototype.attachShadow;
    const roots = [];
    Object.defineProperty(window, "__testShadowRoots", { value: roots });
    Element.prototype.attachShadow = function attachShadow(init) {
      const root = attach.call(this, init);
      roots.push(root);
      return root;
    };
  });
}

/**
 * In the roots `keepClosedShadowRoots` kept, once there is one shown: a button named `name` (its
 * aria-label or its text), or (`field: true`) the control of the label whose text is `name`.
 */
export function inShadow(page, name, { field = false, timeout = 10000 } = {}) {
  return waitFor(`"${name}" in the embed`, async () => {
    const handle = await page.evaluateHandle((wanted, isField) => {
      const shown = (el) => el.getClientRects().length > 0;
      for (const root of window.__testShadowRoots ?? []) {
        const found = isField
          ? [...root.querySelectorAll("label")].find((l) => l.firstElementChild?.textContent.trim() === wanted)
            ?.querySelector("input, textarea, select")
          : [...root.querySelectorAll("button")].find((b) => shown(b)
            && (b.getAttribute("aria-label") ?? b.textContent.trim()) === wanted);
        if (found && shown(found)) return found;
      }
      return null;
    }, name, field);
    return (await handle.evaluate((el) => el !== null)) ? handle : null;
  }, timeout);
}

/** Tap (a phone's page: touch) or click the middle of `element`. */
export async function press(page, element, { touch = false } = {}) {
  const r = await element.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  });
  if (touch) await page.touchscreen.tap(r.x, r.y);
  else await page.mouse.click(r.x, r.y);
}

/**
 * Run in the page (`page.evaluate(touchSelect, phrase)`): what a long-press and a handle drag
 * leave, with no mouse event: a word of `phrase` selected, then, a moment later, the whole phrase
 * (the page hears only `selectionchange`). Scrolls the phrase into view first; false if the
 * article has no such phrase.
 */
export async function touchSelect(phrase) {
  const walker = document.createTreeWalker(document.querySelector(".entry-content"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phrase);
    if (at < 0) continue;
    node.parentElement.scrollIntoView({ block: "center" });
    const selection = getSelection();
    selection.setBaseAndExtent(node, at, node, at + phrase.indexOf(" "));
    await new Promise((resolve) => setTimeout(resolve, 120));
    selection.extend(node, at + phrase.length);
    return true;
  }
  return false;
}
