"""Train > Write TensorBoard Logs: the chosen folder (remembered), and one event-file folder per
editor run, written like `netcanvas train --tensorboard` writes them."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from runtime.tensorboard_sink import TensorBoardError, tensorboard_sink


class TensorBoardLog:
    def __init__(self, window, say):
        self.window, self.say = window, say  # say(text): a banner sentence
        self.folder = str(window.settings.value("training/tensorboard_dir", "") or "")
        window.actions["tensorboard"].setChecked(bool(self.folder))
        self.sink = None  # the running run's TensorBoard sink

    def ask_folder(self) -> str:
        return QFileDialog.getExistingDirectory(self.window, "Folder for TensorBoard logs", self.folder or "")

    def choose(self) -> None:
        """The Train menu's toggle: on asks for the folder (runs go into a subfolder each), off stops."""
        act = self.window.actions["tensorboard"]
        folder = self.ask_folder() if act.isChecked() else ""
        self.folder = folder
        act.setChecked(bool(folder))
        self.window.settings.setValue("training/tensorboard_dir", folder)

    def start_run(self, path: Path | None) -> None:
        self.close()
        if not self.folder:
            return
        name = path.stem if path else Path(self.window.display_name).stem
        try:
            self.sink = tensorboard_sink(self.folder, name)
        except TensorBoardError as e:
            self.say(f"No TensorBoard logs for this run: {e}")

    def write(self, events: list[dict]) -> None:
        if self.sink is None:
            return
        for e in events:
            if e["event"] == "_done":
                continue
            try:
                self.sink(e)
            except Exception as exc:  # a full disk must not stop the run or the editor
                self.say(f"TensorBoard logs stopped: {exc}")
                self.close()
                return

    def close(self) -> None:
        if self.sink is not None:
            try:
                self.sink.close()
            finally:
                self.sink = None
