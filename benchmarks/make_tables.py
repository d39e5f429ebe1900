"""Render benchmarks/results/*.json as Markdown: every table into docs/results.md, the peer comparisons into README.md.

    python benchmarks/make_tables.py     # rewrites the blocks between the BENCHMARKS markers of both files

The README's table lists each speed comparison of sciml with a peer measured in the same script run, with the
conditions its JSON records (threads, precision, the peer's version and settings, the load) and the goal where an
issue set one; a row below its goal says so and keeps the goal. The full tables, every row and machine, are on the
results page. Files written before the conditions were recorded (no load figures) are marked † and left out of the
README table.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BENCHMARKS:BEGIN -->", "<!-- BENCHMARKS:END -->"

# (benchmark file prefix, peer) -> (goal on the speed ratio sciml/peer, where the goal was set)
GOALS: dict[tuple[str, str], tuple[float | None, str]] = {
    # on a GPU the issue-21 goal is against our own eager step (and <= 0.5 ms on Burgers); peers get no goal there
    ("pinn_step_gpu", "sciml_pynative_taylor"): (5.0, "issue 21: ≥ 5× our eager GPU step"),
    ("pinn_step_gpu", ""): (None, ""),
    ("pinn_step", "deepxde"): (3.0, "issue 21: ≥ 3× DeepXDE"),
    ("pinn_step", "jax_jit"): (1.0, "issue 21: ≥ 1× JAX"),
    ("fdtd_64", "meep"): (1.0, "issue 19: at or above Meep"),
    ("fdtd_128", "meep"): (1.0, "issue 19: at or above Meep"),
    ("fdtd", "fdtd_pkg"): (3.0, "≥ 3× the fdtd package"),
    ("md_bio", "openmm_cpu"): (0.5, "issue 18: ≥ 0.5× OpenMM CPU"),
    ("pinn_time_to_accuracy", "deepxde"): (3.0, "issue 21: ≥ 3× the fastest peer to each threshold"),
}
SPEED_UNITS = {"Mcells/s", "steps/s", "samples/s", "atom-steps/s", "ms/step", "speed ratio", "ns/day"}


def _machine(data: dict) -> str:
    m = data["machine"]
    text = f"{m.get('gpu') or m.get('cpu', '?')}, {m.get('cpu_count', '?')} cores, torch {m.get('torch', '?')}"
    if "load_before" in m:
        text += f", load {m['load_before']} before / {m['load_after']} after" + (" (forced)" if m.get("forced") else "")
    if "pace_ms_before" in m:
        text += f", pace {m['pace_ms_before']} / {m['pace_ms_after']} ms (a fixed Python loop; lower is faster)"
    return text


def _recorded(data: dict) -> bool:
    return "load_before" in data["machine"]


def _conditions(r: dict) -> str:
    parts = [f"{r['threads']} thr" if "threads" in r else "", r.get("precision", "")]
    for key, label in (("compile_seconds", "compile"), ("first_step_seconds", "first step")):
        if r.get(key):
            parts.append(f"{label} {r[key]:.3g} s")
    return ", ".join(p for p in parts if p)


def table(path: Path) -> str:
    """One results file as a Markdown table, headed by its machine and note."""
    data = json.loads(path.read_text())
    mark = "" if _recorded(data) else " †"
    lines = [
        f"**{path.stem}**{mark} — {_machine(data)}" + (f"; {data['note']}" if data.get("note") else ""),
        "",
        "| case | variant | value | unit | conditions | ratio | peer version, settings |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        peer = ", ".join(str(r[k]) for k in ("version", "settings") if r.get(k))
        if r.get("value") is None:
            lines.append(
                f"| {r['case']} | {r['variant']} | — | {r['unit']} | {_conditions(r)} | skipped: "
                f"{r.get('skipped', '')} | {peer} |"
            )
            continue
        ratio = f"{r['ratio']:.3g}× vs {r['ratio_to']}" if r.get("ratio") is not None else ""
        value = r["value"] if isinstance(r["value"], str) else f"{r['value']:.4g}"
        lines.append(f"| {r['case']} | {r['variant']} | {value} | {r['unit']} | {_conditions(r)} | {ratio} | {peer} |")
    return "\n".join(lines)


def _peer_settings(rows: list[dict], case: str, peer: str) -> str:
    for r in rows:
        if r["case"] == case and r["variant"] == peer:
            return "; ".join(str(r[k]) for k in ("version", "settings") if r.get(k))
    return ""


def _goal(stem: str, peer: str, ratio: float) -> str:
    for (prefix, name), (goal, source) in GOALS.items():
        if stem.startswith(prefix) and peer.startswith(name):
            if goal is None:
                return ""
            return f"{source}: **met**" if ratio >= goal else f"{source}: **not met** (gap {goal / ratio:.2f}×)"
    return ""


def headline(files: list[Path]) -> str:
    """sciml's speed ratios to a peer, one line each, with conditions, the peer's settings and the goal."""
    lines = [
        "| benchmark | case | sciml variant | ratio to the peer | conditions | peer (version; settings) | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in files:
        data = json.loads(path.read_text())
        if not _recorded(data):
            continue
        for r in data["rows"]:
            variant = str(r.get("variant", ""))
            if r.get("value") is None or not variant.startswith("sciml") or r.get("unit") not in SPEED_UNITS:
                continue
            if r["unit"] == "ms/step":  # times: against every peer timed in the same case
                pairs = [
                    (p["value"] / r["value"], p["variant"])
                    for p in data["rows"]
                    if p["case"] == r["case"] and p.get("value") and not p["variant"].startswith("sciml")
                ]
                if path.stem.startswith("pinn_step_gpu"):  # and against our own eager GPU step
                    pairs += [
                        (p["value"] / r["value"], p["variant"])
                        for p in data["rows"]
                        if p["case"] == r["case"] and p.get("value") and p["variant"] == "sciml_pynative_taylor"
                    ]
            elif r.get("ratio") is not None and r.get("ratio_to"):
                pairs = [(r["ratio"], str(r["ratio_to"]))]
            elif "/" in variant:  # a ratio row of its own: "sciml_x/peer"
                pairs = [(r["value"], variant.split("/", 1)[1])]
            else:
                continue
            for ratio, peer in pairs:
                if peer == variant:
                    continue
                lines.append(
                    f"| {path.stem} | {r['case']} | {variant.split('/', 1)[0]} | {ratio:.2f}× {peer} | "
                    f"{_conditions(r)} | {_peer_settings(data['rows'], r['case'], peer)} | "
                    f"{_goal(path.stem, peer, ratio)} |"
                )
    return "\n".join(lines)


def splice(path: Path, block: str) -> None:
    """Replace the text between the BENCHMARKS markers of ``path``."""
    text = path.read_text()
    if BEGIN not in text:
        raise SystemExit(f"{path} has no {BEGIN} marker")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}")


def main() -> None:
    files = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    legend = "† measured before threads, load and peer settings were recorded per row (kept for the record)."
    splice(ROOT / "docs" / "results.md", "\n\n".join([*(table(f) for f in files), legend]) or "_no results yet_")
    splice(ROOT / "README.md", headline(files))


if __name__ == "__main__":
    main()
