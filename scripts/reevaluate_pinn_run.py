"""Re-evaluate a finished PINN run against its (possibly updated) reference, without retraining.

    python scripts/reevaluate_pinn_run.py RUN_DIR [evaluation.cells=200 evaluation.stride=4 ...]

Loads ``RUN_DIR/config.yaml`` (dot-list overrides apply, for example to the ``evaluation`` block), the run's final
checkpoint (or its newest one), evaluates with :meth:`FieldPredictor.evaluate`, and updates ``metrics.json`` and
``config.yaml`` atomically. The previous figures are kept under ``"before_reevaluation"``; ``"reevaluated"`` says
when and with which overrides. Training figures (steps, wall time, final loss) are untouched.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

from omegaconf import OmegaConf

from sciml.checkpoint.atomic import atomic_write_text
from sciml.config import instantiate
from sciml.zoo.packaging import _final_checkpoint
from solvers.pinn import predictor_from_checkpoint


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    run = Path(argv[0])
    if not (run / "config.yaml").exists() or not (run / "metrics.json").exists():
        print(f"{run} is not a finished run folder (it needs config.yaml and metrics.json).", file=sys.stderr)
        return 2
    cfg = OmegaConf.merge(OmegaConf.load(run / "config.yaml"), OmegaConf.from_dotlist(argv[1:]))
    predictor = predictor_from_checkpoint(cfg, _final_checkpoint(run))
    new = predictor.evaluate(instantiate(cfg.evaluation, "evaluation reference"))
    old = json.loads((run / "metrics.json").read_text())
    before = {k: old[k] for k in list(old) if k in new or k.startswith(("rel_l2", "exact_", "fdtd_", "max_abs"))}
    merged = {k: v for k, v in old.items() if k not in before and k not in ("before_reevaluation", "reevaluated")}
    merged.update(
        new,
        before_reevaluation=old.get("before_reevaluation", before),
        reevaluated={"date": datetime.date.today().isoformat(), "overrides": argv[1:]},
    )
    atomic_write_text(run / "metrics.json", json.dumps(merged, indent=2))
    atomic_write_text(run / "config.yaml", OmegaConf.to_yaml(cfg))
    print(json.dumps(new, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
