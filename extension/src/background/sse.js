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
