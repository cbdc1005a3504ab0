#!/usr/bin/env python
"""Snapshot the built-in targets from Qiskit's fake backends into ``qtool/targets/data``.

    python scripts/snapshot_targets.py           # (re)write ibm_eagle.json, ibm_heron.json
    python scripts/snapshot_targets.py --check   # exit 1 if the files are out of date

Each backend goes through :func:`qtool.targets.from_qiskit.target_from_qiskit` (the same
converter users get for their own backends), is renamed, gets lattice coordinates for
plotting, and is written as compact JSON with sorted keys, so reruns are byte-identical.
This script is the only place that needs ``qiskit_ibm_runtime``.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "qtool" / "targets" / "data"


def snapshot(name: str) -> str:
    """The JSON text of built-in ``name``."""
    import qiskit_ibm_runtime
    from qiskit_ibm_runtime import fake_provider

    from qtool.targets.builtin import BUILTINS
    from qtool.targets.from_qiskit import target_from_qiskit
    from qtool.targets.generators import lattice_coords

    _, backend_cls, description = BUILTINS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backend = getattr(fake_provider, backend_cls)()
    t = target_from_qiskit(backend, name=name, description=(
        f"{description}; qiskit-ibm-runtime {qiskit_ibm_runtime.__version__}"))
    coords = lattice_coords(t.num_qubits, t.all_undirected_edges)
    if coords is None:
        raise SystemExit(f"{name}: could not reconstruct the lattice rows for plotting")
    d = t.to_dict()
    d["coords"] = [[round(x, 3), round(y, 3)] for x, y in coords.tolist()]
    return json.dumps(d, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare with the stored files")
    ap.add_argument("names", nargs="*", help="built-in targets (default: all)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from qtool.targets.builtin import BUILTINS
    stale = 0
    for name in args.names or list(BUILTINS):
        path = DATA / BUILTINS[name][0]
        text = snapshot(name)
        if args.check:
            same = path.exists() and path.read_text("utf-8") == text
            print(f"{path.relative_to(ROOT)}: {'up to date' if same else 'STALE'}")
            stale += not same
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({len(text) // 1024} KiB)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
