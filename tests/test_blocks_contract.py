"""One contract test over every registered block, plus the course's numbers and error messages.

Every block type is checked through its ``example_cases()``: config round trip, shape rule
against the real module (eval and train), parameter count against torch, composites' inner
layers, and one forward + backward step (heads: their loss too). A new block is picked up
automatically.
"""
from __future__ import annotations

import glob
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import nodes
from nodes import CATEGORY_ORDER, ShapeError, registry, shape_text
from nodes.heads import OUTPUT_KINDS
from nodes.spec import INDEX

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = sorted(registry().values(), key=lambda c: c.type_id)
CASES = [pytest.param(cls, over, shapes, id=f"{cls.type_id}-{i}")
         for cls in BLOCKS for i, (over, shapes) in enumerate(cls.example_cases())]


def _setup(cls, overrides, shapes):
    p = cls.complete(overrides)
    assert cls.check_params(p) == [], f"example case of {cls.type_id} has invalid params"
    ins = [tuple(s) for s in (shapes if shapes is not None else cls.example_shapes(p))]
    return p, ins


def _inputs(cls, p, ins):
    """Example tensors for the connected ports; input blocks get a tensor of their output."""
    if not cls.inputs:
        return [cls.example_input(0, cls.output_shapes(p, [])[0], p)]
    xs = [cls.example_input(i, s, p) for i, s in enumerate(ins)]
    return [x.requires_grad_() if x.is_floating_point() else x for x in xs]


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


@pytest.mark.parametrize("cls", BLOCKS, ids=lambda c: c.type_id)
def test_config_round_trip(cls):
    p = cls.complete(cls.defaults())
    assert cls.check_params(p) == []
    assert cls.complete(json.loads(json.dumps(p))) == p
    assert cls.complete({"no_such_param": 1}) == p
    for over, _ in cls.example_cases():
        q = cls.complete(over)
        assert cls.complete(json.loads(json.dumps(q))) == q


@pytest.mark.parametrize("cls,overrides,shapes", CASES)
def test_block_contract(cls, overrides, shapes):
    torch.manual_seed(0)
    p, ins = _setup(cls, overrides, shapes)
    expected = [tuple(s) for s in cls.output_shapes(p, ins)]
    assert len(expected) == len(cls.outputs)
    module = cls.build(p, ins)
    xs = _inputs(cls, p, ins)
    for mode in (False, True):
        module.train(mode)
        outs = _as_tuple(module(*xs))
        assert [tuple(o.shape) for o in outs] == [(2, *s) for s in expected], f"train={mode}"

    trainable = sum(t.numel() for t in module.parameters() if t.requires_grad)
    assert cls.param_count(p, ins) == trainable
    counts = (cls.connections(p, ins), cls.macs(p, ins))
    assert all(isinstance(c, int) and c >= 0 for c in counts)
    assert isinstance(cls.label(p), str)
    if cls.composite:
        layers = cls.inner_layers(p, ins)
        assert layers and sum(layer.params for layer in layers) == trainable

    loss = sum(o.float().mean() for o in outs)
    if cls.role == "head":
        loss = loss + cls.loss(p, list(outs[:1]) + list(xs[1:]), cls.example_target(p, ins))
        assert torch.isfinite(loss)
    if loss.requires_grad:
        loss.backward()
    if trainable:
        assert any(t.grad is not None and t.grad.abs().sum() > 0 for t in module.parameters())
    for x in xs:
        if x.is_floating_point() and cls.role == "head":
            assert x.grad is not None


