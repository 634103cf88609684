"""The Qt face of NetCanvas (the only package that imports PySide6, pyqtgraph, qtawesome)."""
