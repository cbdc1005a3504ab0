"""Errors for bad QUBO inputs: one line naming the file and line, exit status 2 in the CLI."""
from __future__ import annotations

from ..errors import QtoolError

__all__ = ["InstanceError"]


class InstanceError(QtoolError):
    """A malformed or infeasible instance file (``path:line: message``)."""

    def __init__(self, message: str, path=None, line: int | None = None):
        super().__init__(message, file=None if path is None else str(path), line=line)
