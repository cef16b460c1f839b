// The note editor in a frame of the extension's own, inside the on-page UI. What a reader types
// here is in another origin's document: the page's scripts cannot read it, find it or hear its
// key presses, as they could in the page's own document, even in a closed shadow root.
//
// The frame talks only over the MessagePort that the content script hands it together with the
// nonce from the frame's URL, which the page cannot see; anything else posted to this window is
// ignored. The protocol: it receives {type: "open", title, quote, values, choices, dark, compact} and sends
// {type: "ready"}, {type: "size", height}, {type: "color", color}, {type: "save", values} and
// {type: "cancel"}.
//
// The same page is the sidebar's reply box, in a frame of its own: opened with {type: "open",
// mode: "reply", name, draft, dark} it shows one text box ("Your reply to <name>") with Cancel
// and Send, and sends {type: "draft", text} as the reader types (so a redraw of the sidebar,
// which reloads the frame, keeps what was written), {type: "send", note} and {type: "cancel"}.

import { buildEditorForm } from "./editor-form.js";
import { UI_CSS } from "./styles.js";

const nonce = location.hash.slice(1);
const panel = document.querySelector(".editor");
let port = null;

const style = document.createElement("style");
style.textContent = `${UI_CSS}
html, body { margin: 0; background: transparent; }
.panel.editor.in-frame { position: static; width: auto; border: 0; border-radius: 0; box-shadow: none; overflow: visible; }
.panel.editor.in-frame.reply-mode { padding: 2px; }
.panel.editor.in-frame.reply-mode .reply-form { margin-top: 0; }`;
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
  forgetEarlyKeys();
  session = data.session;
  document.querySelector(".root").classList.toggle("dark", Boolean(data.dark));
  panel.classList.toggle("compact", Boolean(data.compact));
  panel.classList.toggle("reply-mode", data.mode === "reply");
  const send = (message) => port.postMessage({ ...message, session: data.session });
  const { form, focus } = data.mode === "reply" ? replyForm(data, send) : buildEditorForm({ title: data.title, quote: data.quote, values: data.values ?? {}, choices: data.choices ?? null }, {
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
  // A reply box redrawn while the reader was elsewhere does not take the keyboard.
  if (data.focus === false) return;
  // A frame that was display:none a moment ago may not be rendered yet in its own process:
  // focus() does nothing until it is, so try again on the next frames.
  let tries = 20;
  const retry = () => {
    if (session !== data.session) return;
    focus();
    if (document.activeElement === (form.elements.note ?? form.elements.reply) || !tries--) return;
    requestAnimationFrame(retry);
  };
  retry();
}

/** The reply box: its text (named for whom it answers), Cancel and Send (or Ctrl+Enter). */
function replyForm({ name, draft }, send) {
  const form = document.createElement("form");
  form.className = "reply-form";
  form.setAttribute("aria-label", `Reply to ${name ?? "this annotation"}`);
  const text = document.createElement("textarea");
  text.className = "reply-text";
  text.name = "reply";
  text.rows = 3;
  text.setAttribute("aria-label", `Your reply to ${name ?? "this annotation"}`);
  text.value = draft ?? "";
  text.addEventListener("input", () => send({ type: "draft", text: text.value }));
  const sendIt = () => {
    const note = text.value.trim();
    if (note) send({ type: "send", note });
    else text.focus();
  };
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      sendIt();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendIt();
  });
  const button = (label, type) => Object.assign(document.createElement("button"), { type, textContent: label });
  const cancel = button("Cancel", "button");
  cancel.addEventListener("click", () => send({ type: "cancel" }));
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(cancel, button("Send", "submit"));
  form.append(text, actions);
  const focus = () => {
    text.focus({ preventScroll: true });
    text.setSelectionRange(text.value.length, text.value.length);
  };
  // A key that reaches this frame before its text box has the focus (typed at once after
  // pressing Reply, while a busy machine has not yet drawn the frame that focus waits for) goes
  // to the text box: focused in the key's keydown, it takes the key's character.
  earlyKeys = (event) => {
    if (event.target === text || event.target.closest?.("button") || event.key === "Tab" || event.key === "Escape") return;
    focus();
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      sendIt();
    }
  };
  document.addEventListener("keydown", earlyKeys, true);
  return { form, focus };
}

// The reply box's listener for keys that come before its text box has the focus (replyForm).
let earlyKeys = null;

function forgetEarlyKeys() {
  if (earlyKeys) document.removeEventListener("keydown", earlyKeys, true);
  earlyKeys = null;
}

function close() {
  forgetEarlyKeys();
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
