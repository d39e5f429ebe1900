"""Map sciml device names to torch devices.

``auto`` picks ``cuda`` if present, then ``npu`` (Ascend, through ``torch_npu``), else ``cpu``.
``torch_npu`` is imported lazily, only when Ascend is asked for or probed.
"""

from __future__ import annotations

import importlib

import torch

DEVICE_CHOICES = ("auto", "cpu", "gpu", "ascend")


def _npu_available() -> bool:
    try:
        importlib.import_module("torch_npu")
    except ImportError:
        return False
    npu = getattr(torch, "npu", None)
    return bool(npu is not None and npu.is_available())


def available_devices() -> list[str]:
    """Names (from ``DEVICE_CHOICES``) usable on this machine, ``cpu`` always included."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("gpu")
    if _npu_available():
        found.append("ascend")
    return found


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """Return the ``torch.device`` for a sciml device name.

    Raises ``ValueError`` for an unknown name and ``RuntimeError`` when the requested
    accelerator is absent, saying what is missing and how to install it.
    """
    if isinstance(name, torch.device):
        return name
    key = str(name).lower()
    if key == "cuda":
        key = "gpu"
    if key == "npu":
        key = "ascend"
    if key not in DEVICE_CHOICES:
        raise ValueError(
            f"device={name!r} is not a known device. Expected one of {list(DEVICE_CHOICES)} "
            f"(e.g. `sciml run device=cpu`)."
        )
    if key == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _npu_available():
            return torch.device("npu")
        return torch.device("cpu")
    if key == "cpu":
        return torch.device("cpu")
    if key == "gpu":
        if not torch.cuda.is_available():
            build = torch.version.cuda
            why = (
                f"this torch {torch.__version__} is a CPU-only build"
                if build is None
                else f"torch {torch.__version__} was built for CUDA {build} but no CUDA device is visible"
            )
            raise RuntimeError(
                f"device=gpu was requested but {why}. Install a CUDA build, e.g. "
                "`TORCH_SPEC=torch==2.13.0 TORCH_INDEX_URL=https://download.pytorch.org/whl/cu126 "
                "bash scripts/bootstrap.sh`, check `nvidia-smi`, or run with `device=cpu`."
            )
        return torch.device("cuda")
    # ascend
    try:
        importlib.import_module("torch_npu")
    except ImportError as err:
        raise RuntimeError(
            "device=ascend was requested but the `torch_npu` package is not installed. "
            "Install the CANN toolkit and a matching `torch_npu` wheel (`pip install torch_npu`, "
            "version paired with your torch), or run with `device=cpu`."
        ) from err
    if not torch.npu.is_available():  # type: ignore[attr-defined]
        raise RuntimeError(
            "device=ascend was requested and torch_npu imports, but no NPU is visible. "
            "Check `npu-smi info` and ASCEND_RT_VISIBLE_DEVICES, or run with `device=cpu`."
        )
    return torch.device("npu")
