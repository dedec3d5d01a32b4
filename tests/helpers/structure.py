"""The architecture check: which package of ``xl_ni179`` may import which, read from one
declaration, the README's list of packages (each imports only those above it).

Every function takes the package folder (and the README's text), so a test can run it on a
copy with a violation planted in it. An import is any way a module reaches another:
``import``/``from`` statements anywhere in the file (lazy ones too), relative ones resolved,
and modules named by string (``importlib.import_module("xl_ni179.cli")``, ``__import__``, a
worker pool's preload list): a string constant that is a module path of ours counts as an
import of it. A dynamic import whose name the check cannot read is reported as such.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

NAME = "xl_ni179"
# The sentence of the README's list that opens the layers, and how a layer is written there.
LAYERS_INTRO = "Each package imports only those above it in this list"
_LAYER_TOKEN = re.compile(r"`([a-z_][a-z0-9_]*)(/|\.py)`")
_MODULE_PATH = re.compile(rf"{NAME}(?:\.[A-Za-z_]\w*)*")
_DYNAMIC = {"import_module", "__import__", "find_spec", "resolve_name", "run_module"}
XLWINGS_CLAIM = "Only this package imports"


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # an absolute module path: xl_ni179.excel.ribbon, xlwings
    top_level: bool  # at module level, not inside a function
    how: str = (
        "statement"  # or "call" (import_module, __import__...), or "string" (a module path named)
    )


def layers(readme: str, package: Path) -> list[str]:
    """The top-level modules and packages of ``package``, lowest first, in the order the
    README's maintainers' list first names them (`text.py`, `rules/`...)."""
    start = readme.index(LAYERS_INTRO)
    block = readme[start:]
    end = re.search(r"^- ", block, re.MULTILINE)  # the list ends at the next top-level bullet
    block = block[: end.start()] if end else block
    found: list[str] = []
    for name, kind in _LAYER_TOKEN.findall(block):
        exists = (
            (package / name / "__init__.py").is_file()
            if kind == "/"
            else (package / f"{name}.py").is_file()
        )
        if exists and name not in found:
            found.append(name)
    return found


def top_level(package: Path) -> list[str]:
    """The package's own top-level modules and packages (not ``__init__``/``__main__``)."""
    names = [p.name for p in package.iterdir() if (p / "__init__.py").is_file()]
    names += [p.stem for p in package.glob("*.py") if not p.stem.startswith("__")]
    return sorted(names)


def undeclared(readme: str, package: Path) -> list[str]:
    """Top-level modules and packages the README's layer list does not name."""
    known = set(layers(readme, package))
    return [
        f"{NAME}/{name} is in no layer of the README's list"
        for name in top_level(package)
        if name not in known
    ]


def modules(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if "migrations" not in p.parts)


def module_names(package: Path) -> frozenset[str]:
    return frozenset(module_name(p, package) for p in modules(package))


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _relative(base: str, level: int, module: str | None) -> str:
    for _ in range(level - 1):
        base = base.rpartition(".")[0]
    return f"{base}.{module}" if module else base


