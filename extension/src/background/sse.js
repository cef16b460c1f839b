// Reading a Server-Sent Events body as it arrives (the WHATWG "event stream" format), pure: the
// background feeds it the text of each chunk of `GET /api/stream`'s body and gets back the
// events completed by it. An EventSource would do this by itself, but it cannot send the
// Authorization header, so the background reads the stream with fetch and parses it here.

export class SseParser {
  constructor() {
    this.buffer = "";
    this.data = [];
    this.type = "";
    // The last event id seen: an `id:` line sets it even on an event that carries no data.
    this.lastEventId = "";
    this.retry = null;
    this.started = false;
    this.pendingCR = false;
  }

  /** Take the next piece of decoded text; return the events it completed: [{id, type, data}]. */
  feed(text) {
    if (!this.started && text) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A CR at the end of the last piece and an LF starting this one are one line break.
    if (this.pendingCR && text.startsWith("\n")) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    const events = [];
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf("\r", start);
      const lf = this.buffer.indexOf("\n", start);
      if (cr < 0 && lf < 0) break;
      let end;
      let next;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        end = cr;
        if (cr + 1 === this.buffer.length) {
          next = cr + 1;
          this.pendingCR = true;
        } else next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
      } else {
        end = lf;
        next = lf + 1;
      }
      const event = this.line(this.buffer.slice(start, end));
      if (event) events.push(event);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  line(line) {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // a comment: the server's keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.type = value;
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
    return null;
  }

  dispatch() {
    const data = this.data;
    const type = this.type || "message";
    this.data = [];
    this.type = "";
    if (!data.length) return null;
    return { id: this.lastEventId, type, data: data.join("\n") };
  }
}

// The server comments every 15 s: three missed and the connection is taken for dead.
export const SILENCE_MS = 45_000;
// A stream that lasted this long (or brought an event) was no failure: backoff starts over.
export const HEALTHY_MS = 30_000;

/**
 * Read an open stream (`response`, fetched with `controller`'s signal) until it ends, is cut off
 * or stays silent too long (then `controller` is aborted). Every piece that arrives goes to
 * `receive(events, lastEventId)`, awaited, with the events it completed (maybe none) and the
 * last event id seen so far. True if the stream was healthy: it lasted, or it brought events.
 */
export async function readEventStream(response, controller, receive) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const opened = Date.now();
  let heard = false;
  let silence = null;
  const listen = () => {
    clearTimeout(silence);
    silence = setTimeout(() => controller.abort(), SILENCE_MS);
  };
  listen();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      listen();
      const events = parser.feed(decoder.decode(value, { stream: true }));
      if (events.length) heard = true;
      await receive(events, parser.lastEventId);
    }
  } catch {
    // Cut off (network, server gone, silence, a new sign-in or post): the caller decides.
  } finally {
    clearTimeout(silence);
    reader.cancel().catch(() => {});
  }
  return heard || Date.now() - opened >= HEALTHY_MS;
}
