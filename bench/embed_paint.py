"""The embed's cost to a reader: what `/embed.js` weighs and how long it takes to paint 200 public
notes on a 200 KB article, beside the extension painting the same page, in headless Chromium.

    python bench/embed_paint.py                 # 200 notes, ~200 KB article, 10 loads of each
    python bench/embed_paint.py --runs 20 --highlights 400

Prepares the article of bench/anchoring.py (bench/anchoring/page.js, as bench/page_anchoring.py
does, with nothing edited), stores the passages as public annotations of one post on a fresh
`postil serve` (which admits the article's origin to its API), and serves the article twice on
127.0.0.1: once with the embed's tag (`<script src="SERVER/embed.js" async>`), read by a
Chromium without the extension, once without it, read by a Chromium with the unpacked extension
signed in as the notes' author. For each load it takes the time from the script's start to the
frame in which all the notes are painted:

- the embed's start is the moment it sets its global (`__postilEmbed`, its first act once
  loaded and run); the extension's, the moment its content script marks `<html>`
  (`data-postil-extension`, its first act);
- "painted" is the first animation frame in which `CSS.highlights` holds all the notes under
  the host's name for their colour (`postil-embed-yellow`, or the extension's `postil-yellow`),
  checked every frame.

Both include reading the list from the server (the embed directly, anonymously; the extension
through its background) and anchoring. The first load of each is a warm-up and is not counted
(the browser's caches are then as a reader's second page). Prints one table: the embed's size
as served and gzipped, p50/p95 of both, their ratio, and the load average (a busy machine slows
both).
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from page_anchoring import CHROMIUM, CHROMIUM_ARGS, EXTENSION, ROOT, Site, Store, prepare

from anchoring import aligned

POST_ID = 4242

# In the page's own world, before its scripts: when the host started, when all were painted.
MEASURE_JS = """
(() => {
  const bench = window.__bench = { start: null, painted: null, count: 0 };
  const begin = () => { if (bench.start === null) bench.start = performance.now(); };
  let embed;
  Object.defineProperty(window, "__postilEmbed", { configurable: true,
    get: () => embed, set: (value) => { embed = value; begin(); } });
  new MutationObserver(() => {
    if (document.documentElement?.hasAttribute("data-postil-extension")) begin();
  }).observe(document, { attributes: true, subtree: true,
                         attributeFilter: ["data-postil-extension"] });
  const frame = () => {
    bench.count = CSS.highlights.get(window.__benchName)?.size ?? 0;
    const all = bench.start !== null && bench.count >= window.__benchWant;
    if (all) bench.painted = performance.now();
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""


def page_html(site: Site, body: str, embed_from: str | None) -> bytes:
    head = (f'<link rel="shortlink" href="{site.url}/?p={POST_ID}">'
            "<title>A long article</title>")
    if embed_from:
        head += f'<script src="{embed_from}/embed.js" async></script>'
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">{head}</head>'
            f"<body>{body}</body></html>").encode()


def load_once(context, url: str, name: str, want: int) -> float:
    """One load: ms from the host's start to the frame with `want` ranges in highlight `name`."""
    page = context.new_page()
    page.add_init_script(f"window.__benchName = {name!r}; window.__benchWant = {want};"
                         + MEASURE_JS)
    page.goto(url)
    page.wait_for_function("window.__bench && window.__bench.painted !== null", timeout=60_000)
    bench = page.evaluate("window.__bench")
    page.close()
    return bench["painted"] - bench["start"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(highlights: int, size: int, runs: int, seed: int) -> dict:
    from playwright.sync_api import sync_playwright

    site = Site()
    workdir = Path(tempfile.mkdtemp(prefix="postil-embed-bench-"))
    # The article's origin reads /api/ from the page (the embed): the server admits it.
    os.environ["POSTIL_CORS_ORIGINS"] = site.url
    store = Store(workdir / "data")
    loads = []
    try:
        with sync_playwright() as playwright:
            prepared = prepare(playwright, site, {"highlights": highlights, "editShare": 0.0,
                                                  "deleteShare": 0.0, "size": size,
                                                  "seed": seed})
            url = f"{site.url}/article/long/"
            post = {"site": f"127.0.0.1:{site.port}", "post_id": POST_ID, "url": url}
            for selectors in prepared["selectorLists"]:
                store.call("POST", "/api/annotations", {
                    "post": post, "quote": selectors[0]["exact"], "selectors": selectors,
                    "color": "yellow", "visibility": "public"})
            with urllib.request.urlopen(f"{store.url}/embed.js", timeout=10) as response:
                script = response.read()
                served_encoding = response.headers.get("Content-Encoding") or "none"

            # The embed, in a browser without the extension.
            site.article = page_html(site, prepared["body"], store.url)
            browser = playwright.chromium.launch(headless=True, executable_path=CHROMIUM,
                                                 args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            embed = [load_once(context, url, "postil-embed-yellow", highlights)
                     for _ in range(runs + 1)][1:]
            loads.append(os.getloadavg()[0])
            user_agent = browser.version
            browser.close()

            # The extension, on the same article without the tag.
            site.article = page_html(site, prepared["body"], None)
            context = playwright.chromium.launch_persistent_context(
                str(workdir / "profile"), executable_path=CHROMIUM, headless=True,
                viewport={"width": 1280, "height": 800},
                args=[f"--disable-extensions-except={EXTENSION}",
                      f"--load-extension={EXTENSION}", *CHROMIUM_ARGS])
            worker = (context.service_workers[0] if context.service_workers
                      else context.wait_for_event("serviceworker", timeout=15_000))
            worker.evaluate("""([server, token]) => chrome.storage.local.set({settings: {server},
                                 auth: {server, token, user: "reader"}})""",
                            [store.url, store.token])
            extension = [load_once(context, url, "postil-yellow", highlights)
                         for _ in range(runs + 1)][1:]
            loads.append(os.getloadavg()[0])
            context.close()
    finally:
        store.stop()
        site.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return {"script": script, "encoding": served_encoding, "embed": embed,
            "extension": extension, "articleBytes": len(page_html(site, prepared["body"], None)),
            "highlights": highlights, "loads": loads, "browser": user_agent, "runs": runs}


def table(r: dict) -> str:
    raw = r["script"]
    embed, extension = r["embed"], r["extension"]
    e50, e95 = statistics.median(embed), percentile(embed, 0.95)
    x50, x95 = statistics.median(extension), percentile(extension, 0.95)
    rows = [
        ("article", f"{r['articleBytes'] / 1000:.0f} KB HTML, {r['highlights']} public notes"),
        ("/embed.js as served", f"{len(raw):,} bytes (Content-Encoding: {r['encoding']})"),
        ("/embed.js gzipped", f"{len(gzip.compress(raw, 6)):,} bytes (gzip -6), "
                              f"{len(gzip.compress(raw, 9)):,} (gzip -9)"),
        ("loads measured", f"{r['runs']} of each, after one warm-up"),
        ("embed: start -> all painted", f"p50 {e50:.0f} ms, p95 {e95:.0f} ms"),
        ("extension: start -> all painted", f"p50 {x50:.0f} ms, p95 {x95:.0f} ms"),
        ("embed / extension", f"p50 {e50 / x50:.2f}x, p95 {e95 / x95:.2f}x"),
        ("load average (1 min)", ", ".join(f"{x:.1f}" for x in r["loads"])
         + f" after each half, on {os.cpu_count()} cores"),
        ("browser", f"Chromium {r['browser']}, headless"),
    ]
    return aligned(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--highlights", type=int, default=200)
    parser.add_argument("--size", type=int, default=200_000, help="article HTML size in bytes")
    parser.add_argument("--runs", type=int, default=10, help="loads measured of each")
    parser.add_argument("--seed", type=int, default=1129)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: install Debian's chromium", file=sys.stderr)
        return 2
    # Both scripts from this checkout's modules.
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_extension.py")], check=True)
    print(table(run(args.highlights, args.size, args.runs, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
