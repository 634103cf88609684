"""Training from the editor: a worker runs the runtime's Trainer on a frozen copy of the project
(in a thread or a spawned process), a QTimer drains its events into the dashboard's live views.
No training logic here: everything that trains, evaluates, predicts or exports is in runtime/.

This package's __init__ imports no Qt and no torch (the process worker's child imports it)."""
