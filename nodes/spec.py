"""The vocabulary every block declaration is written in: parameters, ports, shapes and the Block base.

A block type is declared once, as a subclass of :class:`Block` with class attributes (type id,
version, display name, category, icon, ports, parameter schema) and a few small methods
(shape rule, parameter / connection / MAC counts, builder). Subclassing registers it.

Shapes never include the batch dimension: ``(6, 28, 28)`` means ``(N, 6, 28, 28)``.
No torch at import time: builders import it inside.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

Shape = tuple[int, ...]

FLOAT = "float"
INDEX = "index"  # integer ids: token ids, class labels

# The sequence convention: a rank-2 value is (T, F), T steps of F features (time-major, as Keras).
# A block that can read a rank-2 value as an image-style (C, L) signal does so only when its
# ``layout`` parameter says so explicitly.
SEQUENCE, CHANNELS_FIRST = "steps x features", "channels x length"

# How a block treats the padding mask that travels with a sequence of token ids (``Block.mask_rule``).
MASK_DROP, MASK_KEEP, MASK_USE, MASK_USE_KEEP = "drop", "keep", "use", "use_keep"


class ShapeError(ValueError):
    """Raised by a shape rule; the message is written for a student and names the fix."""

    def __init__(self, message: str, port: str | None = None):
        super().__init__(message)
        self.port = port


@dataclass(frozen=True)
class Param:
    """One typed, bounded block parameter; the inspector is generated from these."""

    name: str
    kind: str  # "int" | "float" | "bool" | "choice" | "str" | "ints"
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple = ()
    label: str = ""
    length: int | None = None  # fixed length for "ints" (None: any length >= 1)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def check(self, value: Any) -> str | None:
        """Return a one-sentence reason why ``value`` is not acceptable, or None."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"'{self.title}' must be true or false"
        if self.kind == "choice":
            if value in self.choices:
                return None
            options = ", ".join(str(c) for c in self.choices)
            return f"'{self.title}' must be one of {options}, not {value!r}; pick one of those"
        if self.kind == "str":
            return None if isinstance(value, str) else f"'{self.title}' must be text, not {value!r}; write it in quotes"
        if self.kind == "ints":
            if not isinstance(value, (list, tuple)) or not value or not all(_is_int(v) for v in value):
                return f"'{self.title}' must be a list of whole numbers; write it like [1, 28, 28]"
            if self.length is not None and len(value) != self.length:
                return f"'{self.title}' needs exactly {self.length} numbers, not {len(value)}; give {self.length}"
            return next((self._bounds(v) for v in value if self._bounds(v)), None)
        if self.kind == "int":
            if not _is_int(value):
                return f"'{self.title}' must be a whole number, not {value!r}; write one without a decimal point"
            return self._bounds(value)
        if self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                return f"'{self.title}' must be a number, not {value!r}; write a finite number such as 0.5"
            return self._bounds(value)
        return f"'{self.title}' has an unknown kind {self.kind!r}"

    def _bounds(self, value: float) -> str | None:
        if self.min is not None and value < self.min:
            return f"'{self.title}' is {value} but must be at least {_fmt(self.min)}; set it to {_fmt(self.min)} or more"
        if self.max is not None and value > self.max:
            return f"'{self.title}' is {value} but must be at most {_fmt(self.max)}; set it to {_fmt(self.max)} or less"
        return None

    def coerce(self, value: Any) -> Any:
        """Normalise JSON-loaded values (lists for tuples, ints for whole floats)."""
        if self.kind == "ints" and isinstance(value, (list, tuple)):
            return [int(v) if _is_int(v) else v for v in value]
        if self.kind == "float" and _is_int(value):
            return float(value)
        if self.kind == "int" and isinstance(value, float) and value.is_integer():
            return int(value)
        return value


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Port:
    """A typed input or output of a block. ``ranks`` lists accepted ranks without the batch axis."""

    name: str
    ranks: tuple[int, ...] = ()  # () = any rank
    dtype: str = FLOAT
    optional: bool = False
    help: str = ""


