"""Training tasks: the contract (base.py) and one module per kind of training. Importing this
package registers every task declared in projects/tasks.py."""
from __future__ import annotations

from .base import (Task, TaskContext, TaskError, average_gradients, in_eval_mode, registered_tasks,  # noqa: F401
                   resolve_task, task_class)
from .supervised import SupervisedTask  # noqa: F401  (registers)
from .gan import GANTask  # noqa: F401
from .vae import VAETask  # noqa: F401
from .perceptron import PerceptronTask  # noqa: F401


def make_task(ctx: TaskContext, task: str) -> Task:
    """The task ``task`` for a compiled model (TaskError when they do not fit)."""
    return task_class(task)(ctx, task)


__all__ = ["GANTask", "PerceptronTask", "SupervisedTask", "Task", "TaskContext", "TaskError", "VAETask",
           "average_gradients", "in_eval_mode", "make_task", "registered_tasks", "resolve_task", "task_class"]
