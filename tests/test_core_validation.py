"""Validation problems as values: each names the block and says how to fix it; wires refused
with a reason; names kept unique; edits re-infer only what lies downstream."""
from __future__ import annotations

import pytest

import projects.graph as graph_module
from nodes import resolve
from projects.dlproj import graph_from_json, graph_to_json
from projects.examples.build import chain, lenet5
from projects.graph import Graph, GraphEditError

CLASSIFIER_TAIL = [("core.flatten", "Flat", {}), ("core.dense", "Out", {"units": 10}),
                   ("head.classification", "Head", {})]


def messages(graph: Graph) -> list[str]:
    return [p.message for p in graph.problems()]


def problems_of(graph: Graph, name: str):
    return graph.states[graph.node_by_name(name).id].problems


def needs_merge_blocks():
    if resolve("merge.add") is None or resolve("merge.concatenate") is None:
        pytest.skip("merge blocks are not in the catalog yet")


def branches(merge: str, a_units: int, b_units: int, params: dict | None = None) -> Graph:
    """In -> A (Dense a_units) and In -> B (Dense b_units) joined by ``merge`` 'M' -> Out -> Head."""
    g = chain([("input.vector", "In", {"features": 8}), ("core.dense", "A", {"units": a_units}),
               (merge, "M", params or {}), ("core.dense", "Out", {"units": 3}), ("head.classification", "Head", {})])
    b = g.add_node("core.dense", "B", {"units": b_units})
    g.connect(g.node_by_name("In").id, "out", b.id, "in")
    g.connect(b.id, "out", g.node_by_name("M").id, "b")
    return g


# ---- the problems -------------------------------------------------------------------------------
def test_valid_examples_have_no_problems():
    g = lenet5().graph
    assert g.is_valid() and g.problems() == [] and g.graph_problems == []


def test_loop_made_by_unchecked_wires():
    g = chain([("input.vector", "In", {"features": 4}), ("core.dense", "A", {"units": 4}),
               ("core.dense", "B", {"units": 4}), ("core.dense", "C", {"units": 4}),
               ("head.classification", "Head", {})])
    a, c = g.node_by_name("A"), g.node_by_name("C")
    g.disconnect(g.wire_into(a.id, "in"))
    g.connect(c.id, "out", a.id, "in", check=False)
    assert not g.is_valid()
    loop = g.graph_problems[0].message
    assert loop == ("The wires 'A' -> 'B' -> 'C' -> 'A' form a loop: data must flow one way, so remove one of "
                    "these wires")
    for name, title in (("A", "Dense"), ("B", "Dense"), ("C", "Dense")):
        (p,) = problems_of(g, name)
        assert p.message == f"{title} '{name}' is part of a loop: remove one of the loop's wires"
    # breaking the loop re-infers every block of it
    g.disconnect(g.wire_into(a.id, "in"))
    g.connect(g.node_by_name("In").id, "out", a.id, "in")
    assert g.is_valid()


def test_self_loop_made_by_an_unchecked_wire():
    needs_merge_blocks()
    g = branches("merge.add", 8, 8)
    m = g.node_by_name("M")
    g.disconnect(g.wire_into(m.id, "b"))
    g.connect(m.id, "out", m.id, "b", check=False)
    assert any("'M' -> 'M' form a loop" in msg for msg in messages(g))
    assert [p.message for p in problems_of(g, "M")] == ["Add 'M' is part of a loop: remove one of the loop's wires"]


def test_loop_in_a_loaded_file_is_reported_not_raised():
    g = chain([("input.vector", "In", {"features": 4}), ("core.dense", "A", {"units": 4}),
               ("core.dense", "B", {"units": 4}), ("head.classification", "Head", {"label_smoothing": 0.0})])
    data = graph_to_json(g)
    a, b = g.node_by_name("A"), g.node_by_name("B")
    data["wires"] = [w for w in data["wires"] if w["to"]["node"] != a.id]
    data["wires"].append({"from": {"node": b.id, "port": "out"}, "to": {"node": a.id, "port": "in"}})
    loaded, errors = graph_from_json(data)
    assert errors == []
    assert "The wires 'A' -> 'B' -> 'A' form a loop" in messages(loaded)[0] or \
        "The wires 'B' -> 'A' -> 'B' form a loop" in messages(loaded)[0]
    assert not loaded.is_valid()


