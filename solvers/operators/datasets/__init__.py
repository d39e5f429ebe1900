"""Dataset generators that run our solvers on random inputs (registered in the ``sciml.datasets`` group).

Each module exposes ``schema(**params)`` and ``samples(indices, seed, **params)`` and a
:class:`sciml.plugins.DatasetGenerator` named ``GENERATOR``; :mod:`sciml.data.generation` writes
them as sharded HDF5 datasets (``sciml generate dataset=darcy``).
"""

from solvers.operators.datasets.random_fields import gaussian_random_field

__all__ = ["gaussian_random_field"]
