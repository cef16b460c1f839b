"""Build the page scripts: the content modules joined into one classic script, for each host.

A content script cannot be an ES module, and importing modules from it would need them to be
web-accessible: at fixed extension URLs any page could fetch them and tell that its reader runs
Postil. So `src/content/entry.js` and every module it imports are joined into
`extension/build/content.js`, which the manifest injects, and nothing of the page code is exposed.

The same modules are joined a second time for the embed a site includes (`src/embed/entry.js`,
served by the Postil server as `/embed.js` from `server/postil/static/embed.js`), with one module
put in another's place: `src/embed/browser.js` where `src/shared/browser.js` would be, so that
what the content modules ask of the extension is answered in the page (ARCHITECTURE.md, "Two
hosts"). A substitute must export every name its importers take: a name missing stops the build.

The join is deliberately small, because our modules keep to a small form, and anything outside it
stops the build with the file and line rather than producing a script that might behave
differently:
  import { a, b as c } from "./relative.js";      export function|async function|class|const NAME
  export { a, b as c };                           export { a, b as c } from "./relative.js";
Each module runs in a function scope of its own, in the order ES modules would run (dependencies
first, in import order), and hands its exports to those that import it. `export let`, default
exports, namespace imports, dynamic `import()` and import cycles are refused: with them a copy of a
binding could differ from what an ES module would see.

Usage: python3 scripts/build_extension.py [--check]   (--check: fail if a built script is stale)
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
ENTRY = "src/content/entry.js"
OUTPUT = EXTENSION / "build" / "content.js"
EMBED_ENTRY = "src/embed/entry.js"
EMBED_OUTPUT = ROOT / "server" / "postil" / "static" / "embed.js"
EMBED_SUBSTITUTES = {"src/shared/browser.js": "src/embed/browser.js"}
# (entry, output, substitutes): each script the build writes.
TARGETS = ((ENTRY, OUTPUT, {}), (EMBED_ENTRY, EMBED_OUTPUT, EMBED_SUBSTITUTES))

NAME = r"[A-Za-z_$][\w$]*"
IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";?[ \t]*$', re.M)
REEXPORT = re.compile(r'^export\s*\{([^}]*)\}\s*from\s*"([^"]+)";?[ \t]*$', re.M)
EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\};?[ \t]*$", re.M)
EXPORT_DECL = re.compile(rf"^export\s+((?:async\s+)?function\*?|class|const)\s+({NAME})", re.M)
LEFTOVER = re.compile(r"^\s*(?:import|export)\b|\bimport\s*\(|\bimport\.meta\b", re.M)


class BuildError(Exception):
    pass


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _names(spec: str, where: str) -> list[tuple[str, str]]:
    """Parse `a, b as c` into [(a, a), (b, c)]: (name in the exporting module, local name)."""
    pairs = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        m = re.fullmatch(rf"({NAME})(?:\s+as\s+({NAME}))?", part)
        if not m:
            raise BuildError(f"{where}: cannot read the name list {{{spec.strip()}}}")
        pairs.append((m.group(1), m.group(2) or m.group(1)))
    return pairs


class Module:
    """One source file: its imports, its exports and its body without the module syntax."""

    def __init__(self, root: Path, path: str):
        self.path = path
        text = (root / path).read_text(encoding="utf-8")
        self.imports: list[tuple[str, list[tuple[str, str]]]] = []   # (module, [(name, local)])
        self.exports: list[tuple[str, str]] = []                     # (exported name, local)
        hidden = 0

        def resolve(spec: str, at: int) -> str:
            if not spec.startswith("."):
                raise BuildError(f"{path}:{_line(text, at)}: only relative imports: {spec}")
            return f"{Path(path).parent.as_posix()}/{spec}"

        def on_import(m: re.Match) -> str:
            where = f"{path}:{_line(text, m.start())}"
            dependency = _normal(resolve(m.group(2), m.start()))
            self.imports.append((dependency, _names(m.group(1), where)))
            return "\n" * m.group(0).count("\n")

        def on_reexport(m: re.Match) -> str:
            nonlocal hidden
            where = f"{path}:{_line(text, m.start())}"
            pairs = []
            for name, exported in _names(m.group(1), where):
                hidden += 1
                local = f"__reexport{hidden}"
                pairs.append((name, local))
                self.exports.append((exported, local))
            self.imports.append((_normal(resolve(m.group(2), m.start())), pairs))
            return "\n" * m.group(0).count("\n")

        def on_list(m: re.Match) -> str:
            where = f"{path}:{_line(text, m.start())}"
            self.exports.extend((exported, local) for local, exported in _names(m.group(1), where))
            return "\n" * m.group(0).count("\n")

        def on_decl(m: re.Match) -> str:
            self.exports.append((m.group(2), m.group(2)))
            return m.group(0)[len("export"):].lstrip()

        text = IMPORT.sub(on_import, text)
        text = REEXPORT.sub(on_reexport, text)
        text = EXPORT_LIST.sub(on_list, text)
        text = EXPORT_DECL.sub(on_decl, text)
        left = LEFTOVER.search(_without_comments_and_strings(text))
        if left:
            raise BuildError(f"{path}:{_line(text, left.start())}: module syntax this build does "
                             "not join (see scripts/build_extension.py)")
        self.body = text


def _normal(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _without_comments_and_strings(text: str) -> str:
    """Blank out comments and string literals (keeping line breaks) so that prose about
    `import()` in a comment is not taken for code."""
    pattern = re.compile(r"//[^\n]*|/\*.*?\*/|`(?:\\.|[^`\\])*`|'(?:\\.|[^'\\\n])*'"
                         r'|"(?:\\.|[^"\\\n])*"', re.S)
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def modules_in_order(root: Path = EXTENSION, entry: str = ENTRY,
                     substitutes: dict[str, str] | None = None) -> list[Module]:
    """Every module `entry` reaches, dependencies before dependants, as ES modules evaluate;
    an import of a path in `substitutes` reaches the module named there instead."""
    substitutes = substitutes or {}
    done: dict[str, Module] = {}
    visiting: list[str] = []

    def visit(path: str) -> None:
        path = substitutes.get(path, path)
        if path in done:
            return
        if path in visiting:
            cycle = " -> ".join(visiting[visiting.index(path):] + [path])
            raise BuildError(f"import cycle: {cycle}")
        if not (root / path).is_file():
            raise BuildError(f"{visiting[-1] if visiting else 'entry'} imports {path}, "
                             "which does not exist")
        visiting.append(path)
        module = Module(root, path)
        module.imports = [(substitutes.get(dep, dep), pairs) for dep, pairs in module.imports]
        for dependency, pairs in module.imports:
            visit(dependency)
            exported = {name for name, _ in done[dependency].exports}
            for name, _ in pairs:
                if name not in exported:
                    raise BuildError(f"{path} imports {name} from {dependency}, which does not "
                                     "export it")
        visiting.pop()
        done[path] = module

    visit(entry)
    return list(done.values())


def build(root: Path = EXTENSION, entry: str = ENTRY,
          substitutes: dict[str, str] | None = None) -> str:
    """Return the joined script."""
    modules = modules_in_order(root, entry, substitutes)
    out = [f"// Built by scripts/build_extension.py from extension/{entry} and the modules it "
           "imports; do not edit.", "(() => {", '"use strict";', "const modules = {};"]
    for module in modules:
        out.append(f"// ---- {module.path}")
        out.append(f'modules["{module.path}"] = (() => {{')
        for dependency, pairs in module.imports:
            names = ", ".join(n if n == local else f"{n}: {local}" for n, local in pairs)
            if names:
                out.append(f'const {{ {names} }} = modules["{dependency}"];')
        out.append(module.body.rstrip())
        exports = ", ".join(f"{exported}: {local}" if exported != local else local
                            for exported, local in module.exports)
        out.append(f"return Object.freeze({{ {exports} }});")
        out.append("})();")
    out.append("})();")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    try:
        scripts = [(output, build(EXTENSION, entry, substitutes))
                   for entry, output, substitutes in TARGETS]
    except BuildError as err:
        print(f"build_extension: {err}", file=sys.stderr)
        return 1
    for output, script in scripts:
        current = output.exists() and output.read_text(encoding="utf-8") == script
        if "--check" in argv:
            if not current:
                print(f"build_extension: {output} is out of date; run python3 "
                      "scripts/build_extension.py", file=sys.stderr)
                return 1
            continue
        output.parent.mkdir(exist_ok=True)
        if not current:
            # Whole or not at all: parallel test processes build at once while servers read.
            partial = output.with_name(f".{output.name}.{os.getpid()}")
            partial.write_text(script, encoding="utf-8")
            os.replace(partial, output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
