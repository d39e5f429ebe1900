"""Shared helpers for benchmark scripts: pinned threads, machine load, machine facts and the JSON result layout.

Every benchmark pins its thread count in the script (:func:`pin_threads`, also exported to the peers' subprocesses
through ``OMP_NUM_THREADS`` and friends), records the load average before and after it runs, and refuses to write
results when the machine was busier than it has cores (:func:`LoadGuard`; after the run the benchmark's own
threads count, so the limit is one more), unless ``--force`` is given — in which case the JSON says so.
Rows carry the conditions they were measured under (``threads``, ``precision``, peer
``version`` and ``settings``, ``compile_seconds`` where something compiles).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XLA_FLAGS")


def pin_threads(n: int) -> dict[str, str]:
    """Use ``n`` threads here (torch, and the environment that subprocesses inherit); returns that environment."""
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(n)
    os.environ["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if n > 1 else 'false'} intra_op_parallelism_threads={n}"
    )
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass
    return {k: os.environ[k] for k in THREAD_VARS}


def cold_compile_cache() -> str:
    """Point torch.compile's on-disk caches at a fresh folder, so the next compile is timed cold (as a new user's)."""
    import tempfile

    path = tempfile.mkdtemp(prefix="sciml-bench-inductor-")
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = path
    os.environ["TRITON_CACHE_DIR"] = os.path.join(path, "triton")
    return path


def load_average() -> float:
    """The 1-minute load average (0 where the platform has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return 0.0


def pace_probe_ms() -> float:
    """Milliseconds a fixed pure-Python loop takes here (best of 5): the machine's pace when the run was made.

    The load average sees only this machine's processes; on a shared host a co-tenant slows every core without
    showing in it. Between two runs of one script the pace here moved by up to 1.9×, and not evenly: a peer made
    of many small Python-dispatched operations (DeepXDE) slowed more than a fused kernel, which inflated ratios
    against it. Compare results across runs only at a similar pace.
    """
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        sum(i * i for i in range(200_000))
        best = min(best, time.perf_counter() - t0)
    return round(best * 1e3, 2)


class LoadGuard:
    """Record the load and the pace before and after; refuse to write when the load exceeds the core count,
    unless forced."""

    def __init__(self, force: bool = False):
        self.force, self.cores = force, os.cpu_count() or 1
        self.before = load_average()
        self.pace_before = pace_probe_ms()
        self.after: float | None = None

    def finish(self) -> dict:
        """The load facts for the JSON; exits when the machine was too busy and this is not forced.

        Busy means a load above the core count before the run, or above ``cores + 1`` after it (the benchmark's own
        threads are in the after figure: a two-thread run alone reads about 2 on two cores; a co-tenant adds to it).
        """
        self.after = load_average()
        busy = self.before > self.cores or self.after > self.cores + 1
        facts = {"load_before": self.before, "load_after": self.after, "cores": self.cores, "busy": busy}
        facts["pace_ms_before"], facts["pace_ms_after"] = self.pace_before, pace_probe_ms()
        if busy and not self.force:
            sys.exit(
                f"benchmark: the load average ({self.before} before, {self.after} after) exceeded the "
                f"{self.cores} cores, so timings are co-tenant noise; not writing results. Rerun on a quiet "
                "machine, or pass --force (the JSON then records busy=true)."
            )
        facts["forced"] = bool(busy and self.force)
        return facts


def machine_info() -> dict:
    """Python, platform, CPU model and count, torch version and threads, GPU name."""
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": os.cpu_count()}
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def summarize(samples_ms: list[float]) -> dict:
    """Median, min, max and count of timing samples."""
    return {
        "median": statistics.median(samples_ms),
        "min": min(samples_ms),
        "max": max(samples_ms),
        "n": len(samples_ms),
    }


def package_version(name: str, python: str | None = None) -> str | None:
    """``name``'s installed version, in this interpreter or in ``python`` (e.g. Debian's for Meep)."""
    if python is None:
        from importlib import metadata

        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None
    code = f"import {name}; print(getattr({name}, '__version__', 'unknown'))"
    r = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return r.stdout.strip().splitlines()[-1] if r.returncode == 0 and r.stdout.strip() else None


def run_worker(script: str, args: list[str], timeout: float = 900) -> dict:
    """Run ``script --worker args`` in a fresh interpreter and parse its last stdout line as JSON."""
    r = subprocess.run([sys.executable, script, "--worker", *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        text = (r.stderr or r.stdout).strip()
        return {"error": text.splitlines()[-1] if text else f"exit {r.returncode}"}
    return json.loads(r.stdout.strip().splitlines()[-1])


def deepxde_burgers_data(num_domain: int = 2540, num_boundary: int = 80, num_initial: int = 160):
    """DeepXDE's documented Burgers problem (ν = 0.01/π on [−1, 1] × [0, 0.99]) as its ``dde.data.TimePDE``.

    The defaults are the documented example's point counts; importing deepxde is left to the caller's backend choice.
    """
    import deepxde as dde
    import numpy as np

    geom = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 0.99))

    def pde(x, y):
        y_x = dde.grad.jacobian(y, x, i=0, j=0)
        y_t = dde.grad.jacobian(y, x, i=0, j=1)
        y_xx = dde.grad.hessian(y, x, i=0, j=0)
        return y_t + y * y_x - 0.01 / np.pi * y_xx

    bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda _, on_b: on_b)
    ic = dde.icbc.IC(geom, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_i: on_i)
    return dde.data.TimePDE(
        geom, pde, [bc, ic], num_domain=num_domain, num_boundary=num_boundary, num_initial=num_initial
    )


def write_json(path: str | Path, rows: list[dict], extra: dict | None = None, guard: LoadGuard | None = None) -> None:
    """``{"machine": {...}, "rows": [...]}`` at ``path``, with the load facts when a guard watched the run."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    if guard is not None:
        machine.update(guard.finish())
    path.write_text(json.dumps({"machine": machine, **(extra or {}), "rows": rows}, indent=2) + "\n")


def peer_rows(
    case: str,
    name: str,
    result: dict,
    key: str,
    unit: str,
    ours: dict[str, float],
    digits: int = 2,
    conditions: dict | None = None,
) -> list[dict]:
    """The peer's row (or a skipped row with its error) and one ``ours/peer`` speed-ratio row per variant of ours.

    ``conditions`` (threads, precision, version, settings) go into every row.
    """
    value = round(result[key], digits) if key in result else None
    extra = dict(conditions or {})
    row = {"case": case, "variant": name, "value": value, "unit": unit, "ratio_to": None, **extra}
    if "error" in result:
        row["skipped"] = result["error"]
    rows = [row]
    if value:
        rows += [
            {
                "case": case,
                "variant": f"{v}/{name}",
                "value": round(rate / result[key], 4),
                "unit": "speed ratio",
                "ratio_to": name,
                **extra,
            }
            for v, rate in ours.items()
        ]
    for r in rows:
        print(json.dumps(r), flush=True)
    return rows
