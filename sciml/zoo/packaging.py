"""Turn a finished training run into a zoo entry (used by ``scripts/train_zoo.py``).

The reference stored with the entry comes from its kind's registered :class:`sciml.plugins.ZooLoader`.

``package(spec, run_dir)`` copies the run's resolved config and final weights (a sciml checkpoint, SHA-256
in ``meta.json``), stores the evaluation reference (``reference.safetensors``), re-evaluates the packaged
model through its loader (so the card states what the shipped files give), and writes ``card.json``,
``card.md`` and the registry line.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from omegaconf import OmegaConf
from safetensors.torch import save_file

from sciml.checkpoint import list_checkpoints
from sciml.checkpoint.atomic import atomic_write_text
from sciml.zoo import ENTRIES, ROOT


def _final_checkpoint(run_dir: Path) -> Path:
    final = run_dir / "checkpoints" / "final"
    if final.exists():
        return final
    found = list_checkpoints(run_dir / "checkpoints", "ckpt")
    if not found:
        raise FileNotFoundError(f"no checkpoint under {run_dir}/checkpoints; train the entry first.")
    return found[-1]


def render_card(card: dict) -> str:
    """The card as Markdown for people (``card.md``)."""
    m = "\n".join(
        f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in card["metrics"].items()
    )
    return f"""# {card["name"]}

{card["problem"]}

- **Equations:** {card["equations"]}
- **Domain:** {card["domain"]}
- **Data / reference:** {card["data"]}
- **Architecture:** {card["architecture"]}
- **Training command:** `{card["training_command"]}`
- **Training time and hardware:** {card["training_seconds"]:.0f} s on {card["hardware"]}
- **Weights:** `checkpoint/model.safetensors`, SHA-256 `{card["sha256"]}` ({card["size_bytes"]} bytes)
- **Licence:** {card["licence"]}
- **Citation:** {card["citation"]}

| metric (against {card["metric_reference"]}) | value |
|---|---|
{m}

`sciml zoo eval {card["name"]}` recomputes these and fails if one is more than 2 % off.
"""


def package(spec: dict, run_dir: str | Path, device: str = "cpu") -> dict:
    """Package the run in ``run_dir`` as zoo entry ``spec['name']`` of kind ``spec['kind']`` (a registered zoo
    loader); re-evaluates it through that loader and returns the card."""
    from sciml import zoo

    run_dir = Path(run_dir)
    name, kind = spec["name"], spec["kind"]
    dest = ENTRIES / name
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "checkpoint").mkdir(parents=True)
    cfg = OmegaConf.load(run_dir / "config.yaml")
    OmegaConf.save(cfg, dest / "config.yaml")
    ck = _final_checkpoint(run_dir)
    shutil.copy2(ck / "model.safetensors", dest / "checkpoint" / "model.safetensors")
    meta = json.loads((ck / "meta.json").read_text())
    meta["sha256"] = {"model.safetensors": meta["sha256"]["model.safetensors"]}
    meta.pop("config", None)
    atomic_write_text(dest / "checkpoint" / "meta.json", json.dumps(meta, indent=1))
    from sciml.plugins import load as load_plugin

    save_file(load_plugin("sciml.zoo_loaders", kind).reference(cfg), str(dest / "reference.safetensors"))
    run_metrics = json.loads((run_dir / "metrics.json").read_text())
    reg = json.loads((ROOT / "registry.json").read_text())
    reg["entries"][name] = {"folder": name, "kind": kind}
    atomic_write_text(ROOT / "registry.json", json.dumps(reg, indent=1, sort_keys=True))
    weights = (dest / "checkpoint" / "model.safetensors").read_bytes()
    card = {
        k: spec[k]
        for k in ("problem", "equations", "domain", "data", "architecture", "metric_reference", "licence", "citation")
    }
    card.update(
        name=name,
        kind=kind,
        loader=kind,
        training_command=spec["command"],
        hardware=spec.get("hardware", "2-core x86 CPU, torch 2.13 CPU"),
        training_seconds=float(run_metrics.get("wall_seconds") or run_metrics.get("train_seconds") or 0.0),
        sha256=hashlib.sha256(weights).hexdigest(),
        size_bytes=len(weights),
        metrics={},
    )
    atomic_write_text(dest / "card.json", json.dumps(card, indent=1))
    model = zoo.load(name, device)
    fast = model.evaluate(full=False)
    if kind == "pinn":
        card["metrics"] = fast  # the stored reference holds every evaluation point: fast == full
        card["run_metrics"] = {k: run_metrics[k] for k in ("rel_l2", "max_abs_error") if k in run_metrics}
    else:
        card["metrics"] = {**fast, **{k: run_metrics[k] for k in ("rel_l2", "one_step_rel_l2") if k in run_metrics}}
    atomic_write_text(dest / "card.json", json.dumps(card, indent=1))
    atomic_write_text(dest / "card.md", render_card(card))
    return card
