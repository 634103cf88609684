"""The sequence convention: a rank-2 value is (N, T, F), T steps of F features, for every block
that takes a sequence (each checked by shape and value against torch written in that
convention); old files keep their old function; padding masks make a padded sequence compute
what the same sequence without its padding computes."""
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from nodes import axes_text, registry, resolve
from nodes.spec import CHANNELS_FIRST
from projects.dlproj import dumps_project, loads_project
from projects.examples.build import chain
from projects.project import Project
from runtime.compiler import compile_graph

T, FEATURES = 7, 4


def built(type_id: str, params: dict, shape=(T, FEATURES)):
    """(module in train mode, completed params, output shape) of one block on ``shape``."""
    block = resolve(type_id)
    p = block.complete(params)
    (out,) = block.output_shapes(p, [shape])
    torch.manual_seed(0)
    return block.build(p, [shape]), p, out


def _conv1d(m, x):
    conv = m[0] if isinstance(m, torch.nn.Sequential) else m
    return F.conv1d(x.transpose(1, 2), conv.weight, conv.bias, padding=conv.padding).transpose(1, 2)


def _batchnorm(m, x):
    mean, var = x.mean((0, 1)), x.var((0, 1), unbiased=False)
    return (x - mean) / torch.sqrt(var + m.eps) * m.weight + m.bias


def _recurrent(kind):
    def reference(m, x):
        return m.rnn(x)[0]  # batch-first torch module on (N, T, F): every step's output
    return reference


def _attention(m, x):
    return m.attn(x, x, x, need_weights=False)[0]


def _transformer(m, x):
    layer = torch.nn.TransformerEncoderLayer(FEATURES, 2, 8, 0.0, batch_first=True)
    layer.load_state_dict(m.state_dict())
    return layer(x)


