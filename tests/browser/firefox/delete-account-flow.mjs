// Deleting an account in Firefox: sign in on the options page, choose to delete public notes too,
// give the password and confirm, then see the page signed out. The reader and their annotations
// are made by tests/browser/test_firefox_delete_account.py, which checks the server afterwards;
// prints one JSON line with what the page showed.

import { env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const UUID = "6b1d2f4a-93c8-4e57-b0a2-7d5e8c1f9a36";

const text = (page, selector) => page.$eval(selector, (el) => el.textContent);

const browser = await launchFirefox(UUID);
const errors = [];
await runFlow(browser, async (result) => {
  result.errors = errors;
  await browser.installExtension(EXTENSION);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#your-data");
  options.on("pageerror", (err) => errors.push(String(err)));
  await waitFor("the Your data section", () => options.$eval("#your-data", (el) => !el.hidden));

  await options.click("input[name=public-annotations][value=delete]");
  await options.type("#delete-password", PASSWORD);
  await options.click("#delete-confirm");
  await options.click("#delete-account button[type=submit]");
  result.status = await waitFor("signed out", async () => {
    const status = await text(options, "#signed-in");
    return status.startsWith("Not signed in") && status;
  });
  result.message = await text(options, "#account-message");
  result.sectionHidden = await options.$eval("#your-data", (el) => el.hidden);
  result.signInShown = await options.$eval("#sign-in", (el) => !el.hidden);
});
