"""Data I/O: streaming HDF5 snapshots of simulations."""
from sciml.data.snapshots import SnapshotWriter, read_snapshots

__all__ = ["SnapshotWriter", "read_snapshots"]
