"""Render benchmarks/results/*.json as Markdown: every table into docs/results.md, the headline ratios into README.md.

    python benchmarks/make_tables.py     # rewrites the blocks between the BENCHMARKS markers of both files

The README's headline table lists each row that compares sciml with a peer (``ratio`` and ``ratio_to`` set), with
the conditions the JSON records; the full tables, every row and machine, are on the results page.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BENCHMARKS:BEGIN -->", "<!-- BENCHMARKS:END -->"


def _machine(data: dict) -> str:
    m = data["machine"]
    return f"{m.get('gpu') or m.get('cpu', '?')}, {m.get('torch_threads', '?')} threads, torch {m.get('torch', '?')}"


def table(path: Path) -> str:
    """One results file as a Markdown table, headed by its machine and note."""
    data = json.loads(path.read_text())
    lines = [
        f"**{path.stem}** — {_machine(data)}" + (f"; {data['note']}" if data.get("note") else ""),
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


def headline(files: list[Path]) -> str:
    """sciml's rows that carry a ratio to a peer, one line each, with the file they come from."""
    lines = ["| benchmark | case | sciml variant | value | ratio to the peer | machine |", "|---|---|---|---|---|---|"]
    for path in files:
        data = json.loads(path.read_text())
        for r in data["rows"]:
            variant = str(r.get("variant", ""))
            if r.get("value") is None or not variant.startswith("sciml"):
                continue
            if r.get("ratio") is not None:
                ratio = f"{r['ratio']:.2f}× {r['ratio_to']}"
            elif "/" in variant:  # a ratio row of its own: "sciml_x/peer"
                ratio = f"{r['value']:.2f}× {variant.split('/', 1)[1]}"
            else:
                continue
            value = "" if "/" in variant else f"{r['value']:.4g} {r['unit']}"
            lines.append(
                f"| {path.stem} | {r['case']} | {variant.split('/', 1)[0]} | {value} | {ratio} | {_machine(data)} |"
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
    splice(ROOT / "docs" / "results.md", "\n\n".join(table(f) for f in files) or "_no results yet_")
    splice(ROOT / "README.md", headline(files))


if __name__ == "__main__":
    main()
