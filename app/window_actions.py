"""The editor window's actions: File, Edit and View menus, the main toolbar and the shortcuts.
A mixin of MainWindow (``self`` is the window); the Train menu and File > Export are added by the
training controller (app/training/runs.py)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from .theme import icon


class WindowActions:
    def _action(self, key: str, text: str, slot, shortcut=None, icon_name: str | None = None,
                tip: str = "") -> QAction:
        act = QAction(text, self)
        if icon_name:
            act.setIcon(icon(icon_name))
        if shortcut is not None:
            seqs = shortcut if isinstance(shortcut, list) else [shortcut]
            act.setShortcuts([QKeySequence(s) for s in seqs])
        act.setShortcutContext(Qt.WindowShortcut)
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        self.addAction(act)
        self.actions[key] = act
        return act

    def _build_actions(self) -> None:
        c, a = self.controller, self._action
        stack = self.doc.undo_stack
        a("new", "&New", self.new_file, QKeySequence.New, "mdi6.file-outline", "Empty canvas with an image input")
        a("new_example", "New from &example…", self.new_from_example, None, "mdi6.school-outline")
        a("open", "&Open…", self.open_dialog, QKeySequence.Open, "mdi6.folder-open-outline")
        a("save", "&Save", self.save, QKeySequence.Save, "mdi6.content-save-outline")
        a("save_as", "Save &As…", self.save_as, "Ctrl+Shift+S", "mdi6.content-save-edit-outline")
        a("revert", "Re&vert to Saved", self.revert, None, "mdi6.file-restore-outline",
          "Throw away the changes since the last save and reopen the file")
        a("quit", "&Quit", self.close, QKeySequence.Quit)
        undo = stack.createUndoAction(self, "&Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        undo.setIcon(icon("mdi6.undo"))
        redo = stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.setIcon(icon("mdi6.redo"))
        for act in (undo, redo):
            self.addAction(act)
        self.actions.update(undo=undo, redo=redo)
        a("cut", "Cu&t", c.cut, "Ctrl+X", "mdi6.content-cut")
        a("copy", "&Copy", c.copy, "Ctrl+C", "mdi6.content-copy")
        a("paste", "&Paste", c.paste, "Ctrl+V", "mdi6.content-paste")
        a("duplicate", "&Duplicate", c.duplicate, "Ctrl+D", "mdi6.content-duplicate")
        a("delete", "De&lete", c.delete_selection, ["Delete", "Backspace"], "mdi6.delete-outline")
        a("select_all", "Select &All", c.select_all, "Ctrl+A")
        a("frame", "&Frame All", self.view.frame_all, "F", "mdi6.fit-to-screen-outline")
        a("reset_zoom", "&Reset Zoom", self.view.reset_zoom, "Ctrl+0", "mdi6.magnify-scan")
        a("zoom_in", "Zoom &In", lambda: self.view.set_zoom(self.view.zoom() * 1.25), "Ctrl++",
          "mdi6.magnify-plus-outline")
        a("zoom_out", "Zoom &Out", lambda: self.view.set_zoom(self.view.zoom() / 1.25), "Ctrl+-",
          "mdi6.magnify-minus-outline")
        a("layout", "Auto &Layout", c.auto_layout, "Ctrl+L", "mdi6.sitemap-outline",
          "Arrange the blocks left to right by layers")
        a("expand", "E&xpand Composite Block", self.toggle_expand, "E", "mdi6.arrow-expand-vertical")
        a("find", "&Find Block…", self.palette.focus_search, "Ctrl+F", "mdi6.magnify")
        menus = self.menuBar()
        file_menu = self.file_menu = menus.addMenu("&File")
        for key in ("new", "new_example", "open"):
            file_menu.addAction(self.actions[key])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        for key in ("save", "save_as", "revert", None, "quit"):
            file_menu.addSeparator() if key is None else file_menu.addAction(self.actions[key])
        edit_menu = menus.addMenu("&Edit")
        for key in ("undo", "redo", None, "cut", "copy", "paste", "duplicate", "delete", None, "select_all"):
            edit_menu.addSeparator() if key is None else edit_menu.addAction(self.actions[key])
        view_menu = menus.addMenu("&View")
        for key in ("frame", "reset_zoom", "zoom_in", "zoom_out", None, "layout", "expand", "find"):
            view_menu.addSeparator() if key is None else view_menu.addAction(self.actions[key])
        view_menu.addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.bottom_dock):
            view_menu.addAction(dock.toggleViewAction())
        bar = self.main_toolbar = self.addToolBar("Main")
        bar.setObjectName("main_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonIconOnly)
        for key in ("new", "open", "save", None, "undo", "redo", None, "delete", "layout", "frame",
                    "zoom_in", "zoom_out"):
            bar.addSeparator() if key is None else bar.addAction(self.actions[key])
