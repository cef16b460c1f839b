"""CPU time to render one note, before and after the rendering cost cap, for hostile notes.

Each input is a note of at most the note limit (50,000 characters). "Before" renders it with the
sanitiser of an earlier commit (`--before-ref`, default the commit this work started from: no
cost checks, relative links allowed), loaded from git beside today's; "after" is today's
`render_note`. Each time is the least process CPU time of a few runs (one run when a render takes
over a second). The ratio compares "after" with a plain prose note of the same length rendered
today, the cost a note of that length should have. `as text` says whether the cap rendered the
note as escaped plain text. Usage: python bench/note_render.py [--before-ref REF] [--only NAME]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from postil import sanitize  # noqa: E402

NOTE_LIMIT = 50_000
PROSE = ("The committee met on Tuesday, and after some discussion it agreed that the river "
         "path should stay open through the winter. ")


def prose(n: int) -> str:
    return (PROSE * (n // len(PROSE) + 1))[:n]


def technical(n: int) -> str:
    """A long note as a careful writer would make it: headings, lists, links, code, quotes."""
    block = ("## Findings\n\nThe *first* run used **three** nodes, and the second one used the "
             "spare machine in the basement; see [the log](https://example.org/runs/12) for the "
             "details of both runs and how long each one took.\n\n- one `item[0]` was late\n- two "
             "came back (after a retry)\n- three was never sent\n\n> quoted & kept, as the "
             "operator wrote it in the ticket\n\n```\nfor (i = 0; i < n; i++) total += b[i];\n```"
             "\n\n")
    return (block * (n // len(block) + 1))[:n]


def repeat(piece: str, n: int) -> str:
    return (piece * (n // len(piece) + 1))[:n]


def padded(head: str, n: int = NOTE_LIMIT) -> str:
    return head + " " + prose(n - len(head) - 1)


def reference_flood() -> str:
    head = "[a]: https://example.org/" + "b" * 40_000 + "\n\n"
    return head + repeat("[a] ", NOTE_LIMIT - len(head))


INPUTS = {
    "plain prose": lambda: prose(NOTE_LIMIT),
    "technical Markdown": lambda: technical(NOTE_LIMIT),
    '"![" x 25,000': lambda: "![" * 25_000,
    '"[" x 50,000': lambda: "[" * 50_000,
    '"[a][" x 12,500': lambda: "[a][" * 12_500,
    '"*_" x 25,000': lambda: "*_" * 25_000,
    '"*a " x 16,666': lambda: repeat("*a ", NOTE_LIMIT),
    '"` " x 25,000': lambda: "` " * 25_000,
    '"&#" x 25,000': lambda: "&#" * 25_000,
    '"a\\n" x 25,000 (lines)': lambda: "a\n" * 25_000,
    '"# a\\n" x 12,500': lambda: "# a\n" * 12_500,
    '"> a\\n" x 12,500': lambda: "> a\n" * 12_500,
    "nested lists": lambda: repeat("".join("  " * i + "- x\n" for i in range(40)), NOTE_LIMIT),
    '"(" x 50,000': lambda: "(" * 50_000,
    '"a-" x 25,000': lambda: "a-" * 25_000,
    "reference used 2,000 times": reference_flood,
    # The costliest notes the cap still renders as Markdown.
    '"a [" x 9,000 + prose': lambda: padded("a [" * 9_000),
    '"![ " x 4,500 + prose': lambda: padded("![ " * 4_500),
    '"a\\n" x 9,000 + prose': lambda: padded("a\n" * 9_000),
    '"(" x 2,000 + prose': lambda: padded("(" * 2_000),
    '"a-" x 1,000 + prose': lambda: padded("a-" * 1_000),
}


def load_before(ref: str):
    source = subprocess.run(["git", "show", f"{ref}:server/postil/sanitize.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("sanitize_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{ref}:sanitize.py", "exec"), module.__dict__)
    return module


def cpu_ms(render, note: str) -> float:
    best = None
    for _ in range(3):
        start = time.process_time()
        render(note)
        spent = (time.process_time() - start) * 1000
        best = spent if best is None else min(best, spent)
        if spent > 1000:
            break
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-ref", default="6626410")
    parser.add_argument("--only", help="run only the inputs whose name contains this")
    args = parser.parse_args()
    before = load_before(args.before_ref)
    plain_cache: dict[int, float] = {}
    print(f"{'input':32} {'length':>7} {'before ms':>10} {'after ms':>9} {'x plain':>8}  as text")
    for name, make in INPUTS.items():
        if args.only and args.only not in name:
            continue
        note = make()
        assert len(note) <= NOTE_LIMIT, name
        if len(note) not in plain_cache:
            plain_cache[len(note)] = cpu_ms(sanitize.render_note, prose(len(note)))
        ms_before = cpu_ms(before.render_note, note)
        ms_after = cpu_ms(sanitize.render_note, note)
        fallback = sanitize.within_cost(note) is None
        ratio = ms_after / plain_cache[len(note)]
        print(f"{name:32} {len(note):7,} {ms_before:10,.1f} {ms_after:9,.1f} {ratio:8.1f}  "
              f"{'yes' if fallback else 'no'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
