"""User-facing errors.

Every problem with what a user gave us (a QASM file, a target file, a pipeline, an option)
is a :class:`QtoolError` that knows where it happened.  The CLI prints ``str(err)`` as one
line -- ``file:line:column: message`` -- and exits with status 2; no traceback.
"""
from __future__ import annotations

__all__ = ["QtoolError", "InputError", "TargetError", "CompileError"]


class QtoolError(Exception):
    """An error in user input, with an optional location."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def located(self, file: str | None = None, line: int | None = None,
                column: int | None = None) -> "QtoolError":
        """Fill in location fields that are still unknown; returns self."""
        self.file = self.file or file
        self.line = self.line if self.line is not None else line
        self.column = self.column if self.column is not None else column
        return self

    def __str__(self) -> str:
        loc = ":".join(str(x) for x in (self.file, self.line, self.column) if x is not None)
        msg = " ".join(self.message.split())  # always one line
        return f"{loc}: {msg}" if loc else msg


class InputError(QtoolError):
    """A circuit file or object that cannot be read (syntax, unknown gate, bad qubit...)."""


class TargetError(QtoolError):
    """A target that cannot be built or does not fit the circuit."""


class CompileError(QtoolError):
    """A pipeline or option that cannot be run."""
