// How the server's colours and visibilities look and read: the names people see, the swatches,
// and the default settings. Which colours and visibilities exist is the contract's
// (contract.js); a test checks that every one of them has its name and swatch here.

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

export const VISIBILITY_LABELS = Object.freeze({
  private: "Private (only me)",
  group: "A group (its members)",
  public: "Public (anyone)",
});

export const DEFAULT_SETTINGS = Object.freeze({
  server: "http://127.0.0.1:8000",
  defaultColor: "yellow",
  // "private", "public" or "group" with `defaultGroup` (a group's id); see shared/visibility.js.
  defaultVisibility: "private",
  defaultGroup: null,
  // {site: {visibility, group}}: what the reader last chose for a new note on that site.
  siteVisibility: Object.freeze({}),
});
