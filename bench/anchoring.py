"""Measure re-anchoring highlights on a changed page, in headless Chromium.

    python bench/anchoring.py                 # 1,000 highlights on a ~200 KB article, 7 runs
    python bench/anchoring.py --runs 15 --highlights 2000 --size 400000

Serves the repository on 127.0.0.1, opens bench/anchoring/bench.html in Debian's Chromium and
runs bench/anchoring/bench.js there: a generated article, 1,000 highlights described, 10% of the
quoted passages edited (a word changed or inserted), then every highlight anchored again with a
fresh anchorer per run. Prints one table: the median time to anchor all of them, how each came
back (position / exact quote / fuzzy / orphan, and any wrong text), and two baselines measured
in the same run — building the text index alone, and a plain indexOf of every quote — with the
ratio to each. Target: 1,000 highlights in at most 250 ms.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TARGET_MS = 250


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def run(options: dict) -> dict:
    """Run the in-page benchmark once in headless Chromium; return its numbers."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(QuietHandler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                headless=True, executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            port = server.server_address[1]
            page.goto(f"http://127.0.0.1:{port}/bench/anchoring/bench.html")
            page.wait_for_function("window.benchReady === true")
            result = page.evaluate("options => runBench(options)", options)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return result


def table(r: dict) -> str:
    """Format the numbers as the plain-text table the README quotes."""
    c = r["counts"]
    runs = r["anchorMsAll"]
    rows = [
        ("article", f"{r['articleBytes'] / 1000:.0f} KB HTML, {r['textLength']:,} chars of text"),
        ("highlights", f"{r['highlights']:,} described in {r['describeMs']:.1f} ms; "
                       f"{r['edited']} passages edited, {r['deleted']} deleted"),
        ("anchor all, median", f"{r['anchorMs']:.1f} ms of {len(runs)} runs "
                               f"(target <= {TARGET_MS} ms)"),
        ("anchor all, first run", f"{runs[0]:.1f} ms (cold JIT, as on a page load); "
                                  f"max {max(runs):.1f} ms"),
        ("  warm index: all", f"{r['warmAllMs']:.1f} ms"),
        ("  warm index: unchanged only", f"{r['unchangedMs']:.1f} ms "
                                         f"({r['highlights'] - r['edited'] - r['deleted']})"),
        ("  by position", f"{c['position']}"),
        ("  by exact quote", f"{c['quote']}"),
        ("  by fuzzy quote", f"{c['fuzzy']}"),
        ("  orphaned", f"{c['orphan']}"),
        ("  wrong text", f"{r['wrong']} (a deleted passage must be an orphan)"),
        ("baseline: build text index", f"{r['indexMs']:.1f} ms (anchoring all is "
                                       f"{r['anchorMs'] / max(r['indexMs'], 0.01):.1f}x)"),
        ("baseline: indexOf every quote", f"{r['indexOfMs']:.1f} ms (anchoring all is "
                                          f"{r['anchorMs'] / max(r['indexOfMs'], 0.01):.1f}x)"),
        ("browser", r["userAgent"].split(") ")[-1]),
    ]
    return aligned(rows)


def aligned(rows: list[tuple[str, str]]) -> str:
    """Format (name, value) rows as two aligned columns."""
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--highlights", type=int, default=1000)
    parser.add_argument("--edit-share", type=float, default=0.1)
    parser.add_argument("--delete-share", type=float, default=0.0,
                        help="also delete this share of the passages (they must be orphans)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", type=int, default=200_000, help="article HTML size in bytes")
    parser.add_argument("--seed", type=int, default=1129)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: install Debian's chromium", file=sys.stderr)
        return 2
    result = run({"highlights": args.highlights, "editShare": args.edit_share,
                  "deleteShare": args.delete_share,
                  "runs": args.runs, "size": args.size, "seed": args.seed})
    print(table(result))
    for example in result["wrongExamples"]:
        print(f"wrong: highlight {example['i']} ({example['method']}): got {example['got']!r}, "
              f"expected {example['expected']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
