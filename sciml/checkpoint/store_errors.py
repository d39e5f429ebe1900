"""The error every checkpoint, zoo and file check raises."""


class CheckpointError(ValueError):
    """A checkpoint is missing, incomplete, corrupted, unsafe, or does not match the model."""


__all__ = ["CheckpointError"]
