"""The training contract with GANs and VAEs: each loss and stabilizer trains, the losses, the
gradient penalty, the reparameterization and the KL match hand computations, k D steps per G
step, step-by-step training, conditional labels, interpolation end points, and the task list."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

import generative_graphs as gg
from nodes.heads import GANHead, VAEELBOHead
from runtime.events import RunControl
from runtime.tasks import declarations, task_declaration, training_of, use_of
from runtime.tasks.vae.training import kl_weight
from runtime.trainer import Trainer, record_run


def run(project, overrides=None, control=None):
    events = []
    result = Trainer(project, overrides or {}, [events.append], control or RunControl()).run()
    return result, events


def of(events, kind):
    return [e for e in events if e["event"] == kind]


def test_every_declared_task_has_its_training_and_its_use():
    for name in declarations():
        assert training_of(name) and use_of(name)
    assert task_declaration("gan").monitors == () and task_declaration("vae").monitors[0] == "val_loss"


# ---- losses against hand computations ---------------------------------------------------------------
def test_gan_losses_match_their_formulas():
    real, fake = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([-3.0, 0.2, 1.0])
    p = GANHead.complete({})
    bce = F.binary_cross_entropy_with_logits
    assert torch.isclose(GANHead.d_loss(p, real, fake), bce(real, torch.ones(3)) + bce(fake, torch.zeros(3)))
    assert torch.isclose(GANHead.g_loss(p, fake), -F.logsigmoid(fake).mean())  # non-saturating: -log D(G(z))
    smooth = GANHead.complete({"label_smoothing": 0.1})
    assert torch.isclose(GANHead.d_loss(smooth, real, fake), bce(real, torch.full((3,), 0.9)) + bce(fake, torch.zeros(3)))
    hinge = GANHead.complete({"loss": "hinge"})
    assert torch.isclose(GANHead.d_loss(hinge, real, fake), F.relu(1 - real).mean() + F.relu(1 + fake).mean())
    assert torch.isclose(GANHead.g_loss(hinge, fake), -fake.mean())
    wgan = GANHead.complete({"loss": "wgan-gp"})
    assert torch.isclose(GANHead.d_loss(wgan, real, fake), fake.mean() - real.mean())
    assert torch.isclose(GANHead.confidence(p, torch.tensor([0.0])), torch.tensor([0.5]))


def test_gradient_penalty_of_a_linear_critic_is_its_weight_norm_minus_one_squared():
    project = gg.project(gg.point_gan("wgan-gp"), gg.RING, epochs=1)
    trainer = Trainer(project, {"epochs": 1})
    trainer.run()
    task = trainer.task
    D = task.models.D  # made linear below: D(x) = w . x + const, so grad_x D = w everywhere
    w = torch.tensor([[3.0, 4.0]])
    d1 = next(m for m in D.modules() if isinstance(m, torch.nn.Linear) and m.in_features == 2)
    d_out = next(m for m in D.modules() if isinstance(m, torch.nn.Linear) and m.out_features == 1)
    with torch.no_grad():
        d1.weight.zero_()
        d1.weight[:2, :2] = torch.eye(2)
        d1.bias.fill_(10.0)  # keeps the leaky ReLU in its linear part
        d_out.weight.zero_()
        d_out.weight[0, :2] = w[0]
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    assert math.isclose(task.gradient_penalty(real, fake, None).item(), (5.0 - 1.0) ** 2, rel_tol=1e-5)


def test_vae_terms_reparameterization_and_kl_match_hand_computations():
    from nodes.modules import torch_modules

    mu, logvar = torch.tensor([[0.5, -1.0]]), torch.tensor([[0.2, -0.4]])
    kl_hand = -0.5 * sum(1 + lv - m ** 2 - math.exp(lv) for m, lv in zip([0.5, -1.0], [0.2, -0.4]))
    recon, target = torch.tensor([[[[0.9, 0.2]]]]), torch.tensor([[[[1.0, 0.0]]]])
    rec_hand = -(math.log(0.9) + math.log(0.8))
    p = VAEELBOHead.complete({"beta": 2.0})
    rec, kl = VAEELBOHead.loss_terms(p, [recon, mu, logvar], target)
    assert math.isclose(float(kl), kl_hand, rel_tol=1e-6) and math.isclose(float(rec), rec_hand, rel_tol=1e-6)
    assert math.isclose(float(VAEELBOHead.loss(p, [recon, mu, logvar], target)), rec_hand + 2 * kl_hand, rel_tol=1e-6)
    class Const(torch.nn.Module):
        def __init__(self, value):
            super().__init__()
            self.value = value

        def forward(self, h):
            return self.value

    sample = torch_modules().VAESample(Const(mu), Const(logvar))
    torch.manual_seed(3)
    _, _, z = sample.train()(torch.zeros(1, 2))
    torch.manual_seed(3)
    assert torch.allclose(z, mu + torch.exp(0.5 * logvar) * torch.randn_like(mu))
    assert torch.equal(sample.train(False)(torch.zeros(1, 2))[2], mu)  # at evaluation z = mu


def test_kl_annealing_weights():
    s = {"kl_annealing": "linear", "kl_warmup_epochs": 4}
    assert [kl_weight(s, 2.0, e) for e in (0, 1, 2, 4, 9)] == [0.0, 0.5, 1.0, 2.0, 2.0]
    s["kl_annealing"] = "cyclical"
    assert [kl_weight(s, 1.0, e) for e in (0, 1, 2, 3, 4, 5)] == [0.0, 0.5, 1.0, 1.0, 0.0, 0.5]
    s["kl_annealing"] = "none"
    assert kl_weight(s, 1.5, 0) == 1.5


# ---- training with each loss and stabilizer ---------------------------------------------------------
@pytest.mark.parametrize("loss,head,d_steps", [("bce", {}, 1), ("bce", {"label_smoothing": 0.1}, 1),
                                               ("hinge", {}, 2), ("wgan-gp", {"gp_weight": 10.0}, 3)])
def test_each_gan_loss_trains_to_finite_metrics(loss, head, d_steps):
    project = gg.project(gg.point_gan(loss, **head), gg.RING, epochs=2, batch_size=64, gan={"d_steps": d_steps})
    result, events = run(project)
    assert result.status == "finished", result.reason
    started = of(events, "run_started")[0]
    assert started["task"] == "gan" and started["parts"] == ["generator", "discriminator"]
    assert [m["name"] for m in started["metrics"]] == ["d_loss", "g_loss", "d_real", "d_fake"]
    last = of(events, "epoch")[-1]
    assert all(math.isfinite(last[k]) for k in ("d_loss", "g_loss", "val_d_loss", "val_d_fake"))
    assert last["lr"] == 1e-3 and last["lr_discriminator"] == 2e-4
    assert result.run["best"] is None and result.checkpoint is None  # GANs have no early-stopping monitor


def test_spectral_norm_dcgan_trains_on_images():
    project = gg.project(gg.image_gan(spectral_norm=True, loss="hinge"), gg.FASHION, epochs=1, batch_size=32)
    result, events = run(project)
    assert result.status == "finished", result.reason
    assert result.run["value_range"] == [-1.0, 1.0]  # the Tanh generator's range; real images were scaled to it


def test_generator_updates_once_every_k_discriminator_steps():
    project = gg.project(gg.point_gan(), gg.RING, epochs=1, batch_size=64, log_every=1, gan={"d_steps": 3})
    _, events = run(project)
    g = [e["g_loss"] for e in of(events, "step")]
    assert g[0] == g[1] == 0.0 and g[2] != 0.0  # no generator update before the third step
    assert g[3] == g[4] == g[2] and g[5] != g[2]


def test_step_by_step_trains_one_part_at_a_time():
    project = gg.project(gg.point_gan(), gg.RING, epochs=1, batch_size=64, log_every=100)
    control = RunControl()
    trainer = Trainer(project, {}, [], control)
    seen = []

    def sink(e):
        seen.append(e)
        if e["event"] == "step" and len(of(seen, "step")) == 1:
            control.pause()
            control.step_once("discriminator")
            control.step_once("generator")
        elif e["event"] == "step" and len(of(seen, "step")) == 3:
            control.resume()

    trainer.sinks = [sink]
    control.pause()
    control.step_once(None)
    result = trainer.run()
    assert result.status == "finished"
    steps = of(seen, "step")
    assert [s["step"] for s in steps[:3]] == [1, 2, 3]
    assert steps[1]["g_loss"] == steps[0]["g_loss"] and steps[1]["d_loss"] != steps[0]["d_loss"]  # D only
    assert steps[2]["d_loss"] == steps[1]["d_loss"] and steps[2]["g_loss"] != steps[1]["g_loss"]  # G only
    assert of(seen, "paused") and of(seen, "resumed")


def test_a_single_step_that_ends_an_epoch_leaves_the_run_paused_once():
    project = gg.project(gg.point_gan(), gg.RING, epochs=2, batch_size=64, log_every=100)
    control = RunControl()
    trainer = Trainer(project, {}, [], control)
    seen = []

    def sink(e):
        seen.append(e)
        if e["event"] == "paused":
            for _ in range(trainer.total_steps // 2):  # step through the whole first epoch, then one more
                control.step_once("discriminator")
            control.step_once("generator")
        elif e["event"] == "step" and e["epoch"] == 2:
            control.resume()

    trainer.sinks = [sink]
    control.pause()
    result = trainer.run()
    assert result.status == "finished"
    kinds = [e["event"] for e in seen if e["event"] in ("paused", "resumed", "epoch")]
    assert kinds == ["paused", "epoch", "resumed", "epoch"]  # still paused across the epoch's end
    steps = of(seen, "step")
    assert [s["step"] for s in steps[:trainer.total_steps // 2 + 1]] == list(range(1, trainer.total_steps // 2 + 2))


def test_conditional_gan_feeds_labels_to_both_parts():
    project = gg.project(gg.point_gan(conditional=True), gg.RING, epochs=1, batch_size=64)
    control = RunControl()
    control.watch_samples(True, per_s=100)
    result, events = run(project, control=control)
    assert result.status == "finished", result.reason
    record_run(project, result)
    from runtime.tasks.gan.use import TrainedGAN
    from runtime.trained import EvaluationError

    t = TrainedGAN(project, task_declaration("gan"))
    assert t.parts.classes == 8 and t.parts.d_labels == t.parts.g_labels
    z = t.parts.noise(4, "cpu", torch.Generator().manual_seed(0))
    a = t.parts.G(*t.parts.generator_inputs(z, torch.zeros(4, dtype=torch.long)))
    b = t.parts.G(*t.parts.generator_inputs(z, torch.full((4,), 5, dtype=torch.long)))
    assert not torch.allclose(a, b)  # the label changes what is generated
    with pytest.raises(EvaluationError, match="out of range"):
        t.samples(4, label=8)
    shown = of(events, "samples")[-1]
    assert shown["view"] == "points" and shown["fake"].shape == (1000, 2) and shown["heat"].shape == (48, 48)


def test_vae_trains_reports_terms_and_keeps_the_best_checkpoint():
    project = gg.project(gg.vae(latent=4), gg.FASHION, epochs=2, batch_size=32,
                         early_stopping={"enabled": True, "monitor": "val_loss"}, vae={"kl_annealing": "linear",
                                                                                      "kl_warmup_epochs": 2})
    control = RunControl()
    control.watch_samples(True)
    result, events = run(project, control=control)
    assert result.status == "finished", result.reason
    epoch = of(events, "epoch")[-1]
    assert math.isclose(epoch["loss"], epoch["recon"] + epoch["kl"], rel_tol=1e-5)
    assert epoch["val_loss"] < of(events, "epoch")[0]["val_loss"] + 50
    assert result.run["best"]["monitor"] == "val_loss" and result.checkpoint
    shown = of(events, "samples")[-1]
    assert shown["view"] == "reconstructions" and shown["images"].shape == (8, 1, 28, 28)
    assert 0.0 <= shown["kl_weight"] <= 1.0


def test_interpolation_and_latent_walk_end_points():
    from runtime.tasks.gan.use import TrainedGAN
    from runtime.tasks.vae.use import TrainedVAE

    project = gg.project(gg.vae(latent=2), gg.FASHION, epochs=1, batch_size=64)
    result, _ = run(project)
    record_run(project, result)
    t = TrainedVAE(project, task_declaration("vae"))
    ds = t.data()
    a, b = ds.test.x[0], ds.test.x[1]
    row = t.interpolate(a, b, steps=5)
    assert row.shape == (5, 1, 28, 28)
    assert torch.allclose(row[0], t.reconstruct(a[None])[0], atol=1e-6)
    assert torch.allclose(row[-1], t.reconstruct(b[None])[0], atol=1e-6)
    assert t.latent_map(ds.test.x[:10]).shape == (10, 2)
    gan = gg.project(gg.point_gan(), gg.RING, epochs=1, batch_size=64)
    result, _ = run(gan)
    record_run(gan, result)
    tg = TrainedGAN(gan, task_declaration("gan"))
    walk = tg.latent_walk(steps=4, seed=1)
    ends = tg.parts.noise(2, "cpu", torch.Generator().manual_seed(1))
    direct = tg.parts.G(*tg.parts.generator_inputs(ends, None))
    assert torch.allclose(walk[0], direct[0], atol=1e-5) and torch.allclose(walk[-1], direct[1], atol=1e-5)


def _task_problem(graph):
    from runtime.tasks.choice import choose_task

    return choose_task(graph).problem


def test_gan_without_its_parts_is_refused_on_the_block():
    graph = gg.point_gan()
    switch = graph.node_by_name("Real or fake")
    real = graph.node_by_name("Real")
    graph.disconnect(graph.wire_into(switch.id, "real"))
    dense = graph.add_node("core.dense", "Pre", {"units": 2})
    graph.connect(real.id, "out", dense.id, "in")
    graph.connect(dense.id, "out", switch.id, "real")
    problem = _task_problem(graph)
    assert problem.node == switch.id and "straight from an input block" in problem.message
    lonely = gg.point_gan()
    lonely.remove_node(lonely.node_by_name("Real or fake").id)
    assert "exactly one Real or generated block" in _task_problem(lonely).message


def test_vae_head_must_read_mu_from_the_latent():
    graph = gg.vae()
    head, lat = graph.node_by_name("VAE loss"), graph.node_by_name("Latent")
    graph.disconnect(graph.wire_into(head.id, "mu"))
    graph.connect(lat.id, "z", head.id, "mu")
    problem = _task_problem(graph)
    assert problem.node == head.id and "must take its 'mu' from 'Latent'" in problem.message


def test_every_head_is_trained_by_a_declared_task():
    from nodes import registry

    heads = [cls for cls in registry().values() if cls.role == "head"]
    claimed = {t for d in declarations().values() for t in d.heads}
    assert heads and all(cls.type_id in claimed for cls in heads), [c.type_id for c in heads]


def test_a_part_runs_the_models_own_modules():
    from runtime.compiler import compile_graph

    graph = gg.vae(latent=3)
    compiled = compile_graph(graph)
    lat, head = graph.node_by_name("Latent"), graph.node_by_name("VAE loss")
    rec = graph.wire_into(head.id, "recon")
    decoder = compiled.part([(lat.id, "z")], [(rec.src, rec.src_port)], "Decoder")
    name = compiled.module_names[rec.src]
    assert decoder.module.get_submodule(name) is compiled.module.get_submodule(name)  # shared, not copied
    assert decoder.input_names == ["Latent_z"] and decoder.output_shapes == [(1, 28, 28)]
    compiled.module.train(False)
    x = torch.rand(2, 1, 28, 28)
    recon, mu, logvar = compiled.module(x)  # the whole model returns what the VAE loss needs
    assert torch.allclose(decoder.module(mu), recon)  # at evaluation z = mu
    assert mu.shape == logvar.shape == (2, 3)
