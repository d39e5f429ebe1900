"""``sciml data info`` and ``sciml data verify``: what a dataset holds, and whether it is intact."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from sciml.checkpoint.files import check_regular_file
from sciml.data.reader import read_manifest
from sciml.data.schema import DatasetError, Schema
from sciml.data.writer import MANIFEST, STATS, sha256_file


@dataclass
class VerifyReport:
    """Outcome of :func:`verify`: ``ok`` only if every listed shard hashes to its recorded SHA-256 and holds finite
    values of the schema's fields, shapes and dtypes."""

    path: Path
    samples: int = 0
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    torn: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [f"{self.path}: {self.checked} shards, {self.samples} samples checked"]
        lines += [f"  PROBLEM: {p}" for p in self.problems]
        lines += [f"  torn shard (interrupted write, not part of the dataset): {t}" for t in self.torn]
        lines.append("  OK" if self.ok else f"  FAILED ({len(self.problems)} problems)")
        return "\n".join(lines)


def verify(path: str | os.PathLike) -> VerifyReport:
    """Hash every shard against the manifest; report missing, modified, unlisted and torn shards."""
    path = Path(path)
    report = VerifyReport(path)
    try:
        manifest = read_manifest(path)
    except DatasetError as err:
        report.problems.append(str(err))
        return report
    listed = set()
    schema = Schema.from_dict(manifest["schema"])
    for rec in manifest["shards"]:
        p = path / rec["file"]
        listed.add(rec["file"])
        if not p.exists():
            report.problems.append(f"{p}: listed in the manifest but missing")
            continue
        try:
            check_regular_file(p, what="shard", error=DatasetError)
        except DatasetError as err:
            report.problems.append(str(err))
            continue
        digest = sha256_file(p)
        if digest != rec["sha256"]:
            report.problems.append(f"{p}: SHA-256 {digest[:12]}… differs from the manifest's {rec['sha256'][:12]}… "
                                   f"(samples {rec['samples']} of this shard are corrupted)")
        else:
            bad = _content_problems(p, rec, schema)  # a matching hash proves nothing if the manifest was forged
            report.problems += bad
            if not bad:
                report.samples += rec["samples"]
        report.checked += 1
    if (path / STATS).exists() and sha256_file(path / STATS) != manifest.get("stats_sha256"):
        report.problems.append(f"{path / STATS}: checksum differs from the manifest")
    for p in sorted(path.glob("shard-*")):
        if p.name.endswith(".partial"):
            report.torn.append(p.name)
        elif p.name not in listed:
            report.problems.append(f"{p}: shard file not listed in {MANIFEST}")
    if not manifest.get("complete"):
        report.problems.append(f"the writer did not finish (dataset incomplete after {manifest['samples']} samples); "
                               "resume the generation to complete it")
    return report


def _content_problems(p: Path, rec: dict, schema: Schema) -> list[str]:
    """Fields missing, of the wrong shape or dtype, or holding NaN/Inf in one shard."""
    problems = []
    try:
        with h5py.File(p, "r") as f:
            for spec in schema.fields:
                key = f"fields/{spec.name}"
                if key not in f:
                    problems.append(f"{p}: field {spec.name!r} is missing (the shard does not follow the schema)")
                    continue
                ds = f[key]
                if ds.shape != (rec["samples"], *spec.shape) or ds.dtype != np.dtype(spec.dtype):
                    problems.append(f"{p}: field {spec.name!r} is {ds.shape} {ds.dtype}, the schema says "
                                    f"({rec['samples']}, {', '.join(map(str, spec.shape))}) {spec.dtype}")
                    continue
                for start in range(0, ds.shape[0], 64):
                    block = ds[start:start + 64]
                    if np.issubdtype(block.dtype, np.floating) and not np.isfinite(block).all():
                        row = start + int(np.nonzero(~np.isfinite(block.reshape(len(block), -1)).all(1))[0][0])
                        problems.append(f"{p}: field {spec.name!r} holds NaN or Inf (shard row {row})")
                        break
    except OSError as err:
        problems.append(f"{p}: cannot be read as HDF5 ({err})")
    return problems


def _meta(shard: Path, key: str):
    with h5py.File(shard, "r") as f:
        return f[f"meta/{key}"][()]


def info(path: str | os.PathLike) -> str:
    """Human-readable schema, counts, shards and statistics of a dataset."""
    path = Path(path)
    m = read_manifest(path)
    schema = Schema.from_dict(m["schema"])
    size = sum(s["bytes"] for s in m["shards"])
    lines = [f"dataset   {path}", f"status    {'complete' if m['complete'] else 'INCOMPLETE'}",
             f"samples   {m['samples']} in {len(m['shards'])} shards ({size / 2**20:.1f} MiB, "
             f"compression={m.get('compression')}, max shard {m['max_shard_bytes'] / 2**20:.0f} MiB)"]
    if schema.description:
        lines.append(f"about     {schema.description}")
    for k, v in schema.attrs.items():
        lines.append(f"attr      {k} = {v}")
    lines.append("fields:")
    for f in schema.fields:
        st = m["stats"].get(f.name, {})
        lines.append(f"  {f.name:<16} {str(list(f.shape)):<16} {f.dtype:<8} [{f.units or '-'}]  "
                     f"mean {st.get('mean', float('nan')):.6g}  std {st.get('std', float('nan')):.6g}"
                     + (f"  {f.description}" if f.description else ""))
    if schema.metadata:
        lines.append("metadata: " + ", ".join(schema.metadata))
        import numpy as np

        for k in schema.metadata:
            vals = np.concatenate([_meta(path / s["file"], k) for s in m["shards"]] or [np.zeros(0)])
            if len(vals):
                lines.append(f"  {k:<16} min {vals.min():.6g}  max {vals.max():.6g}")
    torn = sorted(p.name for p in path.glob("shard-*.partial"))
    if torn:
        lines.append(f"torn      {', '.join(torn)} (interrupted write; ignored by readers)")
    return "\n".join(lines)
