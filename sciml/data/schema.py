"""The schema of a sharded HDF5 dataset: which fields a sample holds, their shapes, dtypes and units.

A :class:`Schema` is the dataset's contract (MindRecord's header in spirit). Writers check
every sample against it; readers check every shard against it on open. Both fail with an
error that names the file, the field and the sample.

    Schema(fields=(FieldSpec("permeability", (85, 85), "float32", units="m^2"),
                   FieldSpec("pressure", (85, 85), "float32", units="Pa")),
           metadata=("seed",), description="Darcy flow, Li et al. 2021")
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

import numpy as np

ALLOWED_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")


class DatasetError(ValueError):
    """A dataset file, field or sample does not match what is expected; the message says where."""


@dataclass(frozen=True)
class FieldSpec:
    """One array per sample: ``shape`` (without the sample axis), ``dtype`` name, physical ``units``."""

    name: str
    shape: tuple[int, ...]
    dtype: str = "float32"
    units: str = ""
    description: str = ""

    def __post_init__(self):
        if not self.name or "/" in self.name:
            raise DatasetError(f"field name {self.name!r} must be non-empty and contain no '/'.")
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        if any(s <= 0 for s in self.shape):
            raise DatasetError(f"field {self.name!r}: every dimension must be positive, got shape {self.shape}.")
        if self.dtype not in ALLOWED_DTYPES:
            raise DatasetError(f"field {self.name!r}: dtype {self.dtype!r} is not supported; use one of {ALLOWED_DTYPES}.")

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


@dataclass(frozen=True)
class Schema:
    """Fields of every sample, names of scalar per-sample ``metadata``, and a free-text description."""

    fields: tuple[FieldSpec, ...]
    metadata: tuple[str, ...] = ()
    description: str = ""
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "metadata", tuple(self.metadata))
        names = [f.name for f in self.fields]
        if not names:
            raise DatasetError("a schema needs at least one field.")
        if len(set(names)) != len(names):
            raise DatasetError(f"field names must be unique, got {names}.")
        if set(names) & set(self.metadata):
            raise DatasetError(f"names {sorted(set(names) & set(self.metadata))} are both fields and metadata.")

    # -- lookup -----------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def __getitem__(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise DatasetError(f"no field {name!r} in this dataset; its fields are {list(self.names)}.")

    @property
    def sample_nbytes(self) -> int:
        return sum(f.nbytes for f in self.fields) + 8 * len(self.metadata)

    # -- (de)serialisation ------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"fields": [{**asdict(f), "shape": list(f.shape)} for f in self.fields],
                "metadata": list(self.metadata), "description": self.description, "attrs": dict(self.attrs)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Schema":
        try:
            fields = tuple(FieldSpec(**{**f, "shape": tuple(f["shape"])}) for f in d["fields"])
            return cls(fields, tuple(d.get("metadata", ())), d.get("description", ""), dict(d.get("attrs", {})))
        except (KeyError, TypeError) as err:
            raise DatasetError(f"malformed schema {dict(d)!r}: {err}") from err

    # -- checks -----------------------------------------------------------
    def check_sample(self, sample: Mapping[str, Any], metadata: Mapping[str, Any], index: int) -> dict[str, np.ndarray]:
        """Arrays of ``sample`` cast to the schema's dtypes; raises :class:`DatasetError` on any mismatch."""
        missing = [n for n in self.names if n not in sample]
        extra = [n for n in sample if n not in self.names]
        if missing or extra:
            raise DatasetError(f"sample {index}: missing fields {missing}, unexpected fields {extra}; "
                               f"the schema's fields are {list(self.names)}.")
        out = {}
        for spec in self.fields:
            val = sample[spec.name]
            arr = np.asarray(val.detach().cpu().numpy() if hasattr(val, "detach") else val)
            if arr.shape != spec.shape:
                raise DatasetError(f"sample {index}, field {spec.name!r}: shape {arr.shape} but the schema says {spec.shape}.")
            kind = np.dtype(spec.dtype).kind
            if arr.dtype.kind == "c" or (kind in "iub" and arr.dtype.kind == "f"):
                raise DatasetError(f"sample {index}, field {spec.name!r}: dtype {arr.dtype} cannot be stored as "
                                   f"{spec.dtype} without losing information.")
            if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
                raise DatasetError(f"sample {index}, field {spec.name!r} holds NaN or Inf; it was not written.")
            out[spec.name] = arr.astype(spec.dtype, copy=False)
        missing_meta = [k for k in self.metadata if k not in metadata]
        extra_meta = [k for k in metadata if k not in self.metadata]
        if missing_meta or extra_meta:
            raise DatasetError(f"sample {index}: metadata missing {missing_meta}, unexpected {extra_meta}; "
                               f"the schema's metadata keys are {list(self.metadata)}.")
        return out
