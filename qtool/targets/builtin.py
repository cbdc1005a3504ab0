"""Built-in devices: calibration snapshots of IBM's Eagle and Heron processors.

The data files in ``qtool/targets/data/`` are written by ``scripts/snapshot_targets.py``
from the fake backends of ``qiskit_ibm_runtime.fake_provider``; at run time only the JSON is
read, so qtool never imports ``qiskit_ibm_runtime`` (nor Qiskit) to use them.

=============  =========  ===============  ================================================
name           qubits     source           native gates
=============  =========  ===============  ================================================
``ibm_eagle``  127        FakeSherbrooke   ``ecr`` (directed, calibrated directions only),
                                           ``rz``, ``sx``, ``x``
``ibm_heron``  133        FakeTorino       ``cz`` (undirected), ``rz``, ``sx``, ``x``
=============  =========  ===============  ================================================

Qubit numbering and coupling are exactly those of the fake backends.  Each target is read
once per process and cached; treat the returned :class:`Target` as read-only.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from ..errors import TargetError
from .files import target_from_dict
from .target import Target

__all__ = ["BUILTINS", "load_builtin", "builtin_data"]

#: name -> (data file, fake backend class it was snapshotted from, one-line description)
BUILTINS: dict[str, tuple[str, str, str]] = {
    "ibm_eagle": ("ibm_eagle.json", "FakeSherbrooke",
                  "IBM Eagle r3, 127 qubits, heavy-hex, directed ECR (FakeSherbrooke snapshot)"),
    "ibm_heron": ("ibm_heron.json", "FakeTorino",
                  "IBM Heron r1, 133 qubits, heavy-hex, CZ (FakeTorino snapshot)"),
}


def builtin_data(name: str) -> dict:
    """The raw JSON of a built-in target (a fresh dict)."""
    fname = BUILTINS[name][0]
    try:
        text = resources.files(__package__).joinpath("data", fname).read_text("utf-8")
    except FileNotFoundError:
        raise TargetError(f"built-in target {name!r}: data file {fname} is missing "
                          f"(run scripts/snapshot_targets.py)") from None
    return json.loads(text)


@lru_cache(maxsize=None)
def load_builtin(name: str) -> Target:
    """The built-in target ``name`` (cached: the JSON is read once per process)."""
    if name not in BUILTINS:
        raise TargetError(f"unknown built-in target {name!r} (one of {', '.join(BUILTINS)})")
    return target_from_dict(builtin_data(name), source=f"<builtin {name}>", default_name=name)
