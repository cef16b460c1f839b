"""The test tree itself: pytest imports test modules by file name (rootdir sys.path insertion), so
two test files with one name in different folders stop the whole suite from being collected."""

from collections import Counter
from pathlib import Path


def test_test_module_names_are_unique():
    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py")
                    if "node_modules" not in p.parts)
    assert [name for name, n in names.items() if n > 1] == []