@dataclass(frozen=True)
class InnerLayer:
    """One layer inside a composite block, as shown in the summary."""

    name: str
    type: str
    shape: Shape
    params: int


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape) if shape else 1


def shape_text(shape: Shape | None, batch: str = "N") -> str:
    """``(6, 28, 28)`` -> ``"(N, 6, 28, 28)"``; the batch axis is symbolic."""
    if shape is None:
        return "?"
    return "(" + ", ".join([batch, *(str(s) for s in shape)]) + ")"


def dims_text(shape: Shape | None) -> str:
    """``(6, 28, 28)`` -> ``"6x28x28"`` as in the course's tables."""
    if shape is None:
        return "?"
    return "x".join(str(s) for s in shape) if shape else "scalar"


def axes_text(shape: Shape | None, layout: str = SEQUENCE) -> str:
    """A shape as a wire shows it, naming a sequence's axes: ``(28, 28)`` -> ``"28 steps x 28"``
    (``"6 ch x 24"`` for a block that produces a channels-first signal); other ranks as dims_text."""
    if shape is not None and len(shape) == 2:
        return f"{shape[0]} ch x {shape[1]}" if layout == CHANNELS_FIRST else f"{shape[0]} steps x {shape[1]}"
    return dims_text(shape)


def layout_param(what: str) -> "Param":
    """The explicit choice between the sequence convention and a channels-first (C, L) reading."""
    return Param("layout", "choice", SEQUENCE,
                 f"How a 2-D input (N, A, B) is read: steps x features (N, T, F), {what}; or channels x "
                 "length (N, C, L), an image-style signal", choices=(SEQUENCE, CHANNELS_FIRST),
                 label="sequence layout")


RANK_LAYOUT = {0: "(N)", 1: "(N, F)", 2: "(N, T, F)", 3: "(N, C, H, W)"}
RANK_LAYOUT_1D = {2: "(N, C, L)"}

# Typical shapes by rank for ``Block.example_shapes`` (key -1: a port that takes any rank).
EXAMPLE_SHAPES = {0: (), 1: (8,), 2: (6, 8), 3: (3, 16, 16)}

_REGISTRY: dict[str, type["Block"]] = {}
_ALIASES: dict[str, str] = {}


