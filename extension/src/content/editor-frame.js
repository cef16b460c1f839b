// The note editor in a frame of the extension's own, inside the on-page UI. What a reader types
// here is in another origin's document: the page's scripts cannot read it, find it or hear its
// key presses, as they could in the page's own document, even in a closed shadow root.
//
// The frame talks only over the MessagePort that the content script hands it together with the
// nonce from the frame's URL, which the page cannot see; anything else posted to this window is
// ignored. The protocol: it receives {type: "open", title, quote, values, choices, dark, compact} and sends
// {type: "ready"}, {type: "size", height}, {type: "color", color}, {type: "save", values} and
// {type: "cancel"}.

import { buildEditorForm } from "./editor-form.js";
import { UI_CSS } from "./styles.js";

const nonce = location.hash.slice(1);
const panel = document.querySelector(".editor");
let port = null;

const style = document.createElement("style");
style.textContent = `${UI_CSS}
html, body { margin: 0; background: transparent; }
.panel.editor.in-frame { position: static; width: auto; border: 0; border-radius: 0; box-shadow: none; overflow: visible; }`;
document.head.append(style);

addEventListener("message", (event) => {
  if (port || !nonce || event.data?.type !== "postil-editor" || event.data.nonce !== nonce) return;
  if (!event.ports?.[0]) return;
  port = event.ports[0];
  port.onmessage = ({ data }) => {
    if (data?.type === "open") open(data);
    else if (data?.type === "close") close();
  };
  port.postMessage({ type: "ready" });
});

// The note being edited now; every message back names it, so a late one for an earlier note is
// ignored by the content script.
let session = null;

function open(data) {
  session = data.session;
  document.querySelector(".root").classList.toggle("dark", Boolean(data.dark));
  panel.classList.toggle("compact", Boolean(data.compact));
  const send = (message) => port.postMessage({ ...message, session: data.session });
  const { form, focus } = buildEditorForm({ title: data.title, quote: data.quote, values: data.values ?? {}, choices: data.choices ?? null }, {
    save: (edited) => send({ type: "save", values: edited }),
    cancel: () => send({ type: "cancel" }),
    color: (color) => send({ type: "color", color }),
  });
  panel.replaceChildren(form);
  scrollTo(0, 0);
  // Observe afresh: the first observation comes once this frame is rendered again (it was
  // display:none between notes, and measures 0 until the embedder's change reaches it).
  resizer.unobserve(panel);
  resizer.observe(panel);
  // A frame that was display:none a moment ago may not be rendered yet in its own process:
  // focus() does nothing until it is, so try again on the next frames.
  let tries = 20;
  const retry = () => {
    if (session !== data.session) return;
    focus();
    if (document.activeElement === form.elements.note || !tries--) return;
    requestAnimationFrame(retry);
  };
  retry();
}

function close() {
  session = null;
  panel.replaceChildren();
}

function report() {
  const { height } = panel.getBoundingClientRect();
  // 0 while the frame is not rendered (hidden between notes): not a size to take.
  if (session && height > 0) port.postMessage({ type: "size", session, height: Math.ceil(height) });
}

const resizer = new ResizeObserver(report);
resizer.observe(panel);

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && session) {
    event.preventDefault();
    port.postMessage({ type: "cancel", session });
  }
});
