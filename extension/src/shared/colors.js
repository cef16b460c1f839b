// The five highlight colours and the two visibilities the server accepts, with the names people
// see. Shared by the content UI, the popup and the options page so they always agree.

export const COLORS = Object.freeze(["yellow", "green", "blue", "pink", "purple"]);

export const COLOR_LABELS = Object.freeze({
  yellow: "Yellow",
  green: "Green",
  blue: "Blue",
  pink: "Pink",
  purple: "Purple",
});

// Swatches for the UI; the painted highlight colours live in content/paint.js because they
// depend on whether the page is light or dark.
export const SWATCHES = Object.freeze({
  yellow: "#facc15",
  green: "#4ade80",
  blue: "#60a5fa",
  pink: "#f472b6",
  purple: "#c084fc",
});

export const VISIBILITIES = Object.freeze(["private", "public"]);

export const DEFAULT_SETTINGS = Object.freeze({
  server: "http://127.0.0.1:8000",
  defaultColor: "yellow",
  defaultVisibility: "private",
});