def test_unconnected_required_input():
    g = chain([("input.vector", "In", {"features": 4}), ("core.dense", "Out", {"units": 2}),
               ("head.classification", "Head", {})])
    lonely = g.add_node("core.dense", "Lonely", {"units": 3})
    (p,) = g.problems()
    assert p.message == "Dense 'Lonely' has nothing connected to its input 'in': wire a block's output to it"
    assert (p.node, p.port, p.severity) == (lonely.id, "in", "error")


def test_rank_mismatch_after_a_flatten_names_the_flatten():
    g = chain([("input.image", "Input", {"channels": 30, "height": 2, "width": 2}), ("core.flatten", "F5", {}),
               ("conv.conv2d", "C3", {"out_channels": 16, "kernel": 1}), *CLASSIFIER_TAIL])
    (p,) = g.problems()
    assert p.message == ("Conv2d 'C3' needs a 4-D input (N, C, H, W) but receives (N, 120) from 'F5': remove the "
                         "Flatten 'F5' or add a Reshape")
    assert p.node == g.node_by_name("C3").id and p.port == "in"
    # the blocks after it wait for it instead of piling up their own messages
    assert problems_of(g, "Out") == [] and g.states[g.node_by_name("Out").id].outputs is None
    # renaming the source updates the message (the successor re-infers)
    g.rename(g.node_by_name("F5").id, "Flat5")
    assert "from 'Flat5': remove the Flatten 'Flat5'" in messages(g)[0]


def test_rank_mismatch_dense_after_conv_says_add_a_flatten():
    g = chain([("input.image", "Input", {"channels": 1, "height": 8, "width": 8}),
               ("conv.conv2d", "C1", {"out_channels": 4, "kernel": 3}), ("core.dense", "D", {"units": 10}),
               ("head.classification", "Head", {})])
    assert messages(g) == ["Dense 'D' needs a 2-D input (N, F) or 3-D input (N, T, F) but receives (N, 4, 6, 6) "
                           "from 'C1': add a Flatten before it"]


@pytest.mark.parametrize("merge, a_units, b_units, expected", [
    ("merge.add", 8, 4, "Add 'M' needs inputs of the same shape but receives (N, 8) and (N, 4): make both branches "
                        "end with the same shape"),
    ("merge.concatenate", 8, 4, None),
])
def test_merge_sizes(merge, a_units, b_units, expected):
    needs_merge_blocks()
    g = branches(merge, a_units, b_units)
    if expected is None:  # concatenating vectors of different lengths is fine
        assert g.is_valid()
        assert g.states[g.node_by_name("M").id].outputs == [(12,)]
        return
    (p,) = g.problems()
    assert p.message.startswith(expected)
    assert p.node == g.node_by_name("M").id
    g.set_param(g.node_by_name("B").id, "units", 8)
    assert g.is_valid()


def test_concatenate_needs_equal_sizes_off_its_axis():
    needs_merge_blocks()
    g = chain([("input.image", "In", {"channels": 3, "height": 8, "width": 8}),
               ("conv.conv2d", "A", {"out_channels": 4, "kernel": 3, "same": True}),
               ("merge.concatenate", "M", {"axis": 0}), *CLASSIFIER_TAIL])
    b = g.add_node("conv.conv2d", "B", {"out_channels": 4, "kernel": 3})  # 6x6: not 'same'
    g.connect(g.node_by_name("In").id, "out", b.id, "in")
    g.connect(b.id, "out", g.node_by_name("M").id, "b")
    (p,) = g.problems()
    assert p.message.startswith("Concatenate 'M' needs all other sizes equal") or \
        p.message.startswith("Concatenate 'M'")
    assert "(N, 4, 8, 8)" in p.message and "(N, 4, 6, 6)" in p.message
    g.set_param(b.id, "same", True)
    assert g.is_valid() and g.states[g.node_by_name("M").id].outputs == [(8, 8, 8)]


def test_kernel_larger_than_its_input():
    g = chain([("input.image", "Input", {"channels": 1, "height": 4, "width": 4}),
               ("conv.conv2d", "C1", {"kernel": 5}), *CLASSIFIER_TAIL])
    assert messages(g) == ["Conv2d 'C1': its 5x5 kernel is larger than its 4-pixel input (plus padding): use a "
                           "smaller kernel or add padding"]
    g.set_param(g.node_by_name("C1").id, "padding", 1)
    assert g.is_valid()


