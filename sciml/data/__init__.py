"""Data: sharded HDF5 datasets (schema, streaming writer, reader, statistics), snapshots, normalisers."""
from sciml.data.generation import dataset_path, ensure_dataset, generate
from sciml.data.inspect import VerifyReport, info, verify
from sciml.data.mesh_fields import mesh_schema, read_mesh, sample_from_mesh, save_dataset_mesh, write_sample_vtu
from sciml.data.normalizers import GaussianNormalizer
from sciml.data.reader import ShardedDataset, make_loader, read_manifest
from sciml.data.schema import DatasetError, FieldSpec, Schema
from sciml.data.snapshots import SnapshotWriter, read_snapshots
from sciml.data.statistics import RunningMoments
from sciml.data.writer import DatasetWriter

__all__ = [
    "DatasetError", "FieldSpec", "Schema", "DatasetWriter", "ShardedDataset", "make_loader", "read_manifest",
    "RunningMoments", "GaussianNormalizer", "VerifyReport", "info", "verify",
    "mesh_schema", "read_mesh", "sample_from_mesh", "save_dataset_mesh", "write_sample_vtu",
    "SnapshotWriter", "read_snapshots", "generate", "ensure_dataset", "dataset_path",
]
