"""``sciml zoo list | info NAME | eval NAME [--full] [--tolerance 0.02] | predict NAME --points F --out F`` and
``sciml export NAME --format onnx [--out FILE]``."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def _compare(name: str, got: dict, card: dict, tol: float) -> list[str]:
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


def zoo_main(args: list[str]) -> int:
    from sciml import zoo

    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, rest = args[0], args[1:]
    try:
        if cmd == "list":
            for n in zoo.list():
                c = zoo.info(n)
                main_metric = next(iter(c["metrics"].items()), ("", float("nan")))
                print(f"{n:20s} {c['kind']:9s} {main_metric[0]}={main_metric[1]:.4g}  {c['problem']}")
            return 0
        if cmd == "info" and rest:
            print(json.dumps(zoo.info(rest[0]), indent=1, ensure_ascii=False))
            return 0
        if cmd == "eval" and rest:
            full = "--full" in rest
            tol = float(rest[rest.index("--tolerance") + 1]) if "--tolerance" in rest else 0.02
            names = zoo.list() if rest[0] == "all" else [rest[0]]
            failed = []
            for n in names:
                card = zoo.info(n)
                print(f"{n} ({'full' if full else 'fast'} evaluation)")
                got = zoo.load(n).evaluate(full=full)
                ref = {**card.get("run_metrics", {}), **card["metrics"]}
                failed += [f"{n}.{k}" for k in _compare(n, got, ref, tol)]
            if failed:
                print(f"sciml zoo eval: metrics more than {tol * 100:g} % off their cards: {failed}", file=sys.stderr)
                return 1
            return 0
        if cmd == "predict" and rest and "--points" in rest and "--out" in rest:
            src, dst = Path(rest[rest.index("--points") + 1]), Path(rest[rest.index("--out") + 1])
            model = zoo.load(rest[0])
            pts = np.load(src) if src.suffix == ".npy" else np.loadtxt(src, delimiter=",", ndmin=2,
                                                                          skiprows=1 if _has_header(src) else 0)
            out = model.predict(pts)
            out = out.numpy() if hasattr(out, "numpy") else out
            if dst.suffix == ".npy":
                np.save(dst, out)
            else:
                names = getattr(model, "output_names", None) or [f"y{k}" for k in range(out.shape[1])]
                np.savetxt(dst, out, delimiter=",", header=",".join(names), comments="")
            print(f"wrote {out.shape} to {dst}")
            return 0
    except (ValueError, FileNotFoundError, KeyError) as err:
        print(f"sciml zoo: {err}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


def _has_header(path: Path) -> bool:
    first = path.read_text().splitlines()[0]
    return any(c.isalpha() for c in first.replace("e", "").replace("E", ""))


def export_main(args: list[str]) -> int:
    from sciml import zoo
    from sciml.export import export_onnx, onnxruntime_parity

    if not args or "--format" not in args or args[args.index("--format") + 1] != "onnx":
        print("usage: sciml export NAME --format onnx [--out FILE]", file=sys.stderr)
        return 2
    name = args[0]
    out = Path(args[args.index("--out") + 1]) if "--out" in args else Path(f"{name}.onnx")
    try:
        model = zoo.load(name)
    except (ValueError, FileNotFoundError) as err:
        print(f"sciml export: {err}", file=sys.stderr)
        return 2
    module, example = export_target(model)
    export_onnx(module, example, out)
    err = onnxruntime_parity(module, out, example)
    print(f"wrote {out} (onnxruntime vs torch: max rel. difference {err:.2e})")
    return 0


def export_target(model):
    """The ``nn.Module`` and an example input of a loaded zoo model."""
    import torch
    from safetensors.torch import load_file

    if hasattr(model, "solver"):  # PINN: the full field map, hard constraints included
        ref = load_file(str(model.folder / "reference.safetensors"))
        return model.solver.model, ref["points"][:64].float()
    ref = load_file(str(model.folder / "reference.safetensors"))
    return model.model, ref["inputs"][:2].float()