def test_pooling_window_larger_than_its_input():
    g = chain([("input.image", "Input", {"channels": 1, "height": 3, "width": 3}),
               ("pool.max2d", "P", {"kernel": 4}), *CLASSIFIER_TAIL])
    (msg,) = messages(g)
    assert msg.startswith("MaxPool2d 'P': its 4x4 window is larger than its 3x3 input: use a smaller kernel")


def test_non_positive_output_size():
    g = chain([("input.image", "Input", {"channels": 1, "height": 1, "width": 1}),
               ("conv.convtranspose2d", "Up", {"kernel": 1, "stride": 2, "padding": 3}), *CLASSIFIER_TAIL])
    (p,) = g.problems()
    assert p.message == "ConvTranspose2d 'Up' would produce a -5x-5 image: reduce padding"
    assert p.node == g.node_by_name("Up").id


def test_empty_output_caught_for_any_block(monkeypatch):
    """A rule that returns a 0-sized axis gets the generic message (naming the block)."""
    dropout = resolve("core.dropout")
    monkeypatch.setattr(dropout, "output_shapes", classmethod(lambda cls, p, ins: [(0, *ins[0][1:])]))
    g = chain([("input.vector", "In", {"features": 4}), ("core.dropout", "Drop", {}),
               ("core.dense", "Out", {"units": 2}), ("head.classification", "Head", {})])
    assert messages(g) == ["Dropout 'Drop' would produce an empty output (N, 0): use a smaller kernel or stride, "
                           "or a larger input"]


def test_parameter_outside_its_bounds():
    g = chain([("input.vector", "In", {"features": 4}), ("core.dense", "D", {"units": 5}),
               ("core.dense", "Out", {"units": 2}), ("head.classification", "Head", {})])
    d = g.node_by_name("D")
    assert g.set_param(d.id, "units", 0) == 5  # stored anyway: validation reports it
    assert d.params["units"] == 0
    (p,) = g.problems()
    assert p.message == "Dense 'D': 'units' is 0 but must be at least 1; set it to 1 or more"
    assert (p.node, p.param) == (d.id, "units")
    g.set_param(d.id, "units", 3)
    assert g.is_valid()


@pytest.mark.parametrize("value, reason", [
    (2.5, "'units' must be a whole number, not 2.5; write one without a decimal point"),
    ("ten", "'units' must be a whole number, not 'ten'; write one without a decimal point"),
    (20_000_000, "'units' is 20000000 but must be at most 10000000; set it to 10000000 or less"),
])
def test_parameter_of_the_wrong_kind(value, reason):
    g = chain([("input.vector", "In", {"features": 4}), ("core.dense", "D", {"units": 5}),
               ("head.classification", "Head", {})])
    g.set_param(g.node_by_name("D").id, "units", value)
    assert messages(g)[0] == f"Dense 'D': {reason}"


def test_graph_without_input_or_head():
    g = Graph()
    graph_level = [p.message for p in g.graph_problems]
    assert graph_level == [
        "The model has no input block: add an Image input (or another input) from the palette and wire it to the "
        "first layer",
        "The model has no head, so training has nothing to minimise: end it with a Classification head (or another "
        "head)",
    ]
    assert all(p.node is None for p in g.graph_problems) and not g.is_valid()
    d = g.add_node("core.dense", "D")
    assert [p.message for p in g.graph_problems] == graph_level
    i = g.add_node("input.vector", "In", {"features": 3})
    g.connect(i.id, "out", d.id, "in")
    assert [p.message for p in g.graph_problems] == graph_level[1:]
    h = g.add_node("head.classification", "Head")
    g.connect(d.id, "out", h.id, "in")
    assert g.is_valid()


def test_block_too_large_for_this_machine():
    g = chain([("input.vector", "In", {"features": 10**6}), ("core.dense", "Huge", {"units": 10**6}),
               ("head.classification", "Head", {})])
    (p,) = g.problems()
    assert p.node == g.node_by_name("Huge").id
    assert p.message.startswith("Dense 'Huge' has 1,000,001,000,000 parameters, which need about 14.6 TB of memory "
                                "to train but this machine has ")
    assert p.message.endswith(": make it smaller or shrink its input (pooling, fewer units)")


