// How the server's colours look and read: the names people see, the swatches, and the default
// settings. Which colours and visibilities exist is the contract's (contract.js); they are
// passed on here for the modules that still import them from this file.

import { COLORS, VISIBILITIES } from "./contract.js";

export { COLORS, VISIBILITIES };

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

export const DEFAULT_SETTINGS = Object.freeze({
  server: "http://127.0.0.1:8000",
  defaultColor: "yellow",
  defaultVisibility: "private",
});
