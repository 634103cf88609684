"""Light and dark themes that follow the system colour scheme, and the canvas colours."""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

CATEGORY_COLORS = {"Inputs": "#3b8f5a", "Convolution": "#3d6fb6", "Pooling": "#6a5acd", "Core": "#7d7d7d",
                   "Normalization": "#b07d2b", "Activations": "#c0533a", "Recurrent": "#2a8c8c",
                   "Attention": "#9b4f96", "Merge": "#5f7f3a", "Generative": "#a3476b", "Heads": "#b5473b"}

# a GAN's or VAE's parts on the canvas (badge and strip, white text on both themes' nodes)
PART_COLORS = ("#8e44c9", "#0f7f91", "#2f6fde", "#c25e00")  # a task's parts in their order (G, D; enc, dec)
SHARED_COLOR = "#6b7280"  # an input block several parts read


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication) -> None:
    """Fusion style with a palette for the system's light or dark scheme (re-applied when it changes)."""
    app.setStyle("Fusion")
    if is_dark():
        p = QPalette()
        base, window, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#dfe1e5")
        for role, color in ((QPalette.Window, window), (QPalette.WindowText, text), (QPalette.Base, base),
                            (QPalette.AlternateBase, window), (QPalette.Text, text), (QPalette.Button, window),
                            (QPalette.ButtonText, text), (QPalette.ToolTipBase, window),
                            (QPalette.ToolTipText, text), (QPalette.Highlight, QColor("#3574f0")),
                            (QPalette.HighlightedText, QColor("#ffffff")), (QPalette.PlaceholderText,
                                                                             QColor("#8c8f94"))):
            p.setColor(role, color)
        p.setColor(QPalette.Disabled, QPalette.Text, QColor("#6f737a"))
        p.setColor(QPalette.Disabled, QPalette.ButtonText, QColor("#6f737a"))
        app.setPalette(p)
    else:
        app.setPalette(app.style().standardPalette())
    canvas_colors.cache_clear()


@lru_cache(maxsize=1)
def canvas_colors() -> dict[str, QColor]:
    dark = is_dark()
    pick = (lambda d, l: QColor(d if dark else l))
    return {"background": pick("#1b1c1f", "#f4f5f7"), "grid": pick("#26282c", "#e4e6ea"),
            "node": pick("#2e3035", "#ffffff"), "node_border": pick("#4a4d55", "#b9bec7"),
            "text": pick("#e6e7ea", "#1d1f23"), "muted": pick("#9ea3ab", "#5d636d"),
            "wire": pick("#8a909a", "#7a818c"), "label_bg": pick("#2b2d31", "#ffffff"),
            "selected": pick("#4c8dff", "#2f6fde"), "error": pick("#ff5c5c", "#d93025"),
            "port": pick("#c8ccd3", "#59606b"), "port_ok": pick("#58c27d", "#2e9b57")}


ICON_SIZES = (16, 20, 24, 32, 48)


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """A qtawesome icon; a name missing from the font falls back to a plain square (no warning)."""
    import qtawesome as qta

    color = "#d0d3d8" if is_dark() else "#3b3f46"
    for candidate in (name, "mdi6.square-outline"):
        try:
            glyph = qta.icon(candidate, color=color)
        except Exception:  # qtawesome raises for unknown names
            continue
        # qtawesome paints its font glyph at every paint; rendered once into pixmaps, an icon costs
        # a blit (toolbars repaint around live training views many times a second)
        out = QIcon()
        for size in ICON_SIZES:
            out.addPixmap(glyph.pixmap(size, size))
        return out
    return QIcon()
