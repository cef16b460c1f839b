// A registered site's moderation as readers meet it in the sidebar, in both hosts: the mark on a
// public note its site withholds (seen only by its author and the site's moderators, who get
// `moderation: "pending" | "hidden"` in its JSON), and who is offered a Flag button and with
// which reasons (the server's, contract.js). Pure, so it is tested in Node.
//
// The server decides, this only offers: a flag the server refuses (flagged already, rate
// limited, the note gone) is told to the reader in its words.

import { FLAG_REASONS } from "./contract.js";

/** What each reason reads as in the flag form, in the contract's order. */
export const FLAG_REASON_LABELS = Object.freeze({
  spam: "Spam or advertising",
  abuse: "Abusive or hateful",
  "off-topic": "Off topic",
  privacy: "Reveals private information",
  other: "Something else",
});

/** The reasons with their labels, as the form lists them. */
export function flagReasons() {
  return FLAG_REASONS.map((value) => ({ value, label: FLAG_REASON_LABELS[value] ?? value }));
}

/** Whether a reason needs words of the reader's (the server refuses "other" without a note). */
export function reasonNeedsNote(reason) {
  return reason === "other";
}

/**
 * The mark of a public note its site withholds, or null for one shown to everyone. `own`: the
 * reader wrote it (else they see it as one of the site's moderators).
 */
export function withheldMark(annotation, own) {
  if (annotation?.visibility !== "public") return null;
  if (annotation.moderation === "pending") {
    return { state: "pending", text: "Waiting for approval",
      hint: own ? "Only you and the site's moderators see this note until a moderator approves it."
        : "Only its author and the site's moderators see this note until a moderator approves it." };
  }
  if (annotation.moderation === "hidden") {
    return { state: "hidden", text: "Hidden by a moderator",
      hint: own ? "A moderator of this site hid this note: only you and the site's moderators see it."
        : "Hidden from readers: only its author and the site's moderators see it." };
  }
  return null;
}

/**
 * How the reader may flag `annotation` here: "flag" (the button and its form), "sign-in" (the
 * button asks them to sign in first), or null (no button). `site`: the post's registered site
 * as the lookup answers it (`{policy, you}`), null for none (nobody would read a flag); `signedIn`; `canSignIn`: the host lets them sign in
 * here (the embed on a site whose readers may); `own`: they wrote it.
 */
export function flagOffer(annotation, { site, signedIn, canSignIn = false, own }) {
  if (!site || own || !annotation || annotation.deleted || annotation.failed) return null;
  // The site's moderators act on the moderation page; a flag would only be to themselves.
  if (site.you?.moderator) return null;
  // Public and shown: a private or group note is its readers' own business, and a withheld
  // one is before the moderators already.
  if (annotation.visibility !== "public" || annotation.moderation) return null;
  if (signedIn) return "flag";
  return canSignIn ? "sign-in" : null;
}
