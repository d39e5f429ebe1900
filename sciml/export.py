"""Deployment export: ONNX graphs of a trained network's forward map (MindIR's role: train once, run anywhere).

``export_onnx(module, example, path)`` traces ``module`` at ``example`` (dynamic batch axis) with the
TorchScript-based exporter, checks the file with ``onnx.checker``, and returns the path.
``onnxruntime_parity(module, path, inputs)`` runs the graph in onnxruntime and returns the largest
relative difference to PyTorch. A minimal C++ inference snippet is in the README.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch


def export_onnx(
    module: torch.nn.Module, example: torch.Tensor, path: str | Path, opset: int = 17, overwrite: bool = False
) -> Path:
    """Write ``module``'s forward map at ``example`` (batch axis dynamic) to ``path`` as a checked ONNX graph.

    ``path`` must be a file name, not a folder; an existing file is replaced only with ``overwrite``. The graph is
    written to ``<path>.partial`` and renamed when it checks out, so a failed export leaves nothing behind.
    """
    try:
        import onnx
    except ImportError as err:
        raise ImportError("ONNX export needs the onnx package: pip install 'sciml[export]'.") from err
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"--out {path} is a folder; give a file name, e.g. --out {path / 'model.onnx'}.")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass --force to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.eval().float()
    example = example.float()
    dynamic = {"input": {0: "batch"}, "output": {0: "batch"}}
    tmp = path.with_name(path.name + ".partial")
    try:
        torch.onnx.export(
            module,
            (example,),
            str(tmp),
            input_names=["input"],
            output_names=["output"],
            dynamic_axes=dynamic,
            opset_version=opset,
            dynamo=False,
        )
        onnx.checker.check_model(onnx.load(str(tmp)))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def onnxruntime_parity(module: torch.nn.Module, path: str | Path, inputs: torch.Tensor) -> float:
    """``max |ort − torch| / max |torch|`` on ``inputs``."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input": inputs.float().numpy()})[0]
    with torch.no_grad():
        want = module.eval().float()(inputs.float()).numpy()
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
