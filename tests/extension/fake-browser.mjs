// A stand-in for the WebExtension API that extension/src/shared/browser.js wraps: storage.local
// in memory and listeners that are never called, so background modules load in Node. Import it
// before the module under test (static imports of this file run first).

const listener = () => ({ addListener() {} });
const saved = new Map();

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
  storage: { local: storageLocal, onChanged: listener() },
  alarms: { onAlarm: listener(), create() {} },
  tabs: { async query() { return []; } },
};
