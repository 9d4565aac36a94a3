"""docs/architecture.md's module map against the sources: every `import` in Sources/ is an arrow
the map documents, and every documented arrow is an import somewhere in that module."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_exported\s+|@preconcurrency\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][\w.]*)", re.M)


def documented():
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- module-map: begin -->")[1].split("<!-- module-map: end -->")[0]
    arrows = {}
    for row in table.strip().splitlines()[2:]:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        module = cells[0].strip("`")
        arrows[module] = set(re.findall(r"`([^`]+)`", cells[1]))
    platform = set(re.findall(r"`([^`]+)`", text.split("<!-- platform: begin -->")[1].split("<!-- platform: end -->")[0]))
    return arrows, platform


def actual():
    imports = {}
    for module in sorted(p for p in (ROOT / "Sources").iterdir() if p.is_dir()):
        found = set()
        for f in module.rglob("*.swift"):
            # Block comments aside, an import is a line of its own; line comments never start with `import`.
            found |= set(IMPORT.findall(f.read_text(encoding="utf-8")))
        imports[module.name] = found
    return imports


def test_every_module_is_in_the_map():
    arrows, _ = documented()
    assert sorted(arrows) == sorted(actual()), "add the module's row to docs/architecture.md (or remove a stale one)"


def test_every_import_is_a_documented_arrow_and_back():
    arrows, platform = documented()
    problems = []
    for module, imports in actual().items():
        used = imports - platform
        for m in sorted(used - arrows.get(module, set())):
            problems.append(f"{module} imports {m}, which docs/architecture.md does not show")
        for m in sorted(arrows.get(module, set()) - used):
            problems.append(f"docs/architecture.md shows {module} → {m}, but no file of {module} imports it")
    assert not problems, "\n".join(problems)


def test_the_check_sees_imports():
    # A check that found no imports would pass for ever.
    imports = actual()
    assert "ZeroMQ" in imports["Jupyter"] and "Jupyter" in imports["RNNLang"]
    assert IMPORT.findall("@testable import Jupyter\nimport struct Foo.Bar\n  import Glibc\n") == ["Jupyter", "Foo.Bar", "Glibc"]
