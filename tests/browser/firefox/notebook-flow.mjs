// The notebook in Firefox: sign in on the options page, open the notebook with small pages, scroll
// until every annotation is listed, search, filter by colour, edit a note, and export what the
// filters show. The annotations are seeded by tests/browser/test_notebook.py, which starts the
// servers and passes everything through the environment; prints one JSON line with what it saw.

import { apiToken, env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const DOWNLOADS = env("POSTIL_DOWNLOADS");
const EDIT_ID = env("POSTIL_EDIT_ID");
const SCREENSHOT = process.env.POSTIL_SCREENSHOT;
const UUID = "2f7c1e90-8d4b-4c3a-a1f6-5e9b0d7c3a21";



const quotes = (page) => page.$$eval("li.annotation .quote", (els) => els.map((el) => el.textContent));
const settled = (page) => page.$eval("#loading", (el) => el.hidden);

async function storedNote(id) {
  const token = await apiToken(SERVER, USER, PASSWORD);
  const reply = await fetch(`${SERVER}/api/annotations/${id}`, { headers: { Authorization: `Bearer ${token}` } });
  return (await reply.json()).note;
}

const browser = await launchFirefox(UUID, {
  // Save `<a download>` files to a known folder without asking.
  "browser.download.folderList": 2,
  "browser.download.dir": DOWNLOADS,
  "browser.download.useDownloadDir": true,
  "browser.download.always_ask_before_handling_new_types": false,
});
const errors = [];
await runFlow(browser, async (result) => {
  result.errors = errors;
  await browser.installExtension(EXTENSION);
  await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });

  const page = await openExtensionPage(browser, UUID, "notebook/notebook.html?pageSize=2", "#filters");
  page.on("pageerror", (err) => errors.push(String(err)));
  await waitFor("the first page", async () => (await quotes(page)).length >= 2);
  result.firstPage = (await quotes(page)).length;
  // Scroll until the observer has fetched every page.
  result.all = await waitFor("every page", async () => {
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const done = await page.$eval("#end", (el) => !el.hidden);
    return done && (await quotes(page));
  });
  result.groups = await page.$$eval("section.post h2", (els) => els.map((el) => el.textContent));

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.type("#q", "timing");
  result.search = await waitFor("the search", async () => {
    const shown = await quotes(page);
    return shown.length === 2 && (await settled(page)) && shown;
  });
  await page.$eval("#q", (el) => { el.value = ""; });
  await page.select("#color", "green");
  await page.click("#filters button[type=submit]");
  result.green = await waitFor("the colour filter", async () => {
    const shown = await quotes(page);
    return shown.length === 2 && !shown.includes("calmest place on a beach") && (await settled(page)) && shown;
  });

  // Export what is shown: capture the file's content as the page hands it to the download.
  await page.evaluate(() => {
    const original = URL.createObjectURL;
    URL.createObjectURL = (blob) => {
      blob.text().then((text) => { window.exportedText = text; });
      return original.call(URL, blob);
    };
  });
  await page.select("#export-format", "json");
  await page.click("#export");
  const exported = await waitFor("the export", () => page.evaluate(() => window.exportedText));
  result.exported = JSON.parse(exported).annotations.map((a) => a.quote).sort();
  result.exportMessage = await page.$eval("#export-message", (el) => el.textContent);

  const item = `li[data-id="${EDIT_ID}"]`;
  await page.click(`${item} button.edit`);
  await page.waitForSelector(`${item} textarea`);
  await page.$eval(`${item} textarea`, (el) => { el.value = ""; });
  await page.type(`${item} textarea`, "Edited in *Firefox*");
  await page.click(`${item} button[type=submit]`);
  result.editedHtml = await waitFor("the saved note", () =>
    page.$eval(item, (el) => el.querySelector(".note em")?.textContent ?? null));
  result.storedNote = await waitFor("the note on the server", async () => {
    const note = await storedNote(EDIT_ID);
    return note === "Edited in *Firefox*" && note;
  });
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
});