def _string_prefix(node: ast.expr) -> str | None:
    """The module path a string (or the constant start of an f-string) names, if any."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif (
        isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant)
    ):
        text = str(node.values[0].value).rpartition(".")[
            0
        ]  # "xl_ni179.excel.addin.{x}": the package
    else:
        return None
    return text if _MODULE_PATH.fullmatch(text) else None


def _call_name(node: ast.Call) -> str:
    func = node.func
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )


def _nodes(tree: ast.Module) -> list[tuple[ast.AST, bool]]:
    """Every node of the file once, with whether it is at module level (not inside a function)."""
    found, stack = [], [(tree, True)]
    while stack:
        node, top = stack.pop()
        found.append((node, top))
        inner = top and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        stack += [(child, inner) for child in ast.iter_child_nodes(node)]
    return found


def _is_table(node: ast.AST) -> bool:
    """A dict literal of string constants: a lazy export table, naming the modules it loads."""
    return (
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Dict)
        and all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.value.values)
    )


def imports(
    path: Path, package: Path, names: frozenset[str] | None = None
) -> tuple[list[Import], list[str]]:
    """Every module ``path`` imports (ours and others'), and the dynamic imports it makes by a
    name this check cannot read. ``names``: the package's modules, if already listed."""
    names = names if names is not None else module_names(package)
    rel = path.relative_to(package.parent).as_posix()
    return _imports(rel, path.read_text("utf-8"), names)


@functools.lru_cache(maxsize=4096)  # the planted copies share all but one file with the package
def _imports(rel: str, text: str, names: frozenset[str]) -> tuple[list[Import], list[str]]:
    nodes = _nodes(ast.parse(text))
    tables = {
        t.id
        for node, top in nodes
        if top and isinstance(node, ast.Assign) and _is_table(node)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    found: list[Import] = []
    unreadable: list[str] = []
    parts = rel.removesuffix(".py").split("/")
    base = ".".join(parts[:-1])  # the package a relative import starts from (for __init__ too)
    for node, top in nodes:
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, a.name, top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _relative(base, node.level, node.module) if node.level else node.module or ""
            for alias in node.names:  # `from xl_ni179 import cli` imports the package xl_ni179.cli
                sub = f"{module}.{alias.name}"
                found.append(Import(node.lineno, sub if sub in names else module, top))
        elif isinstance(node, ast.Constant | ast.JoinedStr) and (named := _string_prefix(node)):
            found.append(Import(node.lineno, named, top, "string"))
        elif isinstance(node, ast.Call) and _call_name(node) in _DYNAMIC and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                if arg.value.startswith("."):  # import_module(".x", __package__)
                    level = len(arg.value) - len(arg.value.lstrip("."))
                    target = _relative(base, level, arg.value.lstrip(".") or None)
                    found.append(Import(node.lineno, target, top, "call"))
                else:
                    found.append(Import(node.lineno, arg.value, top, "call"))
            elif (named := _string_prefix(arg)) is not None and _layer(named) is not None:
                found.append(Import(node.lineno, named, top, "call"))
            elif not (
                isinstance(arg, ast.Subscript)
                and isinstance(arg.value, ast.Name)
                and arg.value.id in tables
            ):
                unreadable.append(
                    f"{rel}:{node.lineno} imports by a name the structure check cannot read: "
                    f"{ast.unparse(node)}"
                )
    unique = {(i.line, i.target): i for i in found if i.how != "string"}
    unique.update({(i.line, i.target): i for i in found if (i.line, i.target) not in unique})
    return sorted(unique.values(), key=lambda i: i.line), unreadable


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == NAME and len(parts) > 1 else None


def upward_imports(readme: str, package: Path) -> list[str]:
    """Imports of a layer above the importer's own (or of one the README does not name), and
    dynamic imports the check cannot read. ``__main__`` modules are entry points and sit above
    everything; the package's ``__init__`` below everything."""
    order = layers(readme, package)
    known = set(top_level(package))
    found = []
    names = module_names(package)
    for path in modules(package):
        rel = path.relative_to(package.parent).as_posix()
        own = _layer(module_name(path, package))
        if path.name == "__main__.py":
            continue
        these, unreadable = imports(path, package, names)
        found += unreadable
        for imp in these:
            target = _layer(imp.target)
            if target is None or target not in known:
                continue
            if own is None:  # the package's own __init__ is below every layer: all import it
                found.append(
                    f"{rel}:{imp.line} imports {imp.target}, but {NAME}/__init__.py imports nothing of ours"
                )
                continue
            if target not in order or own not in order:
                found.append(f"{rel}:{imp.line} imports {imp.target}, of a package in no layer")
            elif order.index(target) > order.index(own):
                found.append(f"{rel}:{imp.line} imports {imp.target}, a layer above its own")
    return found


def xlwings_problems(readme: str, package: Path, room: str = "excel") -> list[str]:
    """xlwings is imported only in ``room``; at module level only by the modules the README's
    sentence about it names; and no module of ours imports one of those."""
    start = readme.index(XLWINGS_CLAIM)
    claim = readme[start : readme.find("\n  - ", start)]  # the rest of the bullet
    named = {m for m, kind in _LAYER_TOKEN.findall(claim) if kind == ".py"}
    problems, eager = [], set()
    names = module_names(package)
    found = {path: imports(path, package, names)[0] for path in modules(package)}
    for path, these in found.items():
        rel = path.relative_to(package).as_posix()
        for imp in these:
            if imp.target.split(".")[0] != "xlwings":
                continue
            if not rel.startswith(f"{room}/"):
                problems.append(f"{rel}:{imp.line} imports xlwings outside {room}/")
            elif imp.top_level:
                eager.add(module_name(path, package))
                if path.stem not in named:
                    problems.append(
                        f"{rel}:{imp.line} imports xlwings at module level; the README says "
                        "only inside functions"
                    )
    for path, these in found.items():
        for imp in these:
            if (
                imp.target in eager and imp.how != "string"
            ):  # naming it for Excel's settings is no import
                problems.append(
                    f"{path.relative_to(package).as_posix()}:{imp.line} imports {imp.target}, "
                    "which loads xlwings"
                )
    return problems
