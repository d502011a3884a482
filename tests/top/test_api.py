"""The public API: every name resolves to what it says, whatever was imported before."""

import subprocess
import sys

import perfsheets


def test_api_names_resolve_after_every_module_was_imported():
    # Importing a submodule sets it as an attribute of the package; no API name may be shadowed.
    code = (
        "import importlib, pkgutil, perfsheets\n"
        "for m in pkgutil.iter_modules(perfsheets.__path__):\n"
        "    if m.name != '__main__': importlib.import_module('perfsheets.' + m.name)\n"
        "import inspect\n"
        "bad = [n for n in perfsheets.__all__ if n != '__version__'\n"
        "       and inspect.ismodule(getattr(perfsheets, n))]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_import_is_light():
    code = "import sys, perfsheets; print(sorted(m for m in ('pandas', 'weasyprint', 'openpyxl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_all_lists_callables_and_types():
    for name in perfsheets.__all__:
        if name != "__version__":
            assert callable(getattr(perfsheets, name)), name


def test_all_names_the_lazy_api_exactly():
    assert sorted(perfsheets.__all__) == sorted([*perfsheets._API, "__version__"])


def test_every_api_name_is_imported_for_type_checkers_from_where_it_loads():
    # Users' checkers (mypy, pyright) see the real objects only through `if TYPE_CHECKING:`.
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(perfsheets))
    (guard,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    ]
    typed = {
        alias.name: node.module
        for node in guard.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    public = [name for name in perfsheets.__all__ if name != "__version__"]
    assert typed == {name: getattr(perfsheets, name).__module__ for name in public}
