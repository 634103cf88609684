"""The sections of a VAE's evaluation report (no torch): the negative ELBO per image as
reconstruction + KL, the anomaly scores by class and the most unusual test images."""
from __future__ import annotations

from ... import reports as R


def describe(r: dict) -> list[dict]:
    a = r.get("anomaly") or {}
    summary = (f"{r['split']} set: {r['samples']:,} samples of '{r['dataset']}': negative ELBO {r['neg_elbo']:.2f} per "
               f"image = reconstruction {r['recon']:.2f} + KL {r['kl']:.2f}")
    lines = [f"Negative ELBO per image {r['neg_elbo']:.3f} = reconstruction {r['recon']:.3f} + KL {r['kl']:.3f} "
             f"(one sampled z per image; lower is better); latent size {r['latent']}"
             + (f"; the trained loss, with beta {r['beta']:g}: {r['loss']:.3f}" if r["beta"] != 1 else "") + "."]
    out = [R.summary(summary), R.text(*lines)]
    if a:
        unusual = ", ".join(f"#{u['index']}" + (f" ({u['class']})" if u.get("class") else "") + f" {u['score']:.1f}"
                            for u in a["most_unusual"][:5])
        out.append(R.text(f"Anomaly score (reconstruction error of each test image): mean {a['mean']:.2f}, median "
                          f"{a['median']:.2f}, 95th percentile {a['p95']:.2f}, max {a['max']:.2f}; images the VAE "
                          "rebuilds badly are unusual for it.", f"Most unusual: {unusual}"))
        per_class = a.get("per_class") or {}
        if per_class:
            rows = [[name, f"{score:.2f}"] for name, score in sorted(per_class.items(), key=lambda kv: -kv[1])]
            out.append(R.table("Mean anomaly score per class", ["class", "mean anomaly score"], rows))
        out.append(R.pictures("Most unusual test images (highest scores)", "unusual_images",
                              [(f"{u['class']}\n" if u.get("class") else "") + f"#{u['index']} · {u['score']:.1f}"
                               for u in a.get("most_unusual") or []]))
    return out
