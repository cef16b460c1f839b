// The background's persistent state in `storage.local`: settings, the sign-in, the offline queue,
// changes the server refused, and the last known copy of each post's annotations.
//
// A service worker can be stopped between any two awaits, so nothing lives only in memory: every
// change is written before it is acknowledged. Read-modify-write sequences go through `update`,
// which runs them one at a time so two messages arriving together cannot drop each other's change.

import { storage } from "../shared/browser.js";
import { DEFAULT_SETTINGS } from "../shared/colors.js";

let chain = Promise.resolve();

/** Run `fn(state)` alone; it mutates the passed object, and the keys it touched are saved. */
export function update(keys, fn) {
  const run = chain.then(async () => {
    const current = await storage.get(keys);
    const result = await fn(current);
    const changed = {};
    for (const key of keys) if (current[key] !== undefined) changed[key] = current[key];
    await storage.set(changed);
    return result;
  });
  chain = run.catch(() => {});
  return run;
}

export async function read(keys) {
  return storage.get(keys);
}

export async function settings() {
  const { settings: saved } = await storage.get("settings");
  return { ...DEFAULT_SETTINGS, ...(saved ?? {}) };
}

export async function auth() {
  const { auth: saved } = await storage.get("auth");
  return saved ?? null;
}

/** The server base URL and token to use now. */
export async function connection() {
  const [s, a] = await Promise.all([settings(), auth()]);
  const token = a && a.server === s.server ? a.token : null;
  return { server: s.server, token, user: token ? a.user : null };
}
