"""The sections of a denoising report (no torch): the test PSNR of the noisy and the denoised images,
and a few test images noisy, denoised and clean."""
from __future__ import annotations

from runtime import reports as R


def describe(r: dict) -> list[dict]:
    gain = r["psnr"] - r["noisy_psnr"]
    return [R.summary(f"{r['split']} set: {r['samples']:,} images of '{r['dataset']}': PSNR {r['psnr']:.2f} dB denoised, "
                      f"{r['noisy_psnr']:.2f} dB noisy (noise {r['noise_std']:g})"),
            R.figures(("loss", f"{r['loss']:.5f}"), ("PSNR", f"{r['psnr']:.2f} dB"),
                      ("noisy PSNR", f"{r['noisy_psnr']:.2f} dB"), ("gain", f"{gain:+.2f} dB")),
            R.pictures("Test images: noisy, denoised, clean", "triples",
                       [f"#{i} {what}" for i in r.get("shown", []) for what in ("noisy", "denoised", "clean")])]
