"""One entry point for reading a circuit from anything a user may hand us.

:func:`load_circuit` accepts a path (``str``/``Path``), ``"-"`` for stdin, program text,
a QPY file, a Qiskit ``QuantumCircuit``, a pytket ``Circuit`` or a qtool ``Circuit``.
Program text is dispatched on its header: ``OPENQASM 2`` goes to
:func:`~qtool.io.read_qasm2`, ``OPENQASM 3`` or no header to :func:`~qtool.io.read_qasm3`.
Inputs are never modified.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from ..circuit import Circuit
from ..errors import InputError
from .qasm2_reader import read_qasm2
from .qasm3_reader import read_qasm3

__all__ = ["load_circuit", "qasm_version"]

_QPY_MAGIC = b"QISKIT"
# leading whitespace and comments, then the version statement
_HEADER = re.compile(r"\A(?:\s+|//[^\n]*(?:\n|\Z)|/\*.*?\*/)*OPENQASM\s+(\d+)", re.S)


def qasm_version(text: str) -> int | None:
    """The major version in the ``OPENQASM`` header (``None`` when there is none)."""
    m = _HEADER.match(text)
    return int(m.group(1)) if m else None


def _looks_like_program(s: str) -> bool:
    return "\n" in s or ";" in s or s.lstrip().startswith("OPENQASM")


def _is_file(s: str) -> bool:
    """An existing file named ``s`` (a path may contain ';', a program never fits one)."""
    if "\n" in s or len(s) > 1024:
        return False
    try:
        return Path(s).is_file()
    except (OSError, ValueError):
        return False


def load_circuit(source, *, filename: str | None = None, index: int | None = None) -> Circuit:
    """Read a circuit from a path, ``"-"`` (stdin), program text or a circuit object.

    Parameters
    ----------
    source
        What to read (see the module docstring).
    filename
        Name used in error messages for text and stdin (defaults to ``<string>`` and
        ``<stdin>``).
    index
        Which circuit of a QPY file holding several (an error if there are several and no
        index is given).

    Raises
    ------
    InputError
        For missing or unreadable files and programs (located, one line).
    """
    if isinstance(source, Circuit):
        return source
    mod = type(source).__module__ or ""
    if mod.startswith("qiskit"):
        from ..interop.qiskit import from_qiskit
        return from_qiskit(source)
    if mod.startswith("pytket"):
        from ..interop.pytket import from_pytket
        return from_pytket(source)
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    if isinstance(source, str) and source == "-":
        return _from_text(sys.stdin.read(), filename or "<stdin>", ())
    if isinstance(source, str) and _looks_like_program(source) and not _is_file(source):
        return _from_text(source, filename or "<string>", ())
    if isinstance(source, (str, Path)):
        return _from_file(Path(source), filename, index)
    raise InputError(f"cannot load a circuit from a {type(source).__name__}")


def _from_file(path: Path, filename: str | None, index: int | None) -> Circuit:
    name = filename or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a circuit file", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    if data.startswith(_QPY_MAGIC) or path.suffix.lower() == ".qpy":
        from ..interop.qiskit import read_qpy
        try:
            return read_qpy(path, index)
        except InputError as err:
            err.file = name
            raise
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file (byte {exc.start})", file=name) from None
    circ = _from_text(text, name, (str(path.parent),))
    return circ.replace(name=path.stem)


def _from_text(text: str, name: str, include_path: tuple[str, ...]) -> Circuit:
    version = qasm_version(text)
    if version == 2:
        return read_qasm2(text, name, include_path=include_path)
    if version not in (None, 3):
        raise InputError(f"unsupported OpenQASM version {version}", file=name, line=1)
    return read_qasm3(text, name)
