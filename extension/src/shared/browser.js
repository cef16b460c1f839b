// A thin wrapper over the WebExtension APIs (`browser.*` in Firefox, `chrome.*` in Chromium).
//
// Everything else imports from here instead of touching the globals, so that the two browsers'
// differences live in one place and modules can be exercised outside an extension by swapping
// this one out. Both browsers return promises from these MV3 calls.

const api = globalThis.browser ?? globalThis.chrome;

export const runtime = api.runtime;

/** Send a message to the background and unwrap its `{ok, value | error}` reply. */
export async function send(type, payload = {}) {
  let reply;
  try {
    reply = await api.runtime.sendMessage({ type, ...payload });
  } catch (err) {
    return { ok: false, error: { code: "extension_unavailable", message: String(err?.message ?? err) } };
  }
  return reply ?? { ok: false, error: { code: "no_reply", message: `nobody answered ${type}` } };
}

/** Send a message to one tab's content script; resolves to its reply or null if none listens. */
export async function sendToTab(tabId, type, payload = {}) {
  try {
    return await api.tabs.sendMessage(tabId, { type, ...payload });
  } catch {
    return null;
  }
}

/** Tell every tab's content script something; tabs without one are skipped quietly. */
export async function broadcast(type, payload = {}) {
  const tabs = await api.tabs.query({});
  await Promise.all(tabs.map((tab) => sendToTab(tab.id, type, payload)));
}

export async function activeTab() {
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab ?? null;
}

/**
 * Listen for messages; `handler(message, sender)` returns a promise of the reply.
 * Returning `true` keeps the channel open in Chromium, which does not use the promise.
 */
export function onMessage(handler) {
  api.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (!message || typeof message.type !== "string") return false;
    Promise.resolve(handler(message, sender)).then(
      (reply) => sendResponse(reply),
      (err) => sendResponse({ ok: false, error: { code: "internal", message: String(err?.message ?? err) } }),
    );
    return true;
  });
}

/** Open a long-lived connection to the background. */
export function connect(name) {
  return api.runtime.connect({ name });
}

/** Handle connections named `name`: `handler(port)`. */
export function onConnect(name, handler) {
  api.runtime.onConnect.addListener((port) => {
    if (port.name === name) handler(port);
  });
}

export const storage = {
  async get(keys) {
    return api.storage.local.get(keys);
  },
  async set(items) {
    return api.storage.local.set(items);
  },
  async remove(keys) {
    return api.storage.local.remove(keys);
  },
  onChanged(listener) {
    api.storage.onChanged.addListener((changes, area) => {
      if (area === "local") listener(changes);
    });
  },
};

/**
 * storage.session (kept while the browser runs, not on disk; Chromium 102+, Firefox 115+), or
 * this background's memory where a browser has none: what is worth keeping across a stopped
 * service worker but not across a browser restart.
 */
const sessionArea = api.storage?.session ?? null;
const sessionMemory = new Map();
export const sessionStorage = {
  async get(key) {
    if (sessionArea) return (await sessionArea.get(key))[key];
    return sessionMemory.get(key);
  },
  async set(key, value) {
    if (sessionArea) return sessionArea.set({ [key]: value });
    sessionMemory.set(key, value);
  },
};

export const alarms = {
  create(name, info) {
    return api.alarms.create(name, info);
  },
  onAlarm(listener) {
    api.alarms.onAlarm.addListener(listener);
  },
};

export function onCommand(listener) {
  api.commands?.onCommand.addListener(listener);
}

export function onStartup(listener) {
  api.runtime.onStartup.addListener(listener);
}

export function onInstalled(listener) {
  api.runtime.onInstalled.addListener(listener);
}

export function extensionUrl(path) {
  return api.runtime.getURL(path);
}

export function openOptionsPage() {
  return api.runtime.openOptionsPage();
}

/** The extension button's badge: `text` ("" for none). Firefox and Chromium both name it action. */
export function setBadge(text) {
  const action = api.action ?? api.browserAction;
  if (!action?.setBadgeText) return Promise.resolve();
  return Promise.resolve(action.setBadgeText({ text })).catch(() => {});
}
