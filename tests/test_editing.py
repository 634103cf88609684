"""Qt-free editing helpers: clipboard JSON round trip, paste plans and generated graphs."""
import json

from projects.clipboard import copy_selection, paste_plan
from projects.editing import generated_project, position_after
from projects.examples import example_path
from projects.dlproj import read_project


def _lenet():
    project, errors = read_project(example_path("lenet5-classic"))
    assert not errors
    return project


def test_copy_selection_keeps_internal_wires_only():
    project = _lenet()
    g = project.graph
    ids = [g.node_by_name(n).id for n in ("C1", "S2", "C3")]
    data = json.loads(json.dumps(copy_selection(g, project.positions(), ids)))
    assert [n["name"] for n in data["nodes"]] == ["C1", "S2", "C3"]
    assert len(data["wires"]) == 2


def test_paste_plan_fresh_ids_unique_names_and_offset():
    project = _lenet()
    g = project.graph
    c1 = g.node_by_name("C1")
    data = copy_selection(g, project.positions(), [c1.id, g.node_by_name("S2").id])
    plan = paste_plan(g, data, offset=(10, 20))
    assert [n.name for n in plan.nodes] == ["C2", "S1"]
    assert all(n.id not in g.nodes for n in plan.nodes)
    assert len(plan.wires) == 1 and plan.wires[0].src == plan.nodes[0].id
    x, y = project.positions()[c1.id]
    assert plan.positions[plan.nodes[0].id] == [x + 10, y + 20]
    assert plan.nodes[0].params == c1.params and plan.nodes[0].params is not c1.params
    with g.batch():
        for node in plan.nodes:
            g.restore_node(node)
        for w in plan.wires:
            g.connect(w.src, w.src_port, w.dst, w.dst_port)
    assert len(g.nodes) == 12


def test_paste_plan_ignores_garbage():
    g = _lenet().graph
    assert paste_plan(g, {"format": "other"}).nodes == []
    assert paste_plan(g, "nonsense").nodes == []
    data = {"format": "netcanvas.blocks", "nodes": [{"type": "no.such"}, 3, {"type": "core.flatten", "id": "a"}],
            "wires": [{"from": ["a", "out"]}, {"from": ["a", "out"], "to": ["zz", "in"]}]}
    plan = paste_plan(g, data)
    assert [n.type_id for n in plan.nodes] == ["core.flatten"] and plan.wires == []


def test_generated_project_is_valid_and_large():
    project = generated_project(500, fan_out=20)
    g = project.graph
    assert len(g.nodes) == 500 and g.is_valid() is False  # no head: only the graph-level problem
    inp = g.node_by_name("Input")
    assert len(g.outputs_of(inp.id)) == 21
    assert all(not s.problems for s in g.states.values())
    assert set(project.positions()) == set(g.nodes)
    assert position_after({"a": [1.0, 2.0]}, "a")[1] == 2.0
