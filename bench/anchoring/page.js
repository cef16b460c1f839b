/*
 * The article of bench/page_anchoring.py, prepared in a plain browser page (no extension):
 * generate the ~200 KB article as the page's whole body, describe its 1,000 passages the way
 * the extension would (the body is the root it anchors in), edit 10% of them on the page, and
 * hand back the edited body and the selectors, for the script to store on a Postil server and
 * serve as the page the real extension then opens.
 */

import { articleHtml, preparePassages } from "./bench.js";
import { seeded } from "/tools/seeded-random.js";

/** options: {highlights = 1000, editShare = 0.1, deleteShare = 0, size = 200_000, seed = 1129}. */
export function preparePage(options = {}) {
  const { highlights = 1000, editShare = 0.1, deleteShare = 0, size = 200_000, seed = 1129 } =
    options;
  const random = seeded(seed);
  document.body.innerHTML = articleHtml(random, size);
  const { selectorLists, expected, edited, deleted } =
    preparePassages(document.body, random, { highlights, editShare, deleteShare });
  return { body: document.body.innerHTML, selectorLists, expected, edited: [...edited],
    deleted: [...deleted] };
}
