"""Builds glosses.tsv, the bundled text-classification corpus, from Debian's WordNet 3.0.

    apt-get install wordnet-base
    python resources/datasets/wordnet-glosses/make_corpus.py [--source /usr/share/wordnet]

Each line is ``category<TAB>definition``: the definition of one noun synset (its gloss without
the quoted usage examples) labelled with the lexicographer file the synset belongs to. The
script draws ``--per-class`` synsets of each category with ``numpy.random.default_rng(seed)``
from the synsets in file order, then shuffles all lines together, so a run with the same
WordNet files and arguments writes the same bytes.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# Lexicographer file numbers of WordNet 3.0 (the lexnames(5WN) manual page) -> the label written.
CATEGORIES = {5: "animal", 6: "artifact", 13: "food", 15: "location", 18: "person", 20: "plant"}


def definitions(data_noun: Path) -> dict[str, list[str]]:
    """Every noun synset's definition, grouped by category, in file order."""
    out: dict[str, list[str]] = {label: [] for label in CATEGORIES.values()}
    for line in data_noun.read_text(encoding="utf-8").splitlines():
        if line.startswith("  "):  # the licence header
            continue
        fields, _, gloss = line.partition(" | ")
        label = CATEGORIES.get(int(fields.split()[1]))
        definition = gloss.split('; "')[0].strip().strip(";").strip()
        if label and definition:
            out[label].append(definition.replace("\t", " "))
    return out


def build(source: Path, per_class: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    lines = []
    for label, texts in definitions(source / "data.noun").items():
        if len(texts) < per_class:
            raise SystemExit(f"only {len(texts)} {label} synsets in {source}: lower --per-class")
        lines += [f"{label}\t{texts[i]}" for i in sorted(rng.choice(len(texts), per_class, replace=False))]
    return [lines[i] for i in rng.permutation(len(lines))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=Path("/usr/share/wordnet"), help="folder with data.noun")
    ap.add_argument("--per-class", type=int, default=1000, help="definitions per category")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", type=Path, default=HERE / "glosses.tsv")
    args = ap.parse_args()
    lines = build(args.source, args.per_class, args.seed)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    print(f"wrote {len(lines)} lines to {args.output}")


if __name__ == "__main__":
    main()
