"""The Qt face of NetCanvas (the only package that imports PySide6, pyqtgraph, qtawesome)."""
import sys

if sys.version_info < (3, 12):  # pragma: no cover - depends on the interpreter
    # PySide6 6.12.0 returns None from void C++ methods without a new reference (correct only
    # where None is immortal, Python >= 3.12): on 3.11 every painter call drops None's count and
    # a long session dies with "none_dealloc". Give None a reference reserve it cannot exhaust.
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48
