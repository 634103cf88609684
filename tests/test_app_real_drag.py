"""A real mouse drag (xdotool on Xvfb) from the palette onto the canvas adds the block; skipped
where Xvfb or xdotool are missing."""
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")),
                                reason="needs Xvfb and xdotool")


def test_real_mouse_drag_from_palette(tmp_path):
    display = f":{random.randint(500, 900)}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path / "c"),
                   XDG_DATA_HOME=str(tmp_path / "d"))
        child = Path(__file__).with_name("real_drag_child.py")
        out = subprocess.run([sys.executable, str(child)], env=env, capture_output=True, text=True, timeout=60,
                             cwd=Path(__file__).parents[1])
        assert out.returncode == 0, out.stdout + out.stderr
        assert "before=1 after=2" in out.stdout
    finally:
        xvfb.terminate()
        xvfb.wait(5)
