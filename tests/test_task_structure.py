"""One place per concept (issue 22): nothing outside a task's package names a task, the modules import
each other one way only (no circle), and every task package declares what the rest renders."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from runtime.tasks import declarations, task_declaration

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "nodes", "projects", "runtime")
TASK_PACKAGES = ROOT / "runtime" / "tasks"

# Files that hold project settings, which name their task as any user's project file may.
PROJECT_FILES = {"projects/examples/build.py": "writes the bundled example projects"}
# Strings equal to a task's name that are not about tasks: values of a dataset option read from old files.
NOT_TASKS = {
    ("runtime/data/synthetic.py", "binary"): "the logic tables' 0/1 encoding, an option of the xor and and sources",
    ("runtime/data/options.py", "binary"): "the logic tables' 0/1 encoding, an option of the xor and and sources",
    ("runtime/data/options.py", "classification"): "the CSV option 'task' of project files before 0.2",
    ("runtime/data/options.py", "regression"): "the CSV option 'task' of project files before 0.2",
}


def code_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path


def in_task_package(path: Path) -> bool:
    """A file inside one task's package (runtime/tasks/NAME/...), not the registry around them."""
    try:
        rel = path.relative_to(TASK_PACKAGES)
    except ValueError:
        return False
    return len(rel.parts) > 1


def docstrings(tree) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def task_names() -> set[str]:
    names = set()
    for decl in declarations().values():
        names.add(decl.name)
        names.update(decl.replaces)
    return names


def test_no_code_outside_the_task_packages_names_a_task():
    names = task_names()
    found = []
    for path in code_files():
        if in_task_package(path):
            continue
        rel = path.relative_to(ROOT).as_posix()
        if rel in PROJECT_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip \
                    and node.value in names and (rel, node.value) not in NOT_TASKS:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert found == [], "task names outside the task packages (render what tasks declare instead):\n" + \
        "\n".join(found)


def import_graph() -> nx.DiGraph:
    """Every import between the project's modules (those inside functions too; not TYPE_CHECKING ones)."""
    modules = {}
    for path in code_files():
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts)
        modules[name[:-9] if name.endswith(".__init__") else name] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(
            node.test) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in modules]
                targets = subs if len(subs) == len(node.names) else [module, *subs]
            for target in targets:
                if target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def test_no_module_imports_itself_through_others():
    circles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert circles == [], f"import circles: {circles}"


def test_task_packages_are_imported_by_name_only():
    """The generic modules (the trainer, the command line, the editor) reach a task's training and use
    through the registry, never by importing a task package."""
    graph = import_graph()
    task_modules = {n for n in graph if n.startswith("runtime.tasks.") and n.count(".") >= 3}
    outside = [(a, b) for a, b in graph.edges if b in task_modules and not a.startswith("runtime.tasks.")
               and not a.startswith("app.training.perceptron_view")]  # the Perceptron tab steps the rule itself
    assert outside == [], outside


def test_every_task_declares_what_the_editor_and_the_command_line_render():
    for name, decl in declarations().items():
        assert decl.title and decl.help and decl.metrics, name
        assert decl.describe is not None, f"{name}: no report sections"
        assert decl.prediction.gives in ("classes", "images", "") and (decl.prediction.gives or decl.prediction.note)
        assert task_declaration(name) is decl
        for section in decl.settings:
            assert section.params and all(p.help for p in section.params), (name, section.name)


def test_the_docs_task_table_is_the_generated_one():
    import re

    from runtime.task_docs import markdown_table

    text = (ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- tasks -->\n(.*?)<!-- /tasks -->", text, re.S)
    assert block and block.group(1) == markdown_table(), "run python -m runtime.task_docs and paste it in docs/training.md"
