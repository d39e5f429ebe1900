"""Training-data generation: our solvers on random inputs, written as sharded HDF5 datasets."""
from solvers.datasets.generation import GENERATORS, dataset_path, ensure_dataset, generate
from solvers.datasets.random_fields import gaussian_random_field

__all__ = ["GENERATORS", "generate", "ensure_dataset", "dataset_path", "gaussian_random_field"]
