"""Which task a project trains: the one function the editor, the command line and the trainer ask
(no torch). The task setting names it, or (auto) the graph's one head does; a graph with two heads,
a head no task trains, blocks that belong to another task, parts wired wrongly, or a dataset the
task cannot learn from is a problem on the block concerned, never a silent choice."""
from __future__ import annotations

from dataclasses import dataclass

from projects.parts import ModelParts, find_parts
from projects.problems import Problem

from . import declarations, task_declaration, unknown_task
from .declaration import TaskDeclaration

TARGET_WORDS = {"classes": "class labels", "values": "numbers to predict", "forecast": "future values of a series",
                "none": "no targets"}


@dataclass(frozen=True)
class TaskChoice:
    """The task a project trains (``declaration``), or why none can be chosen (``problem``)."""

    declaration: TaskDeclaration | None
    problem: Problem | None = None
    auto: bool = True  # chosen from the head (task setting auto)

    @property
    def name(self) -> str | None:
        return self.declaration.name if self.declaration else None


def choose_task(graph, requested=None, dataset: dict | None = None) -> TaskChoice:
    """The task of a graph whose task setting is ``requested`` ("auto" or a name), checked against
    its dataset settings ``dataset`` (None: not checked)."""
    requested = requested or "auto"
    heads = [n for n in graph.nodes.values() if n.block is not None and n.block.role == "head"]
    if requested == "auto":
        decl, problem = _from_heads(heads)
        if problem:
            return TaskChoice(None, problem)
    else:
        decl = task_declaration(requested)
        if decl is None:
            return TaskChoice(None, Problem(unknown_task(requested)), auto=False)
    problem = (_head_problem(decl, heads, requested == "auto") or _foreign_blocks(graph, decl, requested == "auto")
               or _part_problem(graph, decl) or _data_problem(decl, dataset, heads))
    return TaskChoice(decl, problem, auto=requested == "auto")


def _from_heads(heads) -> tuple[TaskDeclaration | None, Problem | None]:
    if not heads:
        return None, Problem("The model has no head, so training has nothing to minimise: end it with a "
                             "Classification head (or another head)")
    if len(heads) > 1:
        names = ", ".join(f"'{h.name}'" for h in heads)
        return None, Problem(f"the graph has {len(heads)} heads ({names}), so the task it trains is ambiguous: "
                             "remove all heads but one (or set the task in the training settings)", heads[1].id)
    head = heads[0]
    found = [d for d in declarations().values() if head.type_id in d.heads]
    if not found:
        return None, Problem(f"no task trains a {head.block.title} head on its own: set the task in the training "
                             "settings", head.id)
    if len(found) > 1:
        names = ", ".join(d.title for d in found)
        return None, Problem(f"the head '{head.name}' is trained by several tasks ({names}): set the task in the "
                             "training settings", head.id)
    return found[0], None


def _owner(type_id: str) -> TaskDeclaration | None:
    """The task whose block (an anchor, or exclusive) ``type_id`` is; None for blocks any task uses."""
    return next((d for d in declarations().values()
                 if type_id in d.exclusive or any(a.type_id == type_id for a in d.anchors)), None)


def _head_problem(decl: TaskDeclaration, heads, auto: bool) -> Problem | None:
    if auto or not heads:
        return None
    head = heads[0]
    owner = _owner(head.type_id)
    if owner is not None and owner.name != decl.name:
        return Problem(f"the head '{head.name}' trains a {owner.title} model, not {decl.title}: set the task to "
                       f"{owner.title} (or auto)", head.id)
    if decl.accepts_heads and head.type_id not in decl.accepts_heads and len(heads) == 1:
        from nodes import resolve

        wanted = " or ".join(resolve(t).title for t in decl.accepts_heads if resolve(t))
        return Problem(f"{decl.title} trains a model ending in a {wanted} head, not a {head.block.title}: "
                       f"change the head, or set the task to auto", head.id)
    return None


def _foreign_blocks(graph, decl: TaskDeclaration, auto: bool) -> Problem | None:
    """Blocks only another task trains (a GAN's Latent noise in a classifier) would be fed the wrong data."""
    for node in graph.nodes.values():
        owner = _owner(node.type_id)
        if owner is None or owner.name == decl.name:
            continue
        why = "the task is set to" if not auto else "task auto chose"
        return Problem(f"'{node.name}' is a {node.block.title} block, which only {owner.title} trains, but {why} "
                       f"{decl.title}: set the task to {owner.title} (or auto, with its head), or remove the block",
                       node.id)
    return None


def model_parts(graph, decl: TaskDeclaration) -> ModelParts:
    """The parts the task ``decl`` trains in ``graph`` (empty for a one-part task)."""
    if not decl.parts:
        return ModelParts()
    return find_parts(graph, decl.title, decl.anchors, decl.wiring, decl.parts)


def _part_problem(graph, decl: TaskDeclaration) -> Problem | None:
    if not decl.anchors and not decl.parts:
        return None
    problems = model_parts(graph, decl).problems
    return problems[0] if problems else None


def dataset_targets(dataset: dict | None) -> str:
    """What the targets of the dataset that settings ``dataset`` name are ("" when unknown)."""
    from runtime.data.catalog import source_targets

    return source_targets(dataset or {})


def _data_problem(decl: TaskDeclaration, dataset: dict | None, heads) -> Problem | None:
    if dataset is None or "any" in decl.data.targets:
        return None
    targets = dataset_targets(dataset)
    if not targets or targets in decl.data.targets:
        return None
    wanted = " or ".join(TARGET_WORDS.get(t, t) for t in decl.data.targets)
    name = dataset.get("name")
    return Problem(f"{decl.title} learns {wanted}, but the dataset '{name}' gives {TARGET_WORDS.get(targets, targets)}"
                   f": {decl.data.fix or 'choose another dataset or another task'}", heads[0].id if heads else None)
