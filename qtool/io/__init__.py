"""Reading and writing circuits.

* :func:`load_circuit` -- one entry point for files, stdin, program text, QPY files and
  Qiskit/pytket objects (dispatching on the content's ``OPENQASM`` header);
* :func:`read_qasm3` / :func:`read_qasm2` -- OpenQASM readers (located, one-line
  :class:`~qtool.errors.InputError` for anything they cannot read);
* :func:`write_qasm3` -- OpenQASM 3 in the ``generic``, ``ibm`` and ``braket`` dialects.
"""
from .loader import load_circuit
from .qasm2_reader import read_qasm2
from .qasm3_reader import read_qasm3
from .qasm3_writer import write_qasm3

__all__ = ["load_circuit", "read_qasm2", "read_qasm3", "write_qasm3"]
