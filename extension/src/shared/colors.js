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

// "group" needs a group chosen too; until a picker offers the reader's groups, a form offers
// it only for an annotation already in a group (which a change then keeps in that group).
export function visibilityChoices(current) {
  return current === "group" ? ["private", "group", "public"] : ["private", "public"];
}

export const DEFAULT_SETTINGS = Object.freeze({
  server: "http://127.0.0.1:8000",
  defaultColor: "yellow",
  defaultVisibility: "private",
});
