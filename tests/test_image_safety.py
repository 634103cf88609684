"""Images from disk: decompression bombs refused from the header in one sentence, 16-bit and
palette images converted from their full range (not clipped)."""
from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from runtime.data import DatasetError
from runtime.data.folder import open_image


def png_header_only(path, width: int, height: int) -> None:
    """A PNG whose header claims width x height gray pixels, with one tiny compressed row."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
                     + chunk(b"IEND", b""))


@pytest.mark.parametrize("width,height", [(100_000, 100_000), (20_000, 20_000), (8000, 8000)])
def test_huge_images_are_refused_from_the_header(tmp_path, width, height):
    path = tmp_path / "bomb.png"
    png_header_only(path, width, height)
    t0 = time.perf_counter()
    with pytest.raises(DatasetError) as info:
        open_image(path, 1)
    assert time.perf_counter() - t0 < 1.0
    message = str(info.value)
    assert "than NetCanvas reads" in message and "scale it down first" in message and "\n" not in message


def test_sixteen_bit_gray_keeps_its_range(tmp_path):
    values = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    with Image.open(path) as img:
        assert img.mode.startswith("I")
    gray = open_image(path, 1)
    assert gray.shape == (1, 64, 64)
    assert abs(gray.mean() / 255 - 0.5) < 0.01  # the model sees the picture, not a white square
    assert gray.min() == 0 and gray.max() == 255
    rgb = open_image(path, 3)
    assert rgb.shape == (3, 64, 64) and (rgb[0] == rgb[2]).all()


def test_palette_images_go_through_their_palette(tmp_path):
    img = Image.new("P", (8, 8))
    img.putpalette([0, 0, 0, 200, 100, 50] + [0] * (254 * 3))
    img.paste(1, (0, 0, 8, 4))
    path = tmp_path / "palette.png"
    img.save(path)
    rgb = open_image(path, 3)
    assert tuple(rgb[:, 0, 0]) == (200, 100, 50) and tuple(rgb[:, 7, 7]) == (0, 0, 0)
