// The stylesheet of Postil's Shadow DOM. `:host { all: initial }` cuts every inherited page style,
// and inline `!important` host styles (set in ui.js) keep page rules off the host box itself, so
// page CSS cannot reach in; shadow styles cannot leak out. Two themes follow the page: the panels
// are light on light pages and dark on dark ones, always with their own opaque background.

// The sidebar's width in CSS pixels; ui.js makes that much room for it beside the page.
export const SIDEBAR_WIDTH = 376;
// Below this viewport width (a phone held upright) the sidebar is a sheet over the lower part of
// the page instead, the page readable above it.
export const SHEET_VIEWPORT = 600;

export const UI_CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.root {
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d0d7de; --accent: #0b57d0;
  --accent-fg: #ffffff; --chip: #eef1f4; --shadow: 0 8px 28px rgba(0,0,0,.22); --focus: #0b57d0;
  --warn-bg: #fff4d6; --warn-fg: #6b4b00; --err-bg: #ffe3e3; --err-fg: #8a1c1c;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--fg);
  color-scheme: light;
}
.root.dark {
  --bg: #1e2127; --fg: #e6e8eb; --muted: #a2a9b3; --line: #3b414b; --accent: #8ab4f8;
  --accent-fg: #0d1117; --chip: #2c313a; --shadow: 0 8px 28px rgba(0,0,0,.6); --focus: #8ab4f8;
  --warn-bg: #3d3210; --warn-fg: #f5d77a; --err-bg: #45191b; --err-fg: #ffb4b4;
  color-scheme: dark;
}
button, input, textarea, select { font: inherit; color: inherit; }
button {
  cursor: pointer; border: 1px solid var(--line); background: var(--bg); color: var(--fg);
  border-radius: 6px; padding: 4px 10px; min-height: 28px;
}
button:hover { border-color: var(--muted); }
button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
button.danger { color: var(--err-fg); }
button.danger.confirm { background: var(--err-bg); border-color: var(--err-fg); }
button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible {
  outline: 2px solid var(--focus); outline-offset: 2px;
}
.swatch {
  display: inline-block; width: 14px; height: 14px; border-radius: 50%;
  border: 1px solid rgba(0,0,0,.35); vertical-align: -2px; flex: none;
}
.sr-only {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0,0,0,0); white-space: nowrap; border: 0;
}

/* Selection toolbar */
.toolbar {
  position: fixed; display: flex; gap: 4px; align-items: center; padding: 5px;
  background: var(--bg); border: 1px solid var(--line); border-radius: 8px; box-shadow: var(--shadow);
  z-index: 3;
}
.toolbar[hidden] { display: none; }
.toolbar button.color { width: 30px; height: 30px; padding: 0; display: grid; place-items: center; }
.toolbar button.color .swatch { width: 18px; height: 18px; }
.toolbar .sep { width: 1px; align-self: stretch; background: var(--line); margin: 0 2px; }

/* The embed's own button for the sidebar (no extension button there) */
.launcher {
  position: fixed; right: 16px; bottom: 16px; z-index: 1; padding: 8px 14px;
  background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 999px; box-shadow: var(--shadow);
}
.launcher[hidden] { display: none; }

