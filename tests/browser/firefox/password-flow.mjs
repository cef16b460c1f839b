// Changing the password in Firefox: sign in on the options page, change the password in the
// "Password and sessions" section, and report what the page said, which sessions it lists
// after, and what the server now accepts. tests/browser/test_firefox_flow.py makes the reader
// and another session first, and passes everything through the environment.

import { env, launchFirefox, openExtensionPage, runFlow, signIn, waitFor } from "./common.mjs";

const EXTENSION = env("POSTIL_EXTENSION");
const SERVER = env("POSTIL_SERVER");
const USER = env("POSTIL_USER");
const PASSWORD = env("POSTIL_PASSWORD");
const NEW_PASSWORD = env("POSTIL_NEW_PASSWORD");
const UUID = "6b0d2a7e-4f1c-4e8a-9c35-1d7e2f0a9b64";

async function status(path, init = {}) {
  return (await fetch(`${SERVER}${path}`, init)).status;
}

const signInStatus = (password) => status("/api/tokens", {
  method: "POST", headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ username: USER, password }),
});

const browser = await launchFirefox(UUID);
const errors = [];
await runFlow(browser, async (result) => {
  result.errors = errors;
  await browser.installExtension(EXTENSION);
  result.signedIn = await signIn(browser, UUID, { server: SERVER, user: USER, password: PASSWORD });
  // A fresh options page, as a reader coming back to it signed in.
  const options = await openExtensionPage(browser, UUID, "options/options.html", "#session-list");
  options.on("pageerror", (err) => errors.push(String(err)));
  const labels = () => options.$$eval("#session-list tbody tr", (rows) => rows.map((r) => r.cells[0].textContent));
  result.before = await waitFor("the sessions", async () => {
    const shown = await labels();
    return shown.length === 2 && shown;
  });

  await options.type("#current-password", PASSWORD);
  await options.type("#new-password", NEW_PASSWORD);
  await options.click("#change-password button[type=submit]");
  result.message = await waitFor("the change", () =>
    options.$eval("#password-message", (el) => el.textContent.startsWith("Password changed") && el.textContent));
  result.after = await waitFor("the list refreshed", async () => {
    const shown = await labels();
    return shown.length === 1 && shown;
  });
  result.oldPassword = await signInStatus(PASSWORD);
  result.newPassword = await signInStatus(NEW_PASSWORD);
  result.otherSession = await status("/api/me", { headers: { Authorization: `Bearer ${env("POSTIL_OTHER_TOKEN")}` } });
  result.stillSignedIn = await options.$eval("#signed-in", (el) => el.textContent);
});
