"""sciml: scientific machine learning on PyTorch.

The core package: runtime (device, mode, dtype), autodiff operators, networks, geometry
and sampling, the training engine, checkpoints and the command line. It never imports
``physics`` or ``solvers``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
