"""The zoomable, pannable view of the canvas: wheel zoom around the cursor, middle-button or
space+drag pan, rubber-band selection, frame-all, and drops from the palette."""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsView

from projects.layout import READABLE_ZOOM

BLOCK_MIME = "application/x-netcanvas-block-type"
MIN_ZOOM, MAX_ZOOM = 0.15, 3.0


class CanvasView(QGraphicsView):
    block_dropped = Signal(str, QPointF)  # type id, scene position
    zoom_changed = Signal(float)

    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.DontSavePainterState)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self._pan_from: QPointF | None = None
        self._space = False

    # ---- zoom -------------------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, value: float) -> None:
        value = max(MIN_ZOOM, min(MAX_ZOOM, value))
        factor = value / self.zoom()
        if abs(factor - 1) > 1e-6:
            self.scale(factor, factor)
            self.setCacheMode(QGraphicsView.CacheBackground)
            self.resetCachedContent()
            self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom() * (1.15 ** steps))
        event.accept()

    def reset_zoom(self) -> None:
        self.set_zoom(1.0)

    def frame_all(self, readable: bool = False) -> None:
        """Fit every block in the window (zoom at most 1). ``readable``: never below READABLE_ZOOM,
        where text is still legible; a graph too large for that is shown from its top-left
        (where the inputs are) instead of shrunk to a smudge."""
        items = [i for i in self.scene().items() if i.parentItem() is None]
        if not items:
            return
        rect = items[0].sceneBoundingRect()
        for item in items[1:]:
            rect = rect.united(item.sceneBoundingRect())
        rect.adjust(-40, -40, 40, 40)
        self.resetTransform()
        self.fitInView(rect, Qt.KeepAspectRatio)
        floor = READABLE_ZOOM if readable else MIN_ZOOM
        if self.zoom() > 1.0:
            self.resetTransform()
        elif self.zoom() < floor:
            self.set_zoom(floor)
            view = self.mapToScene(self.viewport().rect()).boundingRect()
            self.centerOn(rect.left() + view.width() / 2, rect.top() + view.height() / 2)
            self.resetCachedContent()
            self.zoom_changed.emit(self.zoom())
            return
        self.centerOn(rect.center())
        self.resetCachedContent()
        self.zoom_changed.emit(self.zoom())

    def reveal(self, item) -> None:
        """Scroll so that ``item`` (a block just added) is in view, keeping the zoom."""
        self.ensureVisible(item.sceneBoundingRect(), 60, 60)

    # ---- pan ----------------------------------------------------------------------------------
    def keyPressEvent(self, event):
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setDragMode(QGraphicsView.ScrollHandDrag)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setDragMode(QGraphicsView.RubberBandDrag)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event):
        if event.button() == Qt.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ---- drops from the palette -----------------------------------------------------------------
    def dragEnterEvent(self, event):
        if event.mimeData().hasFormat(BLOCK_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event):
        if event.mimeData().hasFormat(BLOCK_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event):
        mime = event.mimeData()
        if mime.hasFormat(BLOCK_MIME):
            type_id = bytes(mime.data(BLOCK_MIME)).decode("utf-8")
            self.block_dropped.emit(type_id, self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
        else:
            super().dropEvent(event)
