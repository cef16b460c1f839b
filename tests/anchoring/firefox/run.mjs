/*
 * Runs the anchoring scenarios (../suite/anchoring.js) and the post-key tables
 * (../fixtures/post-key/pages.json, ../../fixtures/post-key-cases.json) in Firefox ESR, driven by
 * puppeteer-core over WebDriver BiDi — the same checks pytest runs in Chromium.
 *
 * Serves the repository over http on 127.0.0.1 (a free port) for the harness page, prints one
 * line per failure and a closing "N passed, M failed", and exits 1 if anything failed.
 * Usage: node run.mjs   (FIREFOX=/path/to/firefox overrides /usr/bin/firefox-esr)
 */

import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../../..");
const FIREFOX = process.env.FIREFOX || "/usr/bin/firefox-esr";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
  ".json": "application/json", ".css": "text/css" };

function serveRepository() {
  const server = http.createServer(async (request, response) => {
    const urlPath = decodeURIComponent(new URL(request.url, "http://x").pathname);
    const file = path.resolve(REPO, `.${urlPath}`);
    if (!file.startsWith(REPO + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[path.extname(file)] || "text/plain" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function readJson(relative) {
  return JSON.parse(await readFile(path.join(HERE, relative), "utf8"));
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function main() {
  const server = await serveRepository();
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await puppeteer.launch({ browser: "firefox", executablePath: FIREFOX,
    headless: true });
  const failures = [];
  let passed = 0;
  const record = (name, ok, detail) => {
    if (ok) passed += 1;
    else failures.push(`${name}: ${detail}`);
  };
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/tests/anchoring/harness.html`);
    await page.waitForFunction("window.harnessReady === true", { timeout: 15000 });

    const scenarios = await page.evaluate(() => window.suite.listCases());
    for (const name of scenarios) {
      const result = await page.evaluate((n) => window.suite.runCase(n), name);
      record(`anchoring: ${name}`, result.ok, result.error);
    }

    for (const entry of await readJson("../fixtures/post-key/pages.json")) {
      const key = await page.evaluate((c) => window.identifyFixture(c), entry);
      const got = Object.fromEntries(Object.keys(entry.expected).map((k) => [k, key[k]]));
      record(`post-key page: ${entry.name}`, same(got, entry.expected),
        `expected ${JSON.stringify(entry.expected)}, got ${JSON.stringify(got)}`);
    }

    for (const entry of await readJson("../../fixtures/post-key-cases.json")) {
      const got = await page.evaluate((fn, input) => window.postKey[fn](input), entry.function,
        entry.input);
      record(`post-key case: ${entry.name}`, same(got, entry.expected),
        `expected ${JSON.stringify(entry.expected)}, got ${JSON.stringify(got)}`);
    }
  } finally {
    await browser.close();
    server.close();
  }
  for (const failure of failures) console.log(`FAILED ${failure}`);
  console.log(`firefox: ${passed} passed, ${failures.length} failed`);
  return failures.length === 0;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