def test_every_problem_names_its_block():
    g = chain([("input.image", "Input", {"channels": 1, "height": 4, "width": 4}),
               ("conv.conv2d", "Big", {"kernel": 5}), ("core.dense", "Dense", {"units": 0}),
               ("head.classification", "Head", {})])
    g.add_node("core.dense", "Loose")
    for p in g.problems():
        name = g.nodes[p.node].name
        assert f"'{name}'" in p.message and ":" in p.message


# ---- refused wires -------------------------------------------------------------------------------
@pytest.fixture
def small():
    g = chain([("input.vector", "In", {"features": 4}), ("core.dense", "A", {"units": 4}),
               ("core.dense", "B", {"units": 3}), ("head.classification", "Head", {})])
    g.add_node("input.tokens", "Tokens")
    g.add_node("core.dense", "Free")
    return g, {n.name: n.id for n in g.nodes.values()}


@pytest.mark.parametrize("src, src_port, dst, dst_port, reason", [
    ("Tokens", "out", "Free", "in",
     "'Free' input 'in' takes real-valued tensors but 'Tokens' gives integer ids (tokens or labels)"),
    ("In", "out", "A", "in", "'A' input 'in' is already wired: remove that wire first"),
    ("B", "out", "Free", "in", None),
    ("Free", "out", "Free", "in", "'Free' cannot feed itself: wire it to another block"),
    ("A", "nope", "Free", "in", "'A' has no output named 'nope'"),
    ("A", "out", "Free", "nope", "'Free' has no input named 'nope'"),
])
def test_connect_problem(small, src, src_port, dst, dst_port, reason):
    g, ids = small
    assert g.connect_problem(ids[src], src_port, ids[dst], dst_port) == reason
    if reason is not None:
        with pytest.raises(GraphEditError, match="^" + reason.replace("(", r"\(").replace(")", r"\)") + "$"):
            g.connect(ids[src], src_port, ids[dst], dst_port)


def test_connect_problem_refuses_a_loop(small):
    g, ids = small
    g.disconnect(g.wire_into(ids["Head"], "in"))
    assert g.connect_problem(ids["B"], "out", ids["A"], "in").startswith("'A' input 'in' is already wired")
    g.disconnect(g.wire_into(ids["A"], "in"))
    assert g.connect_problem(ids["B"], "out", ids["A"], "in") == \
        "wiring 'B' to 'A' would make a loop: data must flow one way"
    assert g.connect_problem(ids["B"], "out", "missing", "in") == "both ends of a wire must be blocks on the canvas"
    n_wires = len(g.wires)
    with pytest.raises(GraphEditError):
        g.connect(ids["B"], "out", ids["A"], "in")
    assert len(g.wires) == n_wires and g.is_acyclic()


# ---- names ----------------------------------------------------------------------------------------
def test_names_stay_unique(small):
    g, ids = small
    with pytest.raises(GraphEditError, match="a block named 'B' already exists: choose another name"):
        g.rename(ids["A"], "B")
    with pytest.raises(GraphEditError, match="a block named 'A' already exists"):
        g.add_node("core.dense", "A")
    with pytest.raises(GraphEditError, match="a block needs a name"):
        g.rename(ids["A"], "   ")
    assert g.rename(ids["A"], " A ") == "A"  # its own name again, stripped
    assert g.rename(ids["A"], "Hidden") == "A" and g.nodes[ids["A"]].name == "Hidden"
    fresh = [g.add_node("core.dense").name for _ in range(3)]
    assert len(set(fresh) | {n.name for n in g.nodes.values() if n.id not in ids.values()}) == 3
    assert len({n.name for n in g.nodes.values()}) == len(g.nodes)


def test_unknown_block_type_is_refused():
    with pytest.raises(GraphEditError, match="unknown block type 'core.warp_drive'"):
        Graph().add_node("core.warp_drive")


