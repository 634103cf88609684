"""GANs and VAEs in the editor: G/D (or reconstruction/KL) curves, the Samples tab live (2-D
points over the decision map, sample grids, reconstructions), step-by-step training while
paused, exploring the trained model (samples, latent walk, interpolation, latent map), the
generative evaluation report, part badges on the canvas, the task's settings sections in the
inspector and the export of one part. Tiny data and graphs: a few seconds each."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

RING = {"name": "gaussian-ring", "limit": 512, "val_fraction": 0.1}
FASHION = {"name": "fashion-mnist-small", "limit": 256, "val_fraction": 0.1}


def wire(g, pairs):
    for a, ap, b, bp in pairs:
        g.connect(a.id, ap, b.id, bp)


def ring_gan():
    """The 2-D GAN of GAN Lab: z (2) -> G (MLP) -> Real or generated <- points; D (MLP) -> GAN loss."""
    from projects.graph import Graph

    g = Graph()
    z = g.add_node("input.noise", "z", {"size": 2})
    g1 = g.add_node("core.dense", "G1", {"units": 32, "activation": "relu"})
    go = g.add_node("core.dense", "G_out", {"units": 2})
    real = g.add_node("input.vector", "Real", {"features": 2})
    sw = g.add_node("gan.real_or_generated", "Real or fake", {})
    d1 = g.add_node("core.dense", "D1", {"units": 32, "activation": "relu"})
    do = g.add_node("core.dense", "D_out", {"units": 1})
    head = g.add_node("head.gan", "GAN loss", {})
    wire(g, [(z, "out", g1, "in"), (g1, "out", go, "in"), (go, "out", sw, "generated"), (real, "out", sw, "real"),
             (sw, "out", d1, "in"), (d1, "out", do, "in"), (do, "out", head, "score")])
    return g


def small_vae(latent: int = 2, units: int = 32):
    from projects.graph import Graph

    g = Graph()
    x = g.add_node("input.image", "Image", {"channels": 1, "height": 28, "width": 28})
    f = g.add_node("core.flatten", "Flatten", {})
    e1 = g.add_node("core.dense", "Enc1", {"units": units, "activation": "relu"})
    lat = g.add_node("gen.vae_encoder_head", "Latent", {"latent": latent})
    dec = g.add_node("gen.decoder", "Decoder", {"kind": "mlp", "image_size": 28, "width": units})
    head = g.add_node("head.vae_elbo", "VAE loss", {})
    wire(g, [(x, "out", f, "in"), (f, "out", e1, "in"), (e1, "out", lat, "in"), (lat, "z", dec, "z"),
             (dec, "image", head, "recon"), (lat, "mu", head, "mu"), (lat, "logvar", head, "logvar")])
    return g


def small_cgan():
    """A conditional DCGAN on 16x16 images: the Class label feeds G and D."""
    from projects.graph import Graph

    g = Graph()
    z = g.add_node("input.noise", "z", {"size": 8})
    label = g.add_node("input.label", "Label", {"classes": 10})
    gen = g.add_node("gen.generator", "G", {"image_size": 16, "base_width": 4, "conditional": True, "classes": 10})
    real = g.add_node("input.image", "Real", {"channels": 1, "height": 16, "width": 16})
    sw = g.add_node("gan.real_or_generated", "Real or fake", {})
    dis = g.add_node("gen.discriminator", "D", {"base_width": 4, "conditional": True, "classes": 10})
    head = g.add_node("head.gan", "GAN loss", {})
    wire(g, [(z, "out", gen, "z"), (label, "out", gen, "label"), (gen, "image", sw, "generated"),
             (real, "out", sw, "real"), (sw, "out", dis, "image"), (label, "out", dis, "label"),
             (dis, "logit", head, "score")])
    return g


def project(graph, dataset, **training):
    from projects.project import Project
    from projects.training import complete_training

    settings = {"dataset": dict(dataset), "epochs": 1, "batch_size": 64, "log_every": 1,
                "d_optimizer": {"lr": 1e-3, "beta1": 0.5}, **training}
    return Project(graph=graph, training=complete_training(settings))


def open_project(window, p, auto_evaluate=False):
    window.doc.set_project(p, None)
    window.training.auto_evaluate = auto_evaluate


def trained(p):
    """``p`` trained headless (no editor), its run recorded as the editor records it."""
    from runtime.trainer import Trainer, record_run

    result = Trainer(p).run()
    assert result.status == "finished", result.reason
    record_run(p, result)
    return p


def wait_idle(qtbot, session, timeout=60_000) -> None:
    qtbot.waitUntil(lambda: session.state == "idle", timeout=timeout)


def node_id(graph, name: str) -> str:
    return next(nid for nid, n in graph.nodes.items() if n.name == name)


@pytest.mark.parametrize("mode", ["process"])
def test_gan_run_shows_gd_curves_points_and_steps_one_update_at_a_time(window, qtbot, mode):
    open_project(window, project(ring_gan(), RING, epochs=500))
    session, d = window.training, window.training.dashboard
    session.mode = mode  # step_once and samples go through the child's command queue
    assert d.tabs.isTabVisible(d.tabs.indexOf(d.samples))
    assert d.curves.loss_plot.getPlotItem().titleLabel.text == "Generator and discriminator losses"
    assert {"d_loss", "g_loss", "d_real", "d_fake", "val_d_loss"} <= set(d.curves.items)
    assert not d.samples.step_buttons["discriminator"].isEnabled()
    session.train()
    d.tabs.setCurrentWidget(d.samples)
    qtbot.waitUntil(lambda: d.samples.frames >= 2, timeout=60_000)
    assert d.samples.live.currentIndex() == 1  # the points view
    assert d.samples.points.heat.image.shape == (48, 48)
    assert len(d.samples.points.fake.data) == 1000 and len(d.samples.points.real.data) > 0
    assert "generated points" in d.samples.caption.text()
    qtbot.waitUntil(lambda: d.curves.point_count() >= 3, timeout=20_000)
    # pause, then one discriminator update: exactly one more step record, then still paused
    session.pause()
    qtbot.waitUntil(lambda: "Paused at epoch" in d.status.text(), timeout=10_000)
    assert d.samples.step_buttons["discriminator"].isEnabled() and d.samples.step_buttons["generator"].isVisible()
    qtbot.wait(200)
    steps = [r["step"] for r in d.curves.rows if r["kind"] == "step"]
    frames = d.samples.frames
    qtbot.mouseClick(d.samples.step_buttons["discriminator"], Qt.LeftButton)
    qtbot.waitUntil(lambda: len([r for r in d.curves.rows if r["kind"] == "step"]) > len(steps), timeout=10_000)
    qtbot.wait(400)
    after = [r["step"] for r in d.curves.rows if r["kind"] == "step"]
    assert after == steps + [steps[-1] + 1]
    assert "after one discriminator update" in d.status.text()
    qtbot.waitUntil(lambda: d.samples.frames > frames, timeout=5_000)  # the map after that update
    assert session.step_once("generator") and session.step_once(None)
    qtbot.waitUntil(lambda: len([r for r in d.curves.rows if r["kind"] == "step"]) == len(after) + 2,
                    timeout=10_000)
    assert session.state == "paused"
    session.stop()
    wait_idle(qtbot, session)
    assert not d.samples.step_buttons["discriminator"].isEnabled()
    assert window.doc.project.history["runs"][-1]["task"] == "gan"
    # the CSV has the GAN's metrics and both learning rates
    fields = d.curves.csv_fields()
    assert fields[:7] == ["kind", "epoch", "step", "d_loss", "g_loss", "d_real", "d_fake"]
    assert "lr" in fields and "lr_discriminator" in fields
    assert "D loss" in d.curves.readout_at(2)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_trained_2d_gan_explores_points_and_reports_modes(window, qtbot, tmp_path):
    p = trained(project(ring_gan(), RING))
    open_project(window, p)
    d = window.training.dashboard
    explore = d.samples.explore
    d.tabs.setCurrentWidget(d.samples)
    assert d.samples.pages.currentIndex() == 1  # a trained project opens on the trained model
    qtbot.waitUntil(lambda: {"samples", "walk"} <= set(explore.results), timeout=30_000)
    assert explore.results["samples"]["points"].shape == (1000, 2)
    assert explore.gan_views.currentIndex() == 1 and len(explore.gan_points.fake.data) == 1000
    walk = explore.results["walk"]["points"]
    assert walk.shape == (10, 2) and explore.gan_points.walk.isVisible()
    explore.seed.setValue(3)
    explore.new_samples()
    qtbot.waitUntil(lambda: explore.jobs.idle, timeout=10_000)
    assert not (explore.results["samples"]["points"] == walk[0]).all()
    # the Evaluation tab: modes covered instead of a confusion matrix
    d.evaluation.evaluate()
    qtbot.waitUntil(lambda: not d.evaluation.busy and d.evaluation.report is not None, timeout=60_000)
    assert d.evaluation.pages.currentWidget() is d.evaluation.page
    assert "modes covered" in d.evaluation.status.text()
    assert "Modes covered" in d.evaluation.page.text.text()
    assert not d.prediction.body.isVisible() and "Samples tab" in d.prediction.generative_note.text()
    # File > Export: the generator alone (the parts the GAN declares)
    ex = window.training.exports
    ex.show_parts()
    assert set(ex.part_menus) == {"generator", "discriminator"}
    written = ex.export_model("torchscript", str(tmp_path / "g.torchscript"), part="generator")
    assert written and written[0].exists(), window.errors
    import torch

    g = torch.jit.load(str(written[0]))
    assert tuple(g(torch.randn(5, 2)).shape) == (5, 2)
    # another project: nothing of this one stays in the views
    window.open_example("lenet5")
    assert not d.tabs.isTabVisible(d.tabs.indexOf(d.samples)) and d.samples.frames == 0
    assert explore.explorer is None and explore.results == {}
    assert d.evaluation.report is None and d.evaluation.pages.currentWidget() is d.evaluation.empty
    ex.show_parts()
    assert d.prediction.body.isVisibleTo(d.prediction) and ex.part_menus == {}
    assert d.curves.loss_plot.getPlotItem().titleLabel.text == "Loss" and "accuracy" in d.curves.items


def test_vae_run_shows_recon_kl_curves_reconstructions_then_explorer_and_report(window, qtbot):
    open_project(window, project(small_vae(latent=2), FASHION, epochs=2, batch_size=32), auto_evaluate=True)
    session, d = window.training, window.training.dashboard
    session.mode = "thread"
    d.tabs.setCurrentWidget(d.samples)
    session.train()
    qtbot.waitUntil(lambda: d.samples.frames >= 1, timeout=60_000)
    assert d.samples.live.currentIndex() == 0
    h, w = d.samples.grid.image.image.shape[:2]
    assert (h, w) == (2 * 28 + 2, 8 * 28 + 7 * 2)  # originals over reconstructions
    assert "reconstructions" in d.samples.caption.text()
    wait_idle(qtbot, session)
    assert d.curves.acc_plot.getPlotItem().titleLabel.text == "Reconstruction and KL"
    assert d.curves.series["step:recon"].n > 0 and d.curves.series["val:kl"].n == 2
    assert "validation KL" in d.status.text() or d.status.text()
    # the explorer of the trained VAE: prior samples, interpolation, 2-D latent map
    explore = d.samples.explore
    d.samples.show_page(1)
    qtbot.waitUntil(lambda: {"prior", "interpolation", "latent_map"} <= set(explore.results), timeout=30_000)
    r = explore.results["interpolation"]
    assert r["row"].shape == (9, 1, 28, 28) and r["ids"] == (0, 1)
    assert explore.vae_interp.image.image.shape == (28, 11 * 28 + 10 * 2)  # A, 9 steps, B
    assert explore.map_box.currentIndex() == 1 and len(explore.map_items) >= 2
    explore.image_a.setValue(5)
    explore.interpolate()
    qtbot.waitUntil(lambda: explore.results["interpolation"]["ids"] == (5, 1), timeout=10_000)
    # evaluated when the run finished: negative ELBO and the most unusual images
    qtbot.waitUntil(lambda: d.evaluation.report is not None, timeout=60_000)
    assert "negative ELBO" in d.evaluation.status.text()
    report = d.evaluation.report
    assert report["task"] == "vae" and report["transient"]["unusual_images"]
    (title, grid), = d.evaluation.page.galleries
    assert title.startswith("Most unusual") and grid.count() == len(report["anomaly"]["most_unusual"])


def test_conditional_gan_grid_has_a_row_per_class_and_frechet_report(window, qtbot):
    p = project(small_cgan(), FASHION, batch_size=32)
    open_project(window, p)
    session, d = window.training, window.training.dashboard
    session.mode = "thread"
    d.tabs.setCurrentWidget(d.samples)
    session.train()
    qtbot.waitUntil(lambda: d.samples.frames >= 1, timeout=60_000)
    wait_idle(qtbot, session)
    ticks = d.samples.grid.getPlotItem().getAxis("left")._tickLevels[0]
    assert [t for _, t in ticks][:2] == ["T-shirt/top", "Trouser"]
    assert "one row per class" in d.samples.caption.text()
    explore = d.samples.explore
    d.samples.show_page(1)
    qtbot.waitUntil(lambda: {"samples", "walk"} <= set(explore.results), timeout=30_000)
    assert explore.label.isVisible() and explore.label.count() == 11
    explore.label.setCurrentIndex(2)  # Trouser
    explore.new_samples()
    qtbot.waitUntil(lambda: explore.jobs.idle, timeout=10_000)
    assert explore.results["samples"]["labels"] == [1] * 64
    assert "class Trouser" in explore.gan_grid.getPlotItem().titleLabel.text
    d.evaluation.evaluate()
    qtbot.waitUntil(lambda: not d.evaluation.busy and d.evaluation.report is not None, timeout=120_000)
    text = d.evaluation.page.text.text()
    assert "Frechet distance" in text and "Not Inception's FID" in text and "Class agreement" in text


def test_canvas_badges_follow_the_parts(window, qtbot):
    open_project(window, project(ring_gan(), RING))
    scene, graph = window.scene, window.doc.graph
    qtbot.waitUntil(lambda: scene.nodes[node_id(graph, "G1")].part == "generator", timeout=2_000)
    assert scene.nodes[node_id(graph, "D1")].part == "discriminator"
    assert scene.nodes[node_id(graph, "GAN loss")].part == "discriminator"
    # a new block joins the generator once it is wired into it (an undo step, as the canvas makes it)
    from app import commands

    before = set(graph.nodes)
    window.doc.undo_stack.push(commands.AddNode(window.doc, "core.dense", [0.0, 300.0]))
    (new,) = set(graph.nodes) - before
    assert scene.nodes[new].part == ""
    g1 = node_id(graph, "G1")
    window.doc.undo_stack.push(commands.RemoveWires(window.doc, [graph.wire_into(g1, "in")]))
    window.doc.undo_stack.push(commands.Connect(window.doc, node_id(graph, "z"), "out", new, "in"))
    window.doc.undo_stack.push(commands.Connect(window.doc, new, "out", g1, "in"))
    qtbot.waitUntil(lambda: scene.nodes[new].part == "generator", timeout=2_000)
    window.doc.undo_stack.undo()
    qtbot.waitUntil(lambda: scene.nodes[new].part == "", timeout=2_000)
    window.doc.undo_stack.redo()
    qtbot.waitUntil(lambda: scene.nodes[new].part == "generator", timeout=2_000)
    qtbot.waitUntil(lambda: scene.nodes[new].part == "generator", timeout=2_000)
    window.doc.set_project(project(small_vae(), FASHION), None)
    qtbot.waitUntil(lambda: scene.nodes[node_id(window.doc.graph, "Enc1")].part == "encoder", timeout=2_000)
    assert scene.nodes[node_id(window.doc.graph, "Decoder")].part == "decoder"
    window.open_example("lenet5")
    assert all(item.part == "" for item in scene.nodes.values())


def test_inspector_shows_the_sections_of_the_project_task(window, qtbot):
    window.open_example("lenet5")
    sections = lambda: {sec for sec, _ in window.inspector.rows}  # noqa: E731
    assert not {"gan", "d_optimizer", "vae"} & sections()
    assert "optimizer" in sections()
    open_project(window, project(ring_gan(), RING))
    assert {"gan", "d_optimizer"} <= sections() and "vae" not in sections()
    window.doc.set_training(None, "task", "vae")
    qtbot.waitUntil(lambda: "vae" in sections(), timeout=2_000)
    assert not {"gan", "d_optimizer"} & sections()
    window.doc.set_training(None, "task", "auto")
    qtbot.waitUntil(lambda: "gan" in sections(), timeout=2_000)


def test_curves_follow_the_task_of_the_run(qtbot, tmp_path):
    """Without training: a GAN's run_started event, its steps and epochs, CSV, read-out, comparison."""
    import dataclasses

    from app.training.curves import CurvesView
    from app.training.taskinfo import spec_of_event, spec_of_task
    from runtime.tasks import task_declaration

    view = CurvesView()
    qtbot.addWidget(view)
    gan = task_declaration("gan")
    started = {"task": "gan", "epochs": 2, "steps_per_epoch": 4, "plots": list(gan.plots),
               "metrics": [dataclasses.asdict(m) for m in gan.metrics]}
    view.set_spec(spec_of_event(started))
    view.start_run(started)
    assert view.acc_plot.getPlotItem().titleLabel.text == "D(x) and D(G(z))"
    steps = [{"epoch": 1, "step": s, "d_loss": 1.3 - 0.1 * s, "g_loss": 0.7 + 0.05 * s, "d_real": 0.5, "d_fake": 0.4,
              "lr": 2e-4, "lr_discriminator": 1e-4} for s in (1, 2, 3, 4)]
    for e in steps:
        view.add_step(e)
    epoch = {"epoch": 1, "step": 4, "d_loss": 1.1, "g_loss": 0.8, "d_real": 0.55, "d_fake": 0.42, "lr": 2e-4,
             "val_d_loss": 1.2, "val_g_loss": 0.9, "val_d_real": 0.6, "val_d_fake": 0.3}
    view.add_epoch(epoch)
    view.refresh()
    assert list(view.items["g_loss"].getData()[0]) == [1, 2, 3, 4]
    assert list(view.items["val_d_fake"].getData()[1]) == [0.3]
    assert view.epoch_text(epoch).startswith("Epoch 1: D loss 1.1000, G loss 0.8000")
    assert "validation D(G(z)) 0.3000" in view.epoch_text(epoch)
    assert view.readout_at(3).startswith("step 3: D loss 1.0000, G loss 0.8500")
    text = view.export_csv(tmp_path / "gan.csv").read_text().splitlines()
    assert text[0] == ("kind,epoch,step,d_loss,g_loss,d_real,d_fake,val_d_loss,val_g_loss,val_d_real,val_d_fake,"
                       "lr,lr_discriminator")
    runs = [{"id": f"r{i}", "task": "gan", "steps": steps, "epochs": [epoch]} for i in (1, 2)]
    view.set_runs(runs)
    view.compare([0, 1])
    assert len(view.compare_items) == 8  # 4 metrics of 2 runs
    view.x_mode.setCurrentIndex(1)
    assert len(view.compare_items) == 8 and view.readout_at(1).startswith("epoch 1: D loss 1.1000")
    # a regression: the loss, and the validation errors on the right (R² is not put on a log scale)
    view.set_spec(spec_of_task("regression"))
    assert view.acc_plot.getPlotItem().titleLabel.text == "Validation error" and view.compare_items == []
    assert {"loss", "val_loss", "val_mae", "val_mse", "val_r2"} == set(view.items)
    view.log_scale.setChecked(True)
    assert view.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert not view.acc_plot.getPlotItem().ctrl.logYCheck.isChecked()


