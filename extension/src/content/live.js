// Live updates on the page: a port to the background (PORTS.LIVE), which follows the server's
// change stream, saying which posts this page shows, and hearing which of their annotations
// changed. What changed is applied by sync.js (applyLive) through the same paths a load takes.
//
// The port is what keeps the stream open and the service worker awake (a ping now and then);
// when the worker is stopped anyway the port closes, and opening it again wakes a new worker,
// which resumes the stream where the old one left it.

import { backoffDelay } from "../shared/backoff.js";
import { connect } from "../shared/browser.js";
import { PORTS } from "../shared/messages.js";
import { wirePost } from "../post-key/index.js";

// Under the 30 s after which Chromium stops a service worker that heard nothing.
const PING_MS = 20_000;
// How long the first load waits for the background's stream (a slow or absent server).
const PLACE_WAIT_MS = 1000;

export class LiveFollow {
  /**
   * hooks.posts(): the posts the page shows now; hooks.changed(message); hooks.reset(). With
   * `all` the page hears of changes to every post's annotations (the notebook, which shows no
   * post of its own): `changed` then carries {annotations, removed}.
   */
  constructor(hooks, { all = false } = {}) {
    this.hooks = hooks;
    this.all = all;
    this.port = null;
    this.pinger = null;
    this.failures = 0;
    this.gone = false;
    // Whether the page has read its lists already: a stream opened fresh after that (a worker
    // stopped, a new sign-in) cannot know what changed since, and asks the page to read again.
    this.listed = false;
  }

  /**
   * Open the port; resolves once the background's stream is placed (or after PLACE_WAIT_MS),
   * so that the page's first load, read after it, misses nothing the stream will bring.
   */
  start() {
    const placed = new Promise((resolve) => {
      this.whenPlaced = resolve;
      setTimeout(resolve, PLACE_WAIT_MS);
    });
    this.open();
    return placed;
  }

  open() {
    if (this.gone) return;
    let port;
    try {
      port = connect(PORTS.LIVE);
    } catch {
      this.gone = true; // the extension was updated or removed: this page's script is an orphan
      return;
    }
    this.port = port;
    const opened = Date.now();
    port.onMessage.addListener((message) => {
      this.failures = 0;
      if (message?.type === "placed") this.whenPlaced?.();
      else if (message?.type === "changed") this.hooks.changed(message);
      else if (message?.type === "reset") this.hooks.reset();
    });
    port.onDisconnect.addListener(() => {
      this.whenPlaced?.();
      clearInterval(this.pinger);
      this.port = null;
      // A port that stayed open a while closed because its worker stopped: open again at once.
      if (Date.now() - opened > PING_MS) this.failures = 0;
      setTimeout(() => this.open(), backoffDelay(this.failures++, { base: 200, max: 30_000 }));
    });
    this.pinger = setInterval(() => this.post({ type: "ping" }), PING_MS);
    this.follow();
  }

  /** Tell the background which posts the page shows (after a load, or when they changed). */
  follow() {
    this.post({ type: "watch", posts: this.hooks.posts().map(wirePost), listed: this.listed, ...(this.all ? { all: true } : {}) });
  }

  /** The page has read its posts' lists (sync.js, after a load). */
  loaded() {
    this.listed = true;
  }

  /** The page stops (the embed yields to the extension): the port closes, and with it the stream. */
  stop() {
    this.gone = true;
    clearInterval(this.pinger);
    const port = this.port;
    this.port = null;
    try {
      port?.disconnect();
    } catch {
      // already closed
    }
  }

  post(message) {
    try {
      this.port?.postMessage(message);
    } catch {
      // Closed meanwhile: onDisconnect opens it again.
    }
  }
}