# type id -> (params, expected output shape, the same computation written directly in torch on (N, T, F))
CASES = {
    "conv.conv1d": ({"out_channels": 5, "kernel": 3}, (T - 2, 5), _conv1d),
    "pool.max1d": ({"kernel": 2}, (T // 2, FEATURES), lambda m, x: F.max_pool1d(x.transpose(1, 2), 2).transpose(1, 2)),
    "pool.avg1d": ({"kernel": 2}, (T // 2, FEATURES), lambda m, x: F.avg_pool1d(x.transpose(1, 2), 2).transpose(1, 2)),
    "pool.global_avg": ({}, (FEATURES,), lambda m, x: x.mean(1)),
    "pool.global_max": ({}, (FEATURES,), lambda m, x: x.amax(1)),
    "norm.batchnorm1d": ({}, (T, FEATURES), _batchnorm),
    "norm.layernorm": ({}, (T, FEATURES), lambda m, x: F.layer_norm(x, (FEATURES,), m.weight, m.bias, m.eps)),
    "rnn.rnn": ({"hidden_size": 3, "output": "all"}, (T, 3), _recurrent("rnn")),
    "rnn.lstm": ({"hidden_size": 3, "output": "all"}, (T, 3), _recurrent("lstm")),
    "rnn.gru": ({"hidden_size": 3, "output": "all", "bidirectional": True}, (T, 6), _recurrent("gru")),
    "attn.self_attention": ({"heads": 2}, (T, FEATURES), _attention),
    "attn.transformer_encoder": ({"heads": 2, "feedforward": 8, "dropout": 0.0}, (T, FEATURES), _transformer),
    "attn.positional_encoding": ({}, (T, FEATURES), lambda m, x: x + m.table[:T]),
    "core.dense": ({"units": 3}, (T, 3), lambda m, x: x @ m.weight.T + m.bias),
}


def takes_sequences(block) -> bool:
    return any(2 in port.ranks for port in block.inputs) and block.role != "head"


def test_every_block_that_takes_a_sequence_is_checked_here():
    exempt = {"gan.real_or_generated"}  # passes either input through unchanged, whatever the rank
    missing = sorted(t for t, b in registry().items() if takes_sequences(b) and t not in CASES and t not in exempt
                     and not b.composite)
    assert missing == [], f"add a convention case for {missing}"


@pytest.mark.parametrize("type_id", sorted(CASES))
def test_block_reads_steps_by_features(type_id):
    params, shape, reference = CASES[type_id]
    module, _, out = built(type_id, params)
    assert out == shape
    x = torch.randn(3, T, FEATURES)
    module.eval() if "transformer" in type_id else module.train()
    y = module(x)
    assert tuple(y.shape) == (3, *shape)
    torch.testing.assert_close(y, reference(module, x), rtol=1e-5, atol=1e-5)


def test_embedding_and_merges_keep_steps_first():
    assert resolve("core.embedding").output_shapes(resolve("core.embedding").complete({"dim": 5}), [(T,)]) == [(T, 5)]
    concat = resolve("merge.concatenate")
    assert concat.output_shapes(concat.complete({}), [(T, 2), (T, 3)]) == [(T, 5)]  # features, not steps
    assert concat.output_shapes(concat.complete({}), [(2, 5, 5), (3, 5, 5)]) == [(5, 5, 5)]  # channels of images
    assert concat.output_shapes(concat.complete({"along": "axis", "axis": 0}), [(2, 3), (4, 3)]) == [(6, 3)]
    module = concat.build(concat.complete({}), [(T, 2), (T, 3)])
    a, b = torch.randn(2, T, 2), torch.randn(2, T, 3)
    torch.testing.assert_close(module(a, b), torch.cat([a, b], -1))


def test_channels_first_is_an_explicit_choice():
    module, p, out = built("conv.conv1d", {"out_channels": 5, "kernel": 2, "layout": CHANNELS_FIRST}, (3, 9))
    assert out == (5, 8)
    x = torch.randn(2, 3, 9)
    torch.testing.assert_close(module(x), F.conv1d(x, module.weight, module.bias))
    _, _, pooled = built("pool.global_avg", {"layout": CHANNELS_FIRST}, (3, 9))
    assert pooled == (3,)


def test_wire_labels_name_the_axes():
    assert axes_text((28, 28)) == "28 steps x 28"
    assert axes_text((6, 24), CHANNELS_FIRST) == "6 ch x 24"
    assert axes_text((6, 28, 28)) == "6x28x28" and axes_text((10,)) == "10"


# ---- old files ---------------------------------------------------------------------------------
def old_file(project: Project, version_of: dict[str, int], drop: dict[str, list[str]]) -> bytes:
    """``project`` saved as an older NetCanvas did: older block versions, newer parameters absent."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(dumps_project(project)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in source.namelist():
            data = source.read(name)
            if name == "graph.json":
                doc = json.loads(data)
                for node in doc["nodes"]:
                    if node["type"] in version_of:
                        node["type_version"] = version_of[node["type"]]
                        for key in drop.get(node["type"], []):
                            node["params"].pop(key, None)
                data = json.dumps(doc).encode()
            zf.writestr(name, data)
    return out.getvalue()


def test_old_sequence_project_keeps_its_function_and_says_what_changed():
    graph = chain([("input.sequence", "Signal", {"steps": 5, "features": 3}),
                   ("conv.conv1d", "Conv", {"out_channels": 4, "kernel": 2}),
                   ("norm.batchnorm1d", "BN", {}),
                   ("pool.global_avg", "GAP", {}),
                   ("core.dense", "Out", {"units": 2}),
                   ("head.regression", "Error", {})])
    project = Project(graph=graph)
    data = old_file(project, {"conv.conv1d": 1, "norm.batchnorm1d": 1, "pool.global_avg": 1},
                    {"conv.conv1d": ["layout"], "norm.batchnorm1d": ["layout"], "pool.global_avg": ["layout"]})
    opened, notes = loads_project(data)
    layouts = {n.name: n.params.get("layout") for n in opened.graph.nodes.values()}
    assert layouts["Conv"] == layouts["BN"] == layouts["GAP"] == CHANNELS_FIRST
    assert any("Conv1d 'Conv'" in n and "steps x features" in n for n in notes), notes
    assert len(notes) == 3
    states = {n.name: opened.graph.states[nid] for nid, n in opened.graph.nodes.items()}
    # the old reading: 5 channels of length 3 -> Conv1d(5, 4, 2) -> (4, 2) -> mean over the last axis -> (4)
    assert states["Conv"].outputs == [(4, 2)] and states["GAP"].outputs == [(4,)]
    model = compile_graph(opened.graph).module.train()
    conv = model.Conv
    x = torch.randn(6, 5, 3)
    h = F.conv1d(x, conv.weight, conv.bias)
    h = F.batch_norm(h, None, None, model.BN.weight, model.BN.bias, training=True, eps=model.BN.eps)
    torch.testing.assert_close(model(x), model.Out(h.mean(-1)), rtol=1e-5, atol=1e-5)
    again, notes_again = loads_project(dumps_project(opened))  # saved again: today's version, no note
    assert notes_again == [] and {n.params.get("layout") for n in again.graph.nodes.values()} >= {CHANNELS_FIRST}


def test_new_sequence_project_reads_steps_by_features():
    graph = chain([("input.sequence", "Signal", {"steps": 5, "features": 3}),
                   ("conv.conv1d", "Conv", {"out_channels": 4, "kernel": 2}),
                   ("pool.global_avg", "GAP", {})])
    states = {n.name: graph.states[nid] for nid, n in graph.nodes.items()}
    assert states["Conv"].outputs == [(4, 4)] and states["GAP"].outputs == [(4,)]


def test_old_token_project_keeps_reading_padding_as_tokens():
    graph = chain([("input.tokens", "Tokens", {"steps": 6, "vocabulary": 20}),
                   ("core.embedding", "Embed", {"vocabulary": 20, "dim": 4}),
                   ("rnn.gru", "GRU", {"hidden_size": 3}), ("head.classification", "Softmax", {})])
    opened, notes = loads_project(old_file(Project(graph=graph), {"input.tokens": 1}, {"input.tokens": ["mask_padding"]}))
    assert [n.params["mask_padding"] for n in opened.graph.nodes.values() if n.type_id == "input.tokens"] == [False]
    assert len(notes) == 1 and "mask padding" in notes[0]
    assert "ne = " not in compile_graph(opened.graph).code


# ---- padding masks -----------------------------------------------------------------------------
def text_model(steps: int, body: list) -> "torch.nn.Module":
    graph = chain([("input.tokens", "Tokens", {"steps": steps, "vocabulary": 30}),
                   ("core.embedding", "Embed", {"vocabulary": 30, "dim": 8}), *body,
                   ("core.dense", "Out", {"units": 3}), ("head.classification", "Softmax", {})])
    assert graph.is_valid(), [p.message for p in graph.problems()]
    torch.manual_seed(0)
    return compile_graph(graph).module.eval()


BODIES = {
    "bidirectional LSTM, last state": [("rnn.lstm", "LSTM", {"hidden_size": 5, "bidirectional": True, "layers": 2})],
    "GRU every step, then average over time": [("rnn.gru", "GRU", {"hidden_size": 5, "output": "all"}),
                                               ("pool.global_avg", "GAP", {})],
    "Transformer, attention, max over time": [("attn.positional_encoding", "Pos", {}),
                                              ("attn.transformer_encoder", "Enc", {"heads": 2, "feedforward": 16}),
                                              ("attn.self_attention", "Attn", {"heads": 2}),
                                              ("core.dense", "Per step", {"units": 6, "activation": "relu"}),
                                              ("pool.global_max", "GMP", {})],
}


@pytest.mark.parametrize("body", sorted(BODIES))
def test_padded_sequences_compute_what_the_unpadded_ones_do(body):
    padded = text_model(8, BODIES[body])
    short = text_model(3, BODIES[body])
    short.load_state_dict(padded.state_dict())
    batch = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8], [9, 9, 9, 9, 9, 0, 0, 0]])
    with torch.no_grad():
        out = padded(batch)
        alone = short(torch.tensor([[5, 6, 7]]))
        other_padding = padded(torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0]]))
    torch.testing.assert_close(out[:1], alone, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out[:1], other_padding, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(out[0], out[2])


def test_masks_change_training_results_only_through_the_padding():
    module = text_model(8, BODIES["bidirectional LSTM, last state"])
    module.train()
    batch = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8]])
    module(batch).sum().backward()
    grads = module.Embed.weight.grad
    assert grads[0].abs().sum() == 0  # the padding id's vector took no part
    assert grads[5].abs().sum() > 0