def test_catalog_metadata():
    titles = [c.title for c in BLOCKS]
    assert len(set(titles)) == len(titles)
    for cls in BLOCKS:
        assert cls.title and cls.help and cls.icon.startswith("mdi6.") and cls.default_name, cls.type_id
        assert cls.category in CATEGORY_ORDER, cls.type_id
        assert cls.type_id.count(".") == 1 and cls.type_id == cls.type_id.lower()
        assert len({port.name for port in cls.inputs}) == len(cls.inputs)
        for param in cls.params:
            assert param.help, f"{cls.type_id}.{param.name}"
        if cls.role == "head":
            assert cls.output_kind in OUTPUT_KINDS
        if any(port.dtype == INDEX for port in cls.inputs):
            assert "example_input" in cls.__dict__ or cls.category == "Generative", cls.type_id
    assert sum(len(v) for v in nodes.catalog().values()) == len(BLOCKS)


def test_icons_exist_in_the_mdi6_font():
    spec = importlib.util.find_spec("qtawesome")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("qtawesome not installed")
    found = glob.glob(os.path.join(spec.submodule_search_locations[0], "fonts", "materialdesignicons6-*charmap*.json"))
    if not found:
        pytest.skip("mdi6 charmap not found")
    names = json.loads(Path(found[0]).read_text())
    assert [c.icon for c in BLOCKS if c.icon[len("mdi6."):] not in names] == []


# ---- the course's LeNet-5 numbers -------------------------------------------------------------
@pytest.mark.parametrize("type_id,params,shape,n_params,n_conn", [
    ("conv.conv2d", {"out_channels": 6, "kernel": 5}, (1, 32, 32), 156, 122304),
    ("pool.subsampling", {}, (6, 28, 28), 12, 5880),
    ("conv.lenet_c3", {}, (6, 14, 14), 1516, 151600),
    ("pool.subsampling", {}, (16, 10, 10), 32, 2000),
    ("conv.conv2d", {"out_channels": 120, "kernel": 5}, (16, 5, 5), 48120, 48120),
    ("core.dense", {"units": 84}, (120,), 10164, 10164),
])
def test_lenet_numbers(type_id, params, shape, n_params, n_conn):
    cls = registry()[type_id]
    p = cls.complete(params)
    assert (cls.param_count(p, [shape]), cls.connections(p, [shape])) == (n_params, n_conn)


# ---- error messages -----------------------------------------------------------------------------
def _error(type_id, ins, **params) -> ShapeError:
    cls = registry()[type_id]
    with pytest.raises(ShapeError) as info:
        cls.output_shapes(cls.complete(params), ins)
    return info.value


@pytest.mark.parametrize("type_id,shape,layout", [
    ("conv.conv2d", (784,), "(N, C, H, W)"), ("conv.conv1d", (5,), "(N, T, F)"),
    ("rnn.lstm", (784,), "(N, T, F)"), ("norm.batchnorm2d", (8,), "(N, C, H, W)"),
    ("attn.self_attention", (3, 4, 4), "(N, T, E)"),
])
def test_rank_mismatch_says_what_is_needed(type_id, shape, layout):
    message = str(_error(type_id, [shape]))
    assert "needs a" in message and layout in message and shape_text(shape) in message


def test_merge_errors_name_both_shapes():
    a, b = (6, 28, 28), (16, 10, 10)
    message = str(_error("merge.add", [a, b]))
    assert shape_text(a) in message and shape_text(b) in message and "same shape" in message
    assert shape_text((5, 4)) in str(_error("merge.concatenate", [(3, 4), (5, 4)], axis=-1))


def test_other_shape_errors():
    assert "divisible" in str(_error("attn.self_attention", [(5, 6)], heads=4))
    assert "max length" in str(_error("attn.positional_encoding", [(20, 4)], max_len=10))
    assert _error("gen.generator", [(8,)], conditional=True).port == "label"
    assert _error("gen.discriminator", [(1, 16, 16), ()]).port == "label"
    assert "1 unit" in str(_error("head.binary", [(3,)]))
    assert "2 class scores" in str(_error("head.classification", [(1,)]))


def test_recurrent_dropout_needs_two_layers():
    lstm = registry()["rnn.lstm"]
    assert [name for name, _ in lstm.check_params(lstm.complete({"dropout": 0.2}))] == ["dropout"]


