"""Builds the bundled examples with the projects API: ``python -m projects.examples.build``.

The shipped .dlproj files are this script's output; a test checks they still match it."""
from __future__ import annotations

from pathlib import Path

from projects.dlproj import write_project
from projects.graph import Graph
from projects.layout import auto_layout
from projects.project import Project
from projects.training import complete_training

HERE = Path(__file__).resolve().parent

Layer = tuple[str, str, dict]


def chain(layers: list[Layer]) -> Graph:
    """A graph of ``layers`` wired one after the other (type id, name, params)."""
    graph = Graph()
    prev = None
    with graph.batch():
        for type_id, name, params in layers:
            node = graph.add_node(type_id, name, params)
            if prev is not None:
                graph.connect(prev.id, prev.block.outputs[0].name, node.id, node.block.inputs[0].name)
            prev = node
    return graph


def lenet5_classic() -> Project:
    graph = chain([
        ("input.image", "Input", {"channels": 1, "height": 32, "width": 32}),
        ("conv.conv2d", "C1", {"out_channels": 6, "kernel": 5, "activation": "tanh"}),
        ("pool.subsampling", "S2", {"kernel": 2, "activation": "tanh"}),
        ("conv.lenet_c3", "C3", {"kernel": 5, "activation": "tanh"}),
        ("pool.subsampling", "S4", {"kernel": 2, "activation": "tanh"}),
        ("conv.conv2d", "C5", {"out_channels": 120, "kernel": 5, "activation": "tanh"}),
        ("core.flatten", "Flatten", {}),
        ("core.dense", "F6", {"units": 84, "activation": "tanh"}),
        ("core.dense", "Output", {"units": 10}),
        ("head.classification", "Softmax", {}),
    ])
    return _project(graph, "LeNet-5 (classic)",
                    "LeNet-5 as in LeCun et al. 1998 and the course: tanh, trainable subsampling, partially "
                    "connected C3 (Table I). Trains on the bundled Fashion-MNIST subset, padded to 32x32.",
                    {"optimizer": {"name": "adam", "lr": 1e-3}, "epochs": 10, "batch_size": 128})


def lenet5() -> Project:
    graph = chain([
        ("input.image", "Input", {"channels": 1, "height": 28, "width": 28}),
        ("conv.conv2d", "C1", {"out_channels": 6, "kernel": 5, "same": True, "activation": "relu"}),
        ("pool.max2d", "S2", {"kernel": 2}),
        ("conv.conv2d", "C3", {"out_channels": 16, "kernel": 5, "activation": "relu"}),
        ("pool.max2d", "S4", {"kernel": 2}),
        ("core.flatten", "Flatten", {}),
        ("core.dense", "C5", {"units": 120, "activation": "relu"}),
        ("core.dense", "F6", {"units": 84, "activation": "relu"}),
        ("core.dense", "Output", {"units": 10}),
        ("head.classification", "Softmax", {}),
    ])
    return _project(graph, "LeNet-5 (modern)",
                    "LeNet-5 with today's choices: ReLU, max-pooling and 'same' padding on 28x28 inputs. "
                    "Reaches about 90% on Fashion-MNIST.",
                    {"optimizer": {"name": "adam", "lr": 2e-3}, "epochs": 10, "batch_size": 128})


def mlp() -> Project:
    graph = chain([
        ("input.image", "Input", {"channels": 1, "height": 28, "width": 28}),
        ("core.flatten", "Flatten", {}),
        ("core.dense", "Hidden1", {"units": 256, "activation": "relu"}),
        ("core.dropout", "Dropout1", {"rate": 0.2}),
        ("core.dense", "Hidden2", {"units": 128, "activation": "relu"}),
        ("core.dropout", "Dropout2", {"rate": 0.2}),
        ("core.dense", "Output", {"units": 10}),
        ("head.classification", "Softmax", {}),
    ])
    return _project(graph, "MLP classifier",
                    "The practical work's option 2: a multilayer perceptron on vectorised images, with dropout "
                    "and early stopping against overfitting.",
                    {"optimizer": {"name": "adam", "lr": 1e-3}, "epochs": 20, "batch_size": 128,
                     "early_stopping": {"enabled": True, "patience": 3}})


def vgg16() -> Project:
    layers: list[Layer] = [("input.image", "Input", {"channels": 3, "height": 224, "width": 224})]
    for stage, (width, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
        for i in range(1, convs + 1):
            layers.append(("conv.conv2d", f"conv{stage}_{i}",
                           {"out_channels": width, "kernel": 3, "same": True, "activation": "relu"}))
        layers.append(("pool.max2d", f"pool{stage}", {"kernel": 2}))
    layers += [
        ("pool.adaptive_avg2d", "avgpool", {"height": 7, "width": 7}),
        ("core.flatten", "Flatten", {}),
        ("core.dense", "fc6", {"units": 4096, "activation": "relu"}),
        ("core.dropout", "drop6", {"rate": 0.5}),
        ("core.dense", "fc7", {"units": 4096, "activation": "relu"}),
        ("core.dropout", "drop7", {"rate": 0.5}),
        ("core.dense", "fc8", {"units": 1000}),
        ("head.classification", "Softmax", {}),
    ]
    return _project(chain(layers), "VGG-16",
                    "VGG-16 (Simonyan & Zisserman 2014): thirteen 3x3 convolutions in five stages and three "
                    "dense layers, 138,357,544 parameters for 1000 classes at 3x224x224.",
                    {"dataset": {"name": "cifar10"}, "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.9},
                     "epochs": 30, "batch_size": 64}, wrap=12)


def xor_perceptron() -> Project:
    graph = chain([
        ("input.vector", "Inputs", {"features": 2}),
        ("core.dense", "Hidden", {"units": 2, "activation": "tanh"}),
        ("core.dense", "Output", {"units": 1, "activation": "tanh"}),
        ("head.total_squared_error", "Error", {}),
    ])
    return _project(graph, "XOR with two layers of perceptrons",
                    "The course's exercise: one perceptron cannot separate XOR, two layers can. Inputs and "
                    "targets are -1/+1; trained on the total squared error.",
                    {"dataset": {"name": "xor", "targets": "values", "val_fraction": 0.0}, "task": "regression",
                     "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9}, "epochs": 300, "batch_size": 4,
                     "early_stopping": {"enabled": False}, "log_every": 1})


def _project(graph: Graph, title: str, description: str, training: dict, wrap: int = 0) -> Project:
    project = Project(graph=graph, training=complete_training(training),
                      meta={"title": title, "description": description, "created": "2026-11-24T00:00:00+00:00"})
    project.view["positions"] = auto_layout(graph, wrap=wrap)
    return project


EXAMPLES = {"lenet5-classic": lenet5_classic, "lenet5": lenet5, "mlp": mlp, "vgg16": vgg16,
            "xor-perceptron": xor_perceptron}


def main() -> None:
    for name, make in EXAMPLES.items():
        write_project(make(), HERE / f"{name}.dlproj")
        print(f"wrote {name}.dlproj")


if __name__ == "__main__":
    main()
