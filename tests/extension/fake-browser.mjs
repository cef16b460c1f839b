// A stand-in for the WebExtension API that extension/src/shared/browser.js wraps: storage.local
// and storage.session in memory, and listeners a test may call (`fire`), so background modules
// load in Node. Import it before the module under test (static imports of this file run first).

const listener = () => {
  const fns = [];
  return {
    addListener(fn) {
      fns.push(fn);
    },
    fire(...args) {
      for (const fn of fns) fn(...args);
    },
  };
};
const saved = new Map();
const sessionSaved = new Map();

export const storageSession = {
  async get(keys) {
    const out = {};
    for (const name of [].concat(keys)) if (sessionSaved.has(name)) out[name] = structuredClone(sessionSaved.get(name));
    return out;
  },
  async set(items) {
    for (const [name, value] of Object.entries(items)) sessionSaved.set(name, structuredClone(value));
  },
};

export const storageLocal = {
  async get(keys) {
    const names = keys === null || keys === undefined ? [...saved.keys()] : [].concat(keys);
    const out = {};
    for (const name of names) if (saved.has(name)) out[name] = structuredClone(saved.get(name));
    return out;
  },
  async set(items) {
    for (const [name, value] of Object.entries(items)) saved.set(name, structuredClone(value));
  },
  async remove(keys) {
    for (const name of [].concat(keys)) saved.delete(name);
  },
  clear() {
    saved.clear();
  },
};

globalThis.chrome = {
  runtime: { onMessage: listener(), onConnect: listener(), onStartup: listener(), onInstalled: listener() },
  storage: { local: storageLocal, session: storageSession, onChanged: listener() },
  alarms: { onAlarm: listener(), create() {} },
  tabs: { async query() { return []; } },
};