# ---- incremental inference ---------------------------------------------------------------------------
def count_inference(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = graph_module.infer_node

    def spy(graph, node):
        seen.append(node.name)
        return real(graph, node)

    monkeypatch.setattr(graph_module, "infer_node", spy)
    return seen


def test_edit_reinfers_only_downstream(monkeypatch):
    g = lenet5().graph
    events = []
    g.subscribe(events.append)
    seen = count_inference(monkeypatch)
    s4 = g.node_by_name("S4")
    g.set_param(s4.id, "kernel", 1)
    assert seen == ["S4", "Flatten", "C5", "F6", "Output", "Softmax"]
    assert [e.kind for e in events] == ["params_changed", "states_changed"]
    assert [g.nodes[i].name for i in events[-1].ids] == seen
    assert g.states[g.node_by_name("Flatten").id].outputs == [(16 * 10 * 10,)]
    assert g.is_valid()


def test_edit_on_one_branch_leaves_the_other_alone(monkeypatch):
    needs_merge_blocks()
    g = branches("merge.add", 8, 8)
    seen = count_inference(monkeypatch)
    g.set_param(g.node_by_name("A").id, "activation", "relu")
    assert seen == ["A", "M", "Out", "Head"]


def test_wire_edits_reinfer_from_the_wired_block(monkeypatch):
    g = lenet5().graph
    seen = count_inference(monkeypatch)
    f6 = g.node_by_name("F6")
    wire = g.wire_into(f6.id, "in")
    g.disconnect(wire)
    assert seen == ["F6", "Output", "Softmax"]
    seen.clear()
    g.connect(wire.src, wire.src_port, wire.dst, wire.dst_port)
    assert seen == ["F6", "Output", "Softmax"] and g.is_valid()


def test_batch_infers_once(monkeypatch):
    g = lenet5().graph
    events = []
    g.subscribe(events.append)
    seen = count_inference(monkeypatch)
    with g.batch():
        g.set_param(g.node_by_name("C1").id, "out_channels", 8)
        g.set_param(g.node_by_name("C3").id, "out_channels", 12)
        assert seen == []
    assert seen == ["C1", "S2", "C3", "S4", "Flatten", "C5", "F6", "Output", "Softmax"]
    assert [e.kind for e in events].count("states_changed") == 1
    assert g.states[g.node_by_name("C5").id].params == (12 * 5 * 5 + 1) * 120


def test_remove_and_restore_node():
    g = lenet5().graph
    f6 = g.node_by_name("F6")
    node, wires = g.remove_node(f6.id)
    assert f6.id not in g.states and len(wires) == 2
    assert any("'Output' has nothing connected" in m for m in messages(g))
    g.restore_node(node, wires)
    assert g.is_valid() and g.states[f6.id].outputs == [(84,)]


def test_an_embedding_smaller_than_the_ids_it_receives_is_a_problem_on_the_embedding():
    g = chain([("input.tokens", "Tokens", {"steps": 12, "vocabulary": 1000}),
               ("core.embedding", "Embed", {"vocabulary": 10, "dim": 8}),
               ("rnn.lstm", "LSTM", {"hidden": 8}), ("core.dense", "Out", {"units": 2}),
               ("head.classification", "Head", {})])
    (problem,) = problems_of(g, "Embed")
    assert problem.param == "vocabulary" and problem.port == "in"
    assert problem.message == ("Embedding 'Embed' has room for 10 ids (0 to 9) but 'Tokens' gives ids up to 999: "
                               "set its vocabulary to 1,000 or more")
    assert not g.is_valid()
    g.set_param(g.node_by_name("Tokens").id, "vocabulary", 10)  # the source shrinks: the problem goes
    assert problems_of(g, "Embed") == [] and g.is_valid()
    g.set_param(g.node_by_name("Embed").id, "vocabulary", 9)
    assert "set its vocabulary to 10 or more" in problems_of(g, "Embed")[0].message


def test_conditional_gan_composites_need_a_class_for_every_label():
    from projects.examples.build import cgan_fashion

    g = cgan_fashion().graph
    assert g.is_valid()
    g.set_param(g.node_by_name("Class").id, "classes", 11)
    flagged = {p.node: p for p in g.problems() if "gives ids up to 10" in p.message}
    assert {g.nodes[n].name for n in flagged} == {"Generator", "Discriminator"}
    assert all(p.param == "classes" and p.port == "label" for p in flagged.values())
    assert "set its classes to 11 or more" in next(iter(flagged.values())).message