/* Panels: editor, note card, sidebar */
.panel {
  position: fixed; background: var(--bg); color: var(--fg); border: 1px solid var(--line);
  border-radius: 10px; box-shadow: var(--shadow);
}
.panel[hidden] { display: none; }
.editor { width: min(380px, calc(100vw - 24px)); padding: 14px; z-index: 4; top: 72px; right: 16px; }
.editor { overflow: auto; }
.editor.framed { padding: 0; overflow: hidden; }
.editor.sizing { opacity: 0; }
.editor iframe.editor-frame { display: none; width: 100%; height: 420px; border: 0; background: var(--bg); border-radius: 10px; color-scheme: normal; }
.editor.framed iframe.editor-frame { display: block; }
.editor.framed .editor-inline { display: none; }
.editor .frame-notice p { margin: 0 0 8px; }
.editor .frame-notice .warn { color: var(--warn-fg); background: var(--warn-bg); padding: 6px 8px; border-radius: 6px; }
.editor .frame-notice .actions { display: flex; gap: 8px; justify-content: flex-end; }
.editor h2, .card h2, .sidebar h2 { font-size: 15px; margin: 0 0 8px; font-weight: 650; }
.editor .quote, .card .quote {
  margin: 0 0 10px; padding: 6px 10px; border-left: 3px solid var(--line); color: var(--muted);
  max-height: 6.5em; overflow: auto; font-style: italic;
}
.field { display: block; margin: 0 0 10px; }
.field > span, fieldset legend { display: block; font-weight: 600; font-size: 13px; margin-bottom: 3px; }
textarea, input[type=text], select {
  width: 100%; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px;
  background: var(--bg); color: var(--fg);
}
textarea { min-height: 110px; resize: vertical; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
.editor.compact textarea { min-height: 64px; }
.editor.compact .quote { max-height: 3.2em; }
fieldset { border: 0; padding: 0; margin: 0 0 10px; }
.colors { display: flex; gap: 10px; flex-wrap: wrap; }
.colors label { display: inline-flex; gap: 4px; align-items: center; cursor: pointer; }
.actions { display: flex; gap: 8px; justify-content: flex-end; flex-wrap: wrap; }
/* An editor made shorter than its form scrolls; Save and Cancel stay in view at its foot. */
.editor-form > .actions { position: sticky; bottom: 0; background: var(--bg); padding: 6px 0 2px; }
.hint { color: var(--muted); font-size: 12px; }

.card { width: min(360px, calc(100vw - 24px)); padding: 12px; z-index: 4; }

.sidebar {
  top: 0; right: 0; bottom: 0; width: min(${SIDEBAR_WIDTH}px, 100vw); border-radius: 0; border-width: 0 0 0 1px;
  display: flex; flex-direction: column; z-index: 2;
}
.sidebar header { padding: 12px 14px 8px; border-bottom: 1px solid var(--line); }
.sidebar header .top { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.sidebar header h2 { margin: 0; }
.status { font-size: 12px; color: var(--muted); margin-top: 4px; }
.account { margin-top: 6px; }
.status.offline { color: var(--warn-fg); }
.sidebar .scroll { overflow: auto; padding: 8px 14px 24px; flex: 1; }
.sidebar h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 0 6px; }
.sidebar .empty { color: var(--muted); }
ol.items { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
.item { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; background: var(--bg); }
.item.flash { outline: 2px solid var(--accent); }
.goto {
  display: flex; gap: 8px; align-items: flex-start; width: 100%; text-align: left; border: 0;
  padding: 2px 0; background: transparent; font-style: italic; color: var(--fg);
}
.goto[disabled] { cursor: default; opacity: 1; }
.goto .text { display: -webkit-box; -webkit-line-clamp: 4; -webkit-box-orient: vertical; overflow: hidden; }
.goto .swatch { margin-top: 3px; }
.note { margin: 6px 0 0; overflow-wrap: anywhere; }
.thread { list-style: none; margin: 8px 0 0; padding: 0; display: grid; gap: 6px; }
.reply { border-left: 2px solid var(--line); padding: 2px 0 2px 8px; }
.reply.deleted .note { font-style: italic; opacity: 0.7; }
.item.deleted .note.tombstone { font-style: italic; opacity: 0.7; }
.item.deleted .goto { opacity: 0.7; }
.thread-area > .actions { margin-top: 6px; }
.reply-form { margin-top: 8px; display: grid; gap: 6px; }
.reply-box.retiring { display: none; }
.reply-box iframe.reply-frame { display: block; width: 100%; height: 110px; margin-top: 8px; border: 0; background: transparent; color-scheme: normal; }
.reply-text { width: 100%; box-sizing: border-box; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px; resize: vertical; }
.note > :first-child { margin-top: 0; }
.note > :last-child { margin-bottom: 0; }
.note p { margin: 0 0 6px; }
.note a { color: var(--accent); }
.note pre, .note code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; background: var(--chip); border-radius: 4px; }
.note.plain { white-space: pre-wrap; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: center; margin-top: 6px; font-size: 12px; color: var(--muted); }
.tag { background: var(--chip); color: var(--fg); border-radius: 999px; padding: 0 8px; }
.story { font-style: italic; flex-basis: 100%; }
.badge { border-radius: 4px; padding: 0 6px; background: var(--warn-bg); color: var(--warn-fg); }
.badge.error { background: var(--err-bg); color: var(--err-fg); }
.item-problem { margin: 6px 0 0; padding: 4px 6px; border-radius: 4px; font-size: 12px; background: var(--err-bg); color: var(--err-fg); }
.item .actions, .card .actions { justify-content: flex-start; margin-top: 8px; }
.card .actions .close { margin-left: auto; }
.item .actions button, .card .actions button { min-height: 24px; padding: 2px 8px; font-size: 12px; }
/* A public note its site withholds (only its author and the site's moderators see it): dashed,
   its passage muted, as its highlight on the page is (paint.js). */
.item.withheld { border-style: dashed; border-color: var(--muted); }
.item.withheld .goto .text, .item.withheld .note { opacity: .75; }
.badge.withheld { background: var(--chip); color: var(--fg); border: 1px dashed var(--muted); font-weight: 600; }
.badge.withheld.hidden { background: var(--err-bg); color: var(--err-fg); border-color: var(--err-fg); }
.withheld-hint { margin: 4px 0 0; }
.flag-form { margin-top: 8px; padding: 8px; border: 1px solid var(--line); border-radius: 6px; font-size: 12px; display: grid; gap: 6px; }
.flag-form p { margin: 0; }
.flag-form fieldset { border: 0; margin: 0; padding: 0; display: grid; gap: 2px; }
.flag-form legend { font-weight: 600; padding: 0; margin-bottom: 4px; }
.flag-form label.reason { display: flex; gap: 6px; align-items: center; cursor: pointer; }
.flag-form .flag-note { min-height: 3.2em; width: 100%; box-sizing: border-box; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 4px 6px; resize: vertical; }
.flag-form .item-problem { margin: 0; }
.flag-done { margin: 6px 0 0; font-size: 12px; color: var(--muted); }
/* Phones (narrower than SHEET_VIEWPORT): the sidebar is a sheet over the lower part of the
   page, the page readable above it; its grip makes it tall and short again. Touch targets grow. */
.sidebar .grip { display: none; }
@media (max-width: ${SHEET_VIEWPORT - 0.02}px) {
  .sidebar {
    top: auto; left: 0; right: 0; bottom: 0; width: 100vw; height: 55vh; height: 55dvh;
    border-radius: 14px 14px 0 0; border-width: 1px 0 0 0;
  }
  .sidebar.tall { height: 92vh; height: 92dvh; }
  .sidebar .grip {
    display: block; flex: none; width: 100%; min-height: 28px; padding: 8px 0 4px; border: 0;
    border-radius: 14px 14px 0 0; background: transparent;
  }
  .sidebar .grip::before {
    content: ""; display: block; width: 44px; height: 5px; margin: 0 auto; border-radius: 3px;
    background: var(--muted); opacity: .6;
  }
  .sidebar header { padding-top: 4px; }
  .launcher { padding: 10px 16px; }
}
.toolbar.touch button { min-height: 40px; }
.toolbar.touch button.color { width: 40px; height: 40px; }
.toolbar.touch button.color .swatch { width: 22px; height: 22px; }
.banner { margin: 8px 0; padding: 6px 8px; border-radius: 6px; background: var(--warn-bg); color: var(--warn-fg); font-size: 12px; }
`;
