"""OpenQASM 2 -> :class:`~qtool.Circuit`, through Qiskit's OpenQASM 2 parser.

``qiskit.qasm2.loads`` with the legacy custom instructions (so ``qelib1.inc`` gates such as
``u``/``cu3``/``rxx`` keep their Qiskit meaning) gives a ``QuantumCircuit`` that
:func:`~qtool.interop.qiskit.from_qiskit` converts.  Parse errors become a located, one-line
:class:`~qtool.errors.InputError` (1-based column).  ``if (c == v)`` works when ``c`` is a
one-bit register; wider registers raise :class:`InputError`.
"""
from __future__ import annotations

import re

from ..circuit import Circuit
from ..errors import InputError

__all__ = ["read_qasm2"]

_LOCATED = re.compile(r"^[^\n]*?:(\d+),(\d+): (.*)$", re.S)


def read_qasm2(text: str, filename: str = "<string>", *,
               include_path: tuple[str, ...] = ()) -> Circuit:
    """Read an OpenQASM 2 program.

    ``include_path`` lists folders searched for ``include`` files other than
    ``qelib1.inc`` (the loader passes the program's folder).

    Examples
    --------
    >>> c = read_qasm2('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; cx q[0],q[1];')
    >>> c.count_ops()
    {'cx': 1, 'h': 1}
    """
    import qiskit.qasm2 as qasm2

    from ..interop.qiskit import from_qiskit

    try:
        qc = qasm2.loads(text, include_path=tuple(str(p) for p in include_path),
                         custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    except qasm2.QASM2ParseError as exc:
        msg = getattr(exc, "message", None) or str(exc)
        m = _LOCATED.match(msg.strip().strip('"'))
        if m:
            raise InputError(m.group(3), file=filename, line=int(m.group(1)),
                             column=int(m.group(2)) + 1) from None
        raise InputError(msg, file=filename) from None
    try:
        return from_qiskit(qc)
    except InputError as err:
        raise err.located(file=filename)

