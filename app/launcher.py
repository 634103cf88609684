"""Entry point of the `netcanvas` command: subcommands go to runtime.cli, anything else opens the editor."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from runtime.cli import COMMANDS

    if argv and (argv[0] in COMMANDS or argv[0].startswith("-")):
        from runtime.cli import main as cli_main

        return cli_main(argv)
    try:
        from app.main_window import run_editor
    except ImportError:  # the editor is not built yet: show the model instead
        from projects.examples import example_path
        from runtime.cli import main as cli_main

        return cli_main(["summary", argv[0] if argv else str(example_path("lenet5-classic"))])
    return run_editor(argv)


if __name__ == "__main__":
    sys.exit(main())
