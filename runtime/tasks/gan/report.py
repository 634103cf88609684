"""The sections of a GAN's evaluation report (no torch): the adversarial losses on the test split,
the Frechet distance in a small classifier's feature space (not Inception's FID), the class
agreement of a conditional GAN, or the modes a 2-D GAN covers."""
from __future__ import annotations

from ... import reports as R

FID_NOTE = ("Not Inception's FID: the features come from a small classifier trained on this dataset (there are "
            "no Inception weights offline), so compare it only with other runs on the same dataset.")


def summary(r: dict) -> str:
    head = f"{r['split']} set: {r['samples']:,} samples of '{r['dataset']}'"
    if "frechet_distance" in r:
        return f"{head}: Frechet distance {r['frechet_distance']:.2f} (lower is better)"
    if "modes_covered" in r:
        return (f"{head}: {r['modes_covered']} of {r['modes']} modes covered, {r['high_quality']:.0%} "
                "high-quality samples")
    return f"{head}: D loss {r['d_loss']:.4f}, G loss {r['g_loss']:.4f}"


def describe(r: dict) -> list[dict]:
    lines = []
    if "frechet_distance" in r:
        fc = r.get("feature_classifier") or {}
        acc = fc.get("test_accuracy")
        lines.append(f"Frechet distance {r['frechet_distance']:.3f} between {r['samples']:,} test and "
                     f"{r.get('generated', 0):,} generated images (lower is better), in the {fc.get('features', '?')}-d "
                     "features of a classifier trained on the dataset"
                     + (f", which gets {acc:.1%} of the test images right" if acc is not None else "") + ".")
        lines.append(FID_NOTE)
    if "class_agreement" in r:
        lines.append(f"Class agreement {r['class_agreement']:.1%}: the share of samples the classifier puts in the "
                     "class they were generated for (a conditional GAN that follows its labels scores high).")
    if "modes_covered" in r:
        lines.append(f"Modes covered {r['modes_covered']} of {r['modes']} (at least 20 of 2,500 samples within 3 "
                     f"standard deviations of a mode); high-quality samples {r['high_quality']:.1%} (that close to "
                     "some mode). A GAN that covers few modes has collapsed.")
    return [R.summary(summary(r)),
            R.figures(("D loss", f"{r['d_loss']:.4f}"), ("G loss", f"{r['g_loss']:.4f}"), ("D(x)", f"{r['d_real']:.3f}"),
                      ("D(G(z))", f"{r['d_fake']:.3f}")),
            R.text(*lines, "On the test split: the closer D(x) on real samples and D(G(z)) on generated ones are, the "
                           "less the discriminator can tell them apart.")]