@pytest.mark.parametrize("name", ["dcgan-fashion", "cgan-fashion", "gan-ring", "vae-fashion", "vae-2d"])
def test_each_generative_example_trains_from_the_editor(window, qtbot, name):
    from projects.examples import example_path

    assert window.open_file(example_path(name)), window.errors
    p = window.doc.project
    # the shipped recipe on a few images: the run goes through the editor's real path
    p.training.update(epochs=1, batch_size=32, log_every=2)
    p.training["dataset"]["limit"] = 128
    session, d = window.training, window.training.dashboard
    session.mode = "thread"
    session.auto_evaluate = False
    d.tabs.setCurrentWidget(d.samples)
    session.train()
    wait_idle(qtbot, session)
    assert p.history["runs"][-1]["status"] == "finished", d.status.text()
    assert d.samples.frames >= 1  # the live samples or reconstructions were drawn
    assert not window.errors


def test_a_long_shape_and_its_parameter_count_share_the_card_line_without_overlap(window, qtbot):
    from PySide6.QtGui import QFontMetricsF

    from app.canvas.node_item import WIDTH, compact_count
    from projects.examples import example_path

    assert compact_count(390_181) == "390k" and compact_count(2_500_000) == "2.5M" and compact_count(999) == "999"
    assert window.open_file(example_path("cgan-fashion"))
    item = window.scene.nodes[node_id(window.doc.graph, "Generator")]
    shape_text, font, _ = item._texts[3]
    metrics = QFontMetricsF(font)
    used = 12 + metrics.horizontalAdvance(shape_text.text()) + 8 + item._params.size().width()
    assert used <= WIDTH - 10 and item._params.text() == "390k params"
    assert window.scene.nodes[node_id(window.doc.graph, "Discriminator")]._params.text() == "187,297 params"
