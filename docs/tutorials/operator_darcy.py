"""Tutorial: generate a small Darcy dataset with sciml's own solver and train an FNO on it.

Run: ``python docs/tutorials/operator_darcy.py [folder]`` (about a minute; the dataset goes to ``folder``).
"""

import sys
from pathlib import Path

import torch

from sciml.data import ShardedDataset, generate
from sciml.networks import FNO
from solvers.operators import OperatorTraining, Task, evaluate, fit_normalizer, train_operator
from solvers.operators.normalized import NormalizedOperator

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "tutorial_data") / "darcy17"
generate("darcy", folder, samples=48, params={"resolution": 17}, progress=False)  # resumable, sharded HDF5
ds = ShardedDataset(folder)
train, test = ds.split([0.75, 0.25], by="sample", seed=0)
task = Task("darcy")
x, y = task.pairs(train)
model = NormalizedOperator(
    FNO(1, 1, modes=(6, 6), width=16, layers=3), fit_normalizer(x, True), fit_normalizer(y, True)
)
res = train_operator(
    model,
    torch.utils.data.TensorDataset(x, y),
    OperatorTraining(epochs=20, batch_size=8, lr=3e-3),
    task.dims,
    task.periodic,
)
xt, yt = task.pairs(test)
print(f"trained {res.steps} steps in {res.seconds:.1f} s; test relative L2 {evaluate(model, xt, yt)['rel_l2']:.3f}")