# ---- behaviour the course relies on -------------------------------------------------------------
def test_total_squared_error_follows_the_handbook():
    head = registry()["head.total_squared_error"]
    y = torch.tensor([[0.2, 0.4, 0.1, 0.3]])
    loss = head.loss(head.defaults(), [y], torch.tensor([2]))  # target [0, 0, 1, 0]
    assert loss.item() == pytest.approx(0.5 * (0.04 + 0.16 + 0.81 + 0.09))
    assert head.loss(head.defaults(), [y], torch.tensor([2.0])).item() == pytest.approx(loss.item())
    summed = head.loss({"batch": "sum"}, [y.repeat(3, 1)], torch.tensor([[0.0, 0, 1, 0]] * 3))
    assert summed.item() == pytest.approx(3 * loss.item())


def test_sign_and_squared_error_give_the_perceptron_rule():
    """Handbook exercise 01: w = (-0.2, 0.1), b = -0.2, eta = 0.1, sample (1, 1) -> d = 1."""
    dense, sign, head = (registry()[t] for t in ("core.dense", "act.sign", "head.total_squared_error"))
    linear = dense.build(dense.complete({"units": 1}), [(2,)])
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[-0.2, 0.1]]))
        linear.bias.fill_(-0.2)
    y = sign.build({}, [(1,)])(linear(torch.tensor([[1.0, 1.0]])))
    assert y.item() == -1.0
    head.loss(head.defaults(), [y], torch.tensor([[1.0]])).backward()
    with torch.no_grad():
        for t in linear.parameters():
            t -= 0.1 * t.grad  # w <- w + eta (d - y) e = w + 0.2 e
    assert linear.weight.tolist()[0] == pytest.approx([0.0, 0.3])
    assert linear.bias.item() == pytest.approx(0.0)
    values = sign.build({}, [(1,)])(torch.tensor([0.0, 1e9, -1e9, 0.3]))
    assert values.tolist() == [-1.0, 1.0, -1.0, 1.0]  # sign(0) = -1 in the course; exact for large x


def test_recurrent_last_is_the_last_step_of_all():
    gru = registry()["rnn.gru"]
    p = gru.complete({"hidden_size": 4})
    module = gru.build(p, [(5, 3)])
    x = torch.randn(2, 5, 3)
    everything = type(module)(module.rnn, last=False)  # the same weights, every step
    assert torch.allclose(module(x), everything(x)[:, -1])


def test_vae_elbo_is_reconstruction_plus_kl():
    head = registry()["head.vae_elbo"]
    recon, target = torch.full((2, 4), 0.5), torch.zeros(2, 4)
    zeros = torch.zeros(2, 3)
    p = head.complete({"reconstruction": "mse", "beta": 2.0})
    assert head.loss(p, [recon, zeros, zeros], target).item() == pytest.approx(4 * 0.25)
    kl = head.loss(p, [target, torch.ones(2, 3), zeros], target).item()
    assert kl == pytest.approx(2.0 * 0.5 * 3)


def test_vae_latent_is_mu_at_eval():
    block = registry()["gen.vae_encoder_head"]
    module = block.build(block.complete({"latent": 3}), [(6,)]).eval()
    mu, _, z = module(torch.randn(2, 6))
    assert torch.equal(mu, z)


# ---- import hygiene and generated docs ---------------------------------------------------------
def test_catalog_and_docs_do_not_import_torch():
    code = "import sys, nodes, nodes.docs; nodes.docs.render(); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_blocks_reference_is_up_to_date():
    from nodes import docs

    text = docs.render()
    assert all(f"`{cls.type_id}`" in text for cls in BLOCKS)
    assert (ROOT / "docs" / "blocks.md").read_text(encoding="utf-8") == text, \
        "docs/blocks.md is stale: run python -m nodes.docs > docs/blocks.md"
