"""The test tree's layout: every test module stands alone.

A test module may import the code, the apps' factories (`<app>/factories.py`) and helper modules
(`tests/helpers.py`, `reporting/tests/workbooks.py`, `tests/access_world.py`, …), never another
test module or a conftest.py: importing a test module runs its module-level code and drags its
tests and fixtures along, and a fixture imported by name is shadowed by a parameter of the same
name. Fixtures are shared through the conftest.py of the folder that needs them (the root one
for the suite), helpers through a helper module. The same holds for the conftests and the
helper modules themselves, or a test module would import a test module through them.
"""

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree() -> Iterator[Path]:
    """Every Python file of the test folders pytest searches, and every conftest.py."""
    yield ROOT / "conftest.py"
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for top in config["tool"]["pytest"]["ini_options"]["testpaths"]:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or path.name == "conftest.py":
                yield path


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every module the file imports, and of every name it imports from
    one (`from app.tests import test_x` imports the module test_x)."""
    package = module_name(path).split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def test_no_test_module_imports_another():
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in tree()
        for line, name in imports(path)
        if is_test_module(name) and name != module_name(path)
    ]
    assert not offences, (
        "Test modules stand alone: move what is shared into a conftest.py (fixtures) or a helper "
        "module (anything else), and import that instead.\n" + "\n".join(offences)
    )


def test_the_rule_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The check itself: absolute, relative and `from package import module` imports of a test
    module or a conftest are caught; helper modules and factories are not."""
    folder = tmp_path / "app" / "tests"
    folder.mkdir(parents=True)
    sample = folder / "test_sample.py"
    sample.write_text(
        "import app.tests.test_other\n"
        "from app.tests.test_other import helper\n"
        "from app.tests import test_other\n"
        "from .test_other import helper\n"
        "from . import conftest\n"
        "from conftest import missing_service\n"
        "from app.tests.helpers import helper\n"
        "from app.factories import ThingFactory\n"
        "from . import helpers\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    caught = sorted({line for line, name in imports(sample) if is_test_module(name)})
    assert caught == [1, 2, 3, 4, 5, 6]
