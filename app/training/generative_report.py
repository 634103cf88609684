"""The Evaluation tab's page for a GAN or a VAE (runtime.evaluate_generative's report). GAN: the
adversarial losses on the test split, the Frechet distance in a small classifier's feature
space (with that classifier's test accuracy; not Inception's FID), the class agreement of a
conditional GAN, or the modes covered by a 2-D GAN. VAE: the negative ELBO per image as
reconstruction + KL, the anomaly scores by class and the most unusual test images."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QTableWidgetItem, QVBoxLayout, QWidget

from .pictures import to_qimage
from .report_widgets import read_only_table, scrolling_grid

FID_NOTE = ("Not Inception's FID: the features come from a small classifier trained on this dataset (there are "
            "no Inception weights offline), so compare it only with other runs on the same dataset.")


def gan_summary(r: dict) -> str:
    """The status line of a GAN report."""
    head = f"{r['samples']:,} test samples of '{r['dataset']}'"
    if "frechet_distance" in r:
        return f"{head}: Frechet distance {r['frechet_distance']:.2f} (lower is better)"
    if "modes_covered" in r:
        return (f"{head}: {r['modes_covered']} of {r['modes']} modes covered, {r['high_quality']:.0%} "
                "high-quality samples")
    return f"{head}: D loss {r['d_loss']:.4f}, G loss {r['g_loss']:.4f}"


def vae_summary(r: dict) -> str:
    return (f"{r['samples']:,} test samples of '{r['dataset']}': negative ELBO {r['neg_elbo']:.2f} per image "
            f"= reconstruction {r['recon']:.2f} + KL {r['kl']:.2f}")


def gan_details(r: dict) -> str:
    rows = []
    if "frechet_distance" in r:
        fc = r.get("feature_classifier") or {}
        acc = fc.get("test_accuracy")
        rows.append(f"<b>Frechet distance</b> {r['frechet_distance']:.2f} between {r.get('generated', 0):,} generated "
                    f"and {r['samples']:,} test images (lower is better), in the {fc.get('features', '?')}-d features "
                    "of a classifier" + (f" that gets {acc:.1%} of the test images right" if acc is not None else "")
                    + f".<br><small>{FID_NOTE}</small>")
    if "class_agreement" in r:
        rows.append(f"<b>Class agreement</b> {r['class_agreement']:.1%}: share of the samples that the classifier puts "
                    "in the class they were generated for (a conditional GAN that follows its labels scores high).")
    if "modes_covered" in r:
        rows.append(f"<b>Modes covered</b> {r['modes_covered']} of {r['modes']} (at least 20 of 2,500 samples "
                    f"within 3 standard deviations of a mode); <b>high-quality samples</b> {r['high_quality']:.1%} "
                    "(that close to some mode). A GAN that covers few modes has collapsed.")
    rows.append(f"<b>On the test split</b>: D loss {r['d_loss']:.4f}, G loss {r['g_loss']:.4f}, D(x) {r['d_real']:.3f} "
                f"on real samples, D(G(z)) {r['d_fake']:.3f} on generated ones (the closer they are, the less D "
                "can tell them apart).")
    return "<br><br>".join(rows)


def vae_details(r: dict) -> str:
    a = r.get("anomaly") or {}
    rows = [f"<b>Negative ELBO</b> {r['neg_elbo']:.2f} per image = <b>reconstruction</b> {r['recon']:.2f} + "
            f"<b>KL</b> {r['kl']:.2f} (one sampled z per image; lower is better). The training loss weights the KL "
            f"by beta = {r['beta']:g}: {r['loss']:.2f}. Latent size {r['latent']}."]
    if a:
        rows.append(f"<b>Anomaly scores</b> (reconstruction error of each test image): mean {a['mean']:.2f}, median "
                    f"{a['median']:.2f}, 95th percentile {a['p95']:.2f}, max {a['max']:.2f}. Images the VAE "
                    "rebuilds badly are unusual for it.")
    return "<br><br>".join(rows)


class GenerativeReport(QWidget):
    """The report as text, a per-class table of anomaly scores and thumbnails of unusual images."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.details = QLabel(" ")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.RichText)
        self.details.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table = read_only_table(["Class", "Mean anomaly score"])
        self.unusual_box, self.unusual_grid, scroll = scrolling_grid()
        self.unusual = QWidget()
        ul = QVBoxLayout(self.unusual)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addWidget(QLabel("Most unusual test images (highest scores)"))
        ul.addWidget(scroll, 1)
        text = QScrollArea()
        text.setWidgetResizable(True)
        text.setWidget(self.details)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(text, 3)
        lay.addWidget(self.table, 2)
        lay.addWidget(self.unusual, 3)

    def clear(self) -> None:
        self.details.setText(" ")
        self.table.setRowCount(0)
        self._thumbnails([], [])

    def show_report(self, r: dict) -> str:
        """Fill the page; returns the status line."""
        vae = r["task"] == "vae"
        self.details.setText(vae_details(r) if vae else gan_details(r))
        per_class = (r.get("anomaly") or {}).get("per_class") or {}
        self.table.setVisible(bool(per_class))
        self.table.setRowCount(len(per_class))
        for row, (name, score) in enumerate(sorted(per_class.items(), key=lambda kv: -kv[1])):
            for col, text in enumerate((name, f"{score:.2f}")):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
        self._thumbnails((r.get("anomaly") or {}).get("most_unusual") or [], r.get("unusual_images") or [])
        self.unusual.setVisible(vae)
        return vae_summary(r) if vae else gan_summary(r)

    def _thumbnails(self, entries: list[dict], images: list) -> None:
        while self.unusual_grid.count():
            w = self.unusual_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for i, (info, img) in enumerate(zip(entries, images)):
            pic = QLabel()
            pic.setPixmap(QPixmap.fromImage(to_qimage(img)).scaled(56, 56, Qt.KeepAspectRatio, Qt.FastTransformation))
            what = f"<b>{info['class']}</b><br>" if info.get("class") else ""
            text = QLabel(f"{what}#{info['index']} · {info['score']:.1f}")
            text.setAlignment(Qt.AlignHCenter)
            cell = QWidget()
            cl = QVBoxLayout(cell)
            cl.setContentsMargins(0, 0, 0, 0)
            cl.addWidget(pic, 0, Qt.AlignHCenter)
            cl.addWidget(text, 0, Qt.AlignHCenter)
            self.unusual_grid.addWidget(cell, i // 4, i % 4)
