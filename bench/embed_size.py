"""The embed's transfer size: what a reader's browser downloads for `/embed.js`, beside the
extension's page script built from the same modules.

    python bench/embed_size.py

Builds both scripts (scripts/build_extension.py) and prints, for each, its size as served (the
server sends it uncompressed), gzipped at the default and the best level (what a compressing
proxy in front would send), and how many modules it joins; then the embed's largest modules, the
ones worth trimming first.
"""

from __future__ import annotations

import gzip
import re
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
build = runpy.run_path(str(ROOT / "scripts" / "build_extension.py"))


def modules(script: str) -> dict[str, int]:
    """Bytes of each joined module, from the build's `// ---- path` separators."""
    parts = re.split(r"^// ---- (\S+)$", script, flags=re.M)
    return {parts[i]: len(parts[i + 1].encode()) for i in range(1, len(parts) - 1, 2)}


def main() -> None:
    scripts = {"extension content.js": build["build"](),
               "embed /embed.js": build["build"](build["EXTENSION"], build["EMBED_ENTRY"],
                                                 build["EMBED_SUBSTITUTES"])}
    print(f"{'script':<22} {'bytes':>9} {'gzip -6':>9} {'gzip -9':>9} {'modules':>8}")
    for name, script in scripts.items():
        raw = script.encode()
        print(f"{name:<22} {len(raw):>9,} {len(gzip.compress(raw, 6)):>9,} "
              f"{len(gzip.compress(raw, 9)):>9,} {len(modules(script)):>8}")
    print("\nlargest modules of the embed")
    sizes = modules(scripts["embed /embed.js"])
    for path, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {path:<40} {size:>8,}")


if __name__ == "__main__":
    main()
