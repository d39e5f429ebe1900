"""Render benchmarks/results/*.json as Markdown tables and splice them into README.md.

python benchmarks/make_tables.py        # rewrites the block between the BENCHMARKS markers
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BENCHMARKS:BEGIN -->", "<!-- BENCHMARKS:END -->"


def table(path: Path) -> str:
    data = json.loads(path.read_text())
    m = data["machine"]
    lines = [
        f"**{path.stem}** — {m.get('gpu') or m.get('cpu', '?')}, {m.get('torch_threads', '?')} threads, "
        f"torch {m.get('torch', '?')}" + (f"; {data['note']}" if data.get("note") else ""),
        "",
        "| case | variant | value | unit | range | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        if r.get("value") is None:
            lines.append(f"| {r['case']} | {r['variant']} | — | {r['unit']} | skipped: {r.get('skipped', '')} | |")
            continue
        rng = f"{r['min']:.3g}–{r['max']:.3g}" if "min" in r else ""
        ratio = f"{r['ratio']:.2f}× vs {r['ratio_to']}" if r.get("ratio") is not None else ""
        lines.append(f"| {r['case']} | {r['variant']} | {r['value']:.4g} | {r['unit']} | {rng} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    files = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    block = "\n\n".join(table(f) for f in files) or "_no results yet_"
    readme = ROOT / "README.md"
    text = readme.read_text()
    if BEGIN not in text:
        raise SystemExit(f"README.md has no {BEGIN} marker")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}")


if __name__ == "__main__":
    main()
