"""`netcanvas train / evaluate / predict / export` on GAN and VAE projects: reports without
tracebacks, sample grids, the generator or decoder exported alone, old files opening."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
import torch

import generative_graphs as gg
from projects.dlproj import read_project, write_project
from runtime.cli import main


def cli(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny point GAN, a tiny conditional image GAN and a tiny VAE, trained for one epoch."""
    folder = tmp_path_factory.mktemp("generative")
    files = {}
    for name, graph, data in (("gan", gg.point_gan(), gg.RING), ("cgan", gg.image_gan(conditional=True), gg.FASHION),
                              ("vae", gg.vae(latent=2), gg.FASHION)):
        path = folder / f"{name}.dlproj"
        write_project(gg.project(graph, data, epochs=1, batch_size=32), path)
        assert main(["train", str(path), "--quiet"]) == 0
        files[name] = path
    return files


def test_evaluate_a_point_gan_reports_modes(trained, capsys):
    code, out, err = cli(["evaluate", trained["gan"], "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["task"] == "gan" and report["modes"] == 8 and 0 <= report["high_quality"] <= 1
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(report)


def test_evaluate_a_conditional_gan_reports_frechet_distance_and_class_agreement(trained, capsys, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("NETCANVAS_DATA_DIR", str(tmp_path))  # the feature classifier's cache
    code, out, err = cli(["evaluate", trained["cgan"], "--samples", "200"], capsys)
    assert code == 0, err
    text = out.lower()
    assert "frechet distance" in text and "not inception's fid" in text and "class agreement" in text


def test_evaluate_a_vae_reports_the_negative_elbo_and_anomaly_scores(trained, capsys, tmp_path):
    scores = tmp_path / "scores.csv"
    code, out, err = cli(["evaluate", trained["vae"], "--scores", scores], capsys)
    assert code == 0, err
    assert "negative elbo per image" in out.lower() and "anomaly score" in out.lower()
    assert len(scores.read_text().splitlines()) == 1 + 256  # a header and every test image (limit 256)
    report = json.loads(cli(["evaluate", trained["vae"], "--json"], capsys)[1])
    assert abs(report["neg_elbo"] - (report["recon"] + report["kl"])) < 1e-6 * report["neg_elbo"]


def test_predict_writes_sample_grids(trained, capsys, tmp_path):
    from PIL import Image

    out = tmp_path / "digits.png"
    code, _, err = cli(["predict", trained["cgan"], "--label", "3", "--samples", "16", "-o", out], capsys)
    assert code == 0, err
    assert Image.open(out).size == (4 * 10 + 2, 4 * 10 + 2)  # 4 x 4 images of 8x8 with 2-pixel gaps
    code, _, err = cli(["predict", trained["cgan"], "--label", "12"], capsys)
    assert code == 2 and "out of range" in err
    code, _, err = cli(["predict", trained["gan"], "--label", "1"], capsys)
    assert code == 2 and "conditional" in err
    code, _, _ = cli(["predict", trained["vae"], "-o", tmp_path / "prior.png"], capsys)
    assert code == 0 and (tmp_path / "prior.png").stat().st_size > 0


def test_predict_on_a_vae_scores_local_images(trained, capsys, tmp_path):
    from PIL import Image

    picture = tmp_path / "shirt.png"
    Image.fromarray((torch.rand(40, 30) * 255).byte().numpy()).save(picture)
    code, out, err = cli(["predict", trained["vae"], picture, "-o", tmp_path / "rec.png"], capsys)
    assert code == 0, err
    assert "anomaly score" in out and (tmp_path / "rec.png").exists()


@pytest.mark.parametrize("name,part", [("cgan", "generator"), ("cgan", "discriminator"), ("cgan", None),
                                       ("vae", "decoder"), ("vae", "encoder"), ("vae", None)])
def test_export_a_part_alone(trained, capsys, tmp_path, name, part):
    pytest.importorskip("onnxruntime")
    out = tmp_path / f"{name}-{part}.onnx"
    code, _, err = cli(["export", trained[name], "-f", "onnx", "-o", out, *(["--part", part] if part else [])], capsys)
    assert code == 0, err
    import onnxruntime as ort

    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if (name, part) == ("vae", "decoder"):
        assert len(names) == 1 and session.get_inputs()[0].shape[1:] == [2]  # z
    if (name, part) == ("cgan", "generator"):
        assert len(names) == 2  # z and the class label
    if (name, part) == ("cgan", None):
        assert len(session.get_outputs()) == 2  # the combined D(G(z)): images and their scores


def test_export_refuses_an_unknown_part(trained, capsys, tmp_path):
    code, _, err = cli(["export", trained["vae"], "-f", "pt", "-o", tmp_path / "x.pt", "--part", "generator"], capsys)
    assert code == 2 and "no part 'generator'" in err and "decoder" in err


def test_python_export_of_the_generator_runs(trained, capsys, tmp_path):
    code, _, err = cli(["export", trained["cgan"], "-f", "python", "-o", tmp_path / "gen.py", "--part", "generator"],
                       capsys)
    assert code == 0, err
    assert "class " in (tmp_path / "gen.py").read_text()


def test_a_vae_file_from_before_the_training_contract_opens_and_evaluates(tmp_path, capsys):
    """A v1 file whose training.json has no gan/vae/d_optimizer sections nor Adam betas."""
    path = tmp_path / "old.dlproj"
    write_project(gg.project(gg.vae(latent=2), gg.FASHION, epochs=1, batch_size=64), path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    training = json.loads(members["training.json"])
    for key in ("gan", "vae", "d_optimizer"):
        training.pop(key, None)
    for key in ("beta1", "beta2"):
        training["optimizer"].pop(key)
    members["training.json"] = json.dumps(training).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    path.write_bytes(buf.getvalue())
    project, errors = read_project(path)
    from runtime.plan import plan_run

    assert errors == [] and plan_run(project).section("vae")["kl_annealing"] == "none"
    assert project.training["optimizer"]["beta1"] == 0.9
    code, _, err = cli(["evaluate", path], capsys)
    assert code == 2 and "no trained weights" in err  # one sentence, no traceback
    assert cli(["train", path, "--quiet"], capsys)[0] == 0
    code, out, err = cli(["evaluate", path], capsys)
    assert code == 0 and "negative ELBO" in out, err


def test_a_gan_trains_on_two_processes(tmp_path):
    """Two parts, each its own optimizer: gradients are averaged across the processes by hand."""
    import os
    import subprocess
    import sys

    path = tmp_path / "gan.dlproj"
    write_project(gg.project(gg.point_gan("hinge"), gg.RING, epochs=1, batch_size=64), path)
    port = 29400 + os.getpid() % 1000
    done = subprocess.run([sys.executable, "-m", "runtime.cli", "train", str(path), "--nproc", "2", "--device", "cpu",
                           "--master-port", str(port), "--quiet"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    run = read_project(path)[0].history["runs"][-1]
    assert run["status"] == "finished" and run["task"] == "gan"
