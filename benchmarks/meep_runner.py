"""Running Debian's Meep from our scripts: it imports only under ``/usr/bin/python3`` (``SCIML_MEEP_PYTHON``
overrides), so a Meep script runs in a subprocess and writes its results as JSON to the path it gets as
``sys.argv[1]``."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

MEEP_PYTHON = os.environ.get("SCIML_MEEP_PYTHON", "/usr/bin/python3")


def meep_available() -> tuple[bool, str]:
    """Whether Debian's Meep runs here, and if not why (for a clear skip)."""
    try:
        r = subprocess.run([MEEP_PYTHON, "-c", "import meep"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"{MEEP_PYTHON} cannot run ({err}); install Debian's python3-meep (apt-get install python3-meep)"
    if r.returncode != 0:
        return False, f"{MEEP_PYTHON} cannot import meep; install Debian's python3-meep (apt-get install python3-meep)"
    return True, ""


def run_meep(code: str, args, timeout: float = 1800, command=None, env=None) -> dict:
    """Run the Meep script ``code`` with ``sys.argv = [-c, <json path>, *args]``; returns the JSON it wrote.
    ``command`` (default ``[MEEP_PYTHON]``) and ``env`` run it otherwise, e.g. under ``mpirun`` (Meep's MPI build)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "meep.json")
        r = subprocess.run(
            [*(command or [MEEP_PYTHON]), "-c", code, out, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
        if r.returncode != 0:
            raise RuntimeError(f"Meep failed:\n{r.stderr[-3000:]}")
        with open(out) as fh:
            return json.load(fh)


def parse_single_thread(ap):
    """Add ``--json`` and ``--force`` to ``ap``, parse, pin this process (and Meep's) to one thread, and start
    watching the load: returns ``(args, guard)`` for :func:`finish_rows`."""
    import torch
    from _common import LoadGuard, pin_threads

    ap.add_argument("--json", default=None)
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    args = ap.parse_args()
    pin_threads(1)
    torch.set_num_threads(1)
    return args, LoadGuard(args.force)


def finish_rows(rows: list, meep: dict | None, ours_seconds: float, case: str, conditions: dict, why: str, path, guard):
    """Append the speed row (Meep's time stepping over ours: above 1, ours is faster) when Meep ran, print the
    rows, say why Meep did not run, and write ``{"machine", "rows"}`` to ``path`` when given (with the load facts
    ``guard`` watched, which the README's tables require of timed rows)."""
    from _common import write_json

    if meep:
        ratio = round(meep["seconds"] / ours_seconds, 4)
        rows.append(
            {
                "case": case,
                "variant": "sciml/meep",
                "value": ratio,
                "unit": "speed ratio",
                "ratio_to": "meep",
                **conditions,
            }
        )
    for r in rows:
        print(f"{r['case']:60s} {r['variant']:10s} {r['value']} {r['unit']}")
    if not meep:
        print(f"Meep not run: {why}")
    if path:
        write_json(path, rows, guard=guard)


__all__ = ["MEEP_PYTHON", "meep_available", "run_meep", "parse_single_thread", "finish_rows"]