class Block:
    """Base class of every block declaration.

    Subclasses set the class attributes and override what differs from the defaults:
    ``output_shapes`` (required), ``param_count``, ``connections``, ``macs``, ``build``,
    ``inner_layers`` (composites), ``label`` (the key parameters shown on the node).

    Conventions shared by every rule: ``p`` is the completed parameter dict; ``ins`` holds one
    shape per *connected* input port, in port order (an unconnected optional port is simply
    absent, so ``len(ins)`` tells which optional ports are wired). The built module is called
    with the connected inputs positionally in the same order, and a block with several output
    ports returns a tuple in output-port order.
    """

    type_id: ClassVar[str] = ""
    version: ClassVar[int] = 1
    title: ClassVar[str] = ""
    category: ClassVar[str] = ""
    icon: ClassVar[str] = "mdi6.square-outline"
    help: ClassVar[str] = ""
    inputs: ClassVar[tuple[Port, ...]] = (Port("in"),)
    outputs: ClassVar[tuple[Port, ...]] = (Port("out"),)
    params: ClassVar[tuple[Param, ...]] = ()
    role: ClassVar[str] = "layer"  # "input" | "layer" | "head"
    replaces: ClassVar[tuple[str, ...]] = ()
    default_name: ClassVar[str] = ""  # prefix for new instances' names
    composite: ClassVar[bool] = False
    keeps_range: ClassVar[bool] = False  # outputs lie where the input's values lie (reshapes, dropout)
    # version v -> (parameter values that keep a version-v file's function, a note for the user or None)
    upgrades: ClassVar[dict[int, tuple[dict[str, Any], str | None]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.type_id:
            return  # abstract helper base
        if cls.type_id in _REGISTRY:
            raise RuntimeError(f"block type id {cls.type_id!r} declared twice")
        _REGISTRY[cls.type_id] = cls
        for old in cls.replaces:
            _ALIASES[old] = cls.type_id

    # ---- parameters -------------------------------------------------------------------
    @classmethod
    def param(cls, name: str) -> Param:
        for p in cls.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default) for p in cls.params}

    @classmethod
    def complete(cls, params: dict[str, Any] | None) -> dict[str, Any]:
        """Defaults overlaid with ``params`` (unknown keys dropped), values coerced."""
        out = cls.defaults()
        for p in cls.params:
            if params and p.name in params:
                out[p.name] = p.coerce(params[p.name])
        return out

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> list[tuple[str, str]]:
        """(param name, reason) for every value outside its type, bounds or choices."""
        problems = []
        for p in cls.params:
            reason = p.check(params.get(p.name, p.default))
            if reason:
                problems.append((p.name, reason))
        if not problems:  # cross-parameter rules assume each value has its type and bounds
            problems.extend(cls.check_combination(params))
        return problems

    @classmethod
    def check_combination(cls, params: dict[str, Any]) -> list[tuple[str, str]]:
        """Cross-parameter rules (e.g. channels divisible by groups). Override when needed."""
        return []

    # ---- the declaration's rules (override) --------------------------------------------
    @classmethod
    def output_shapes(cls, p: dict[str, Any], ins: list[Shape]) -> list[Shape]:
        raise NotImplementedError

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: list[Shape]) -> int:
        return 0

    @classmethod
    def connections(cls, p: dict[str, Any], ins: list[Shape]) -> int:
        """The course's count: (inputs + bias) x maps x map size. Elementwise blocks: one per output."""
        return numel(cls.output_shapes(p, ins)[0]) if cls.outputs else 0

    @classmethod
    def macs(cls, p: dict[str, Any], ins: list[Shape]) -> int:
        """Multiply-accumulates per sample."""
        return 0

    @classmethod
    def build(cls, p: dict[str, Any], ins: list[Shape]):
        """Return a torch.nn.Module computing this block (torch imported here, not at top)."""
        raise NotImplementedError

    @classmethod
    def inner_layers(cls, p: dict[str, Any], ins: list[Shape]) -> list[InnerLayer]:
        return []

    @classmethod
    def label(cls, p: dict[str, Any]) -> str:
        """Key parameters in a few characters, shown on the node (e.g. "6 @ 5x5, stride 1")."""
        return ""

    @classmethod
    def id_count(cls, p: dict[str, Any]) -> int | None:
        """How many distinct ids (0 to n - 1) this block's integer output carries; None: not ids."""
        return None

    @classmethod
    def id_capacity(cls, p: dict[str, Any], port: str) -> tuple[int, str] | None:
        """(how many distinct ids the integer input ``port`` can look up, the parameter that sets
        it), e.g. an Embedding's rows; None: any id."""
        return None

    @classmethod
    def mask_rule(cls, p: dict[str, Any]) -> str:
        """What the block does with the padding mask of a token sequence arriving on its first
        input: MASK_KEEP passes it on (the output has the same steps: Dense, Dropout, LayerNorm),
        MASK_USE reads it (``forward(..., mask=)``; the steps are gone: pooling over time, a
        recurrent layer's last state), MASK_USE_KEEP both (attention), MASK_DROP neither."""
        return MASK_DROP

    @classmethod
    def padding_id(cls, p: dict[str, Any]) -> int | None:
        """The id that pads this input block's integer sequences (the compiler derives the padding
        mask from it: True where the id differs); None: no padding."""
        return None

    @classmethod
    def output_layout(cls, p: dict[str, Any]) -> str:
        """How the block's rank-2 output is to be read (SEQUENCE unless a ``layout`` says otherwise)."""
        return CHANNELS_FIRST if p.get("layout") == CHANNELS_FIRST else SEQUENCE

    @classmethod
    def upgrade(cls, params: dict[str, Any], version: int) -> tuple[dict[str, Any], str | None]:
        """Parameters saved by version ``version`` of this block, rewritten with ``upgrades`` so
        the block computes the same function now, and the sentences of the steps that changed its
        meaning (None: no change). Called when a file was saved with an older ``version``."""
        notes = []
        for step in range(version, cls.version):
            settings, note = cls.upgrades.get(step, ({}, None))
            params = {**params, **settings}
            if note:
                notes.append(note)
        return params, "; ".join(notes) or None

    @classmethod
    def value_range(cls, p: dict[str, Any]) -> tuple[float, float] | str | None:
        """The interval the outputs lie in ((-1, 1) after a tanh), "input" when it is the input's,
        None when unbounded. A GAN's real images are scaled to its generator's range."""
        if cls.keeps_range:
            return "input"
        return ACTIVATION_RANGES.get(p.get("activation", "none"))

    @classmethod
    def example_shapes(cls, p: dict[str, Any]) -> list[Shape]:
        """Typical shapes for the required input ports (tests, previews). Override when the
        rank alone does not give a shape the block accepts."""
        return [EXAMPLE_SHAPES.get(port.ranks[0] if port.ranks else -1, (3, 4, 5))
                for port in cls.inputs if not port.optional]

    @classmethod
    def example_cases(cls) -> list[tuple[dict[str, Any], list[Shape] | None]]:
        """(parameter overrides, input shapes or None for ``example_shapes``) that the contract
        test runs; add cases for settings that change the structure (bidirectional, conditional)."""
        return [({}, None)]

    @classmethod
    def example_input(cls, index: int, shape: Shape, p: dict[str, Any]):
        """A random batch for input ``index`` (tests, tracing). Index ports override this."""
        import torch

        return torch.randn(2, *shape)

    # ---- shared helpers for declarations -----------------------------------------------
    @staticmethod
    def need_rank(block_title: str, port: str, shape: Shape, ranks: tuple[int, ...],
                  layouts: dict[int, str] | None = None) -> None:
        """Raise a ShapeError unless ``shape`` has one of ``ranks`` (``layouts`` names the axes)."""
        if ranks and len(shape) not in ranks:
            names = {**RANK_LAYOUT, **(layouts or {})}
            wanted = " or ".join(f"{r + 1}-D input {names.get(r, '')}".strip() for r in ranks)
            raise ShapeError(f"{block_title} needs a {wanted} but receives {shape_text(shape)}", port)


def registry() -> dict[str, type[Block]]:
    """All declared block types by type id (importing nodes loads the catalog)."""
    return dict(_REGISTRY)


def resolve(type_id: str) -> type[Block] | None:
    """The block class for ``type_id``, following ``replaces`` for renamed types."""
    return _REGISTRY.get(type_id) or _REGISTRY.get(_ALIASES.get(type_id, ""))


def conv_out(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


# Activations a layer may apply after itself (as Keras' ``activation=``).
ACTIVATIONS = ("none", "relu", "tanh", "sigmoid", "leaky_relu", "gelu", "elu")


ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


def activation_module(name: str):
    """torch module for an activation name (``none`` -> Identity)."""
    import torch.nn as nn

    return {
        "none": nn.Identity,
        "relu": nn.ReLU,
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
        "leaky_relu": nn.LeakyReLU,
        "gelu": nn.GELU,
        "elu": nn.ELU,
    }[name]()


def activation_param(default: str = "none") -> Param:
    return Param("activation", "choice", default, "Function applied to the output (none: linear)", choices=ACTIVATIONS)
