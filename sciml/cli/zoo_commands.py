"""``sciml zoo list | info | eval | predict`` and ``sciml export``: the pretrained models shipped in the package."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np

from sciml.cli.failures import EXIT_FAILED, record_failure


def _compare(got: dict, card: dict, tol: float) -> list[str]:
    bad = []
    for k, v in got.items():
        if k not in card:
            continue
        ref = card[k]
        off = abs(v - ref) / max(abs(ref), 1e-12)
        status = "ok" if off <= tol else "OFF"
        print(f"  {k:22s} card {ref:.6g}   now {v:.6g}   ({off * 100:.2f} %) {status}")
        if off > tol:
            bad.append(k)
    return bad


def zoo_list() -> int:
    """One line per entry: name, kind, headline metric, problem."""
    from sciml import zoo

    for n in zoo.list():
        c = zoo.info(n)
        key, value = next(iter(c["metrics"].items()), ("", float("nan")))
        print(f"{n:20s} {c['kind']:9s} {key}={value:.4g}  {c['problem']}")
    return 0


def zoo_info(name: str) -> int:
    """The model card as JSON."""
    from sciml import zoo

    print(json.dumps(zoo.info(name), indent=1, ensure_ascii=False))
    return 0


def zoo_eval(name: str, full: bool, tolerance: float) -> int:
    """Recompute an entry's metrics (``all``: every entry); exit 1 if one is off its card by more than ``tolerance``."""
    from sciml import zoo

    names = zoo.list() if name == "all" else [name]
    failed = []
    for n in names:
        card = zoo.info(n)
        print(f"{n} ({'full' if full else 'fast'} evaluation)")
        got = zoo.load(n).evaluate(full=full)
        failed += [f"{n}.{k}" for k in _compare(got, {**card.get("run_metrics", {}), **card["metrics"]}, tolerance)]
    if failed:
        print(f"sciml zoo eval: metrics more than {tolerance * 100:g} % off their cards: {failed}", file=sys.stderr)
        return 1
    return 0


def read_points(src: Path, names) -> np.ndarray:
    """Points ``[N, D]`` from ``.npy`` or a CSV (a header row naming the inputs in ``names``, or no header)."""
    if not src.is_file():
        raise FileNotFoundError(f"points file {src} does not exist.")
    if src.suffix == ".npy":
        pts = np.load(src, allow_pickle=False)
    else:
        lines = [ln for ln in src.read_text().splitlines() if ln.strip()]
        if not lines:
            raise ValueError(f"points file {src} is empty; it needs one row per point ({', '.join(names or [])}).")
        header = any(c.isalpha() for c in lines[0].replace("e", "").replace("E", ""))
        if header:
            cols = [c.strip() for c in lines[0].split(",")]
            if names and cols != list(names):
                raise ValueError(f"points file {src} has columns {cols}; this model takes {list(names)} in that order.")
            lines = lines[1:]
        if not lines:
            raise ValueError(f"points file {src} has a header but no rows.")
        pts = np.loadtxt(lines, delimiter=",", ndmin=2)
    if pts.size == 0:
        raise ValueError(f"points file {src} holds no points.")
    return pts


def zoo_predict(name: str, points: Path, out: Path, force: bool) -> int:
    """Evaluate an entry at the points of a CSV/NPY file; the output repeats the input columns."""
    from sciml import zoo

    if out.is_dir():
        raise IsADirectoryError(f"--out {out} is a folder; give a file name such as {out / 'prediction.csv'}.")
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass --force to replace it.")
    model = zoo.load(name)
    inputs = getattr(model, "input_names", None)
    pts = read_points(points, inputs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = model.predict(pts)
    for w in caught:
        print(f"sciml zoo predict: warning: {w.message}", file=sys.stderr)
    pred = pred.numpy() if hasattr(pred, "numpy") else np.asarray(pred)
    from sciml.checkpoint import atomic_write_bytes, atomic_write_text

    if out.suffix == ".npy":
        import io

        buf = io.BytesIO()
        np.save(buf, np.concatenate([pts, pred], 1) if inputs else pred)
        atomic_write_bytes(out, buf.getvalue())
    else:
        if not inputs:
            raise ValueError(f"zoo entry {name!r} maps fields to fields; write its prediction as .npy.")
        outputs = list(getattr(model, "output_names", None) or [f"y{k}" for k in range(pred.shape[1])])
        table = np.concatenate([pts, pred], 1)
        rows = "\n".join(",".join(f"{v:.10g}" for v in row) for row in table)
        atomic_write_text(out, ",".join([*inputs, *outputs]) + "\n" + rows + "\n")
    print(f"wrote {len(pred)} predictions to {out}")
    return 0


def export_target(model):
    """The ``nn.Module`` and an example input of a loaded zoo model."""
    from safetensors.torch import load_file

    ref = load_file(str(model.folder / "reference.safetensors"))
    if hasattr(model, "predictor"):  # PINN: the full field map, hard constraints included
        return model.predictor.model, ref["points"][:64].float()
    return model.model, ref["inputs"][:2].float()


def export_command(name: str, fmt: str, out: Path | None, force: bool) -> int:
    """Export an entry's forward map to ONNX and check it against onnxruntime."""
    from sciml import zoo
    from sciml.export import export_onnx, onnxruntime_parity

    out = out or Path(f"{name}.{fmt}")
    model = zoo.load(name)
    module, example = export_target(model)
    export_onnx(module, example, out, overwrite=force)
    err = onnxruntime_parity(module, out, example)
    print(f"wrote {out} (onnxruntime vs torch: max rel. difference {err:.2e})")
    return 0


def guarded(what: str, fn, *args) -> int:
    """Run a zoo/export command; a failure is one line on stderr and exit 2."""
    try:
        return fn(*args)
    except (Exception, KeyboardInterrupt) as err:
        record_failure(None, err, what=what)
        return EXIT_FAILED


__all__ = [
    "zoo_list",
    "zoo_info",
    "zoo_eval",
    "zoo_predict",
    "export_command",
    "export_target",
    "read_points",
    "guarded",
]
