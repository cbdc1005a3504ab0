"""``qtool synth (--unitary FILE.npy | --rz ANGLE | --u3 THETA PHI LAMBDA) [--basis B]
[--eps E] [--method auto|search] [--json]``: approximate a one-qubit operator by a word
over a finite basis."""
from __future__ import annotations

import json

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    from .bases import BASES
    s = sub.add_parser("synth", help="approximate a one-qubit unitary over a finite basis")
    target = s.add_mutually_exclusive_group(required=True)
    target.add_argument("--unitary", metavar="FILE.npy", help="a 2x2 unitary saved by numpy")
    target.add_argument("--rz", type=float, metavar="ANGLE", help="Rz(ANGLE)")
    target.add_argument("--u3", type=float, nargs=3, metavar=("THETA", "PHI", "LAMBDA"),
                        help="U3(theta, phi, lambda)")
    s.add_argument("--basis", default="clifford_t",
                   help=f"{', '.join(BASES)}, or a basis JSON file (default clifford_t)")
    s.add_argument("--eps", type=float, default=1e-2,
                   help="largest phase-invariant operator-norm error eps_op (default 1e-2)")
    s.add_argument("--method", choices=("auto", "search"), default="auto",
                   help="auto: exact meet in the middle / gridsynth portfolio (optimal "
                   "where it reaches); search: AQ* guided by the shipped Q-network")
    s.add_argument("--json", action="store_true", help="print one JSON object")


def _target(args):
    import numpy as np

    from ..errors import InputError
    from ..synthesis import u_matrix
    if args.rz is not None:
        return np.diag([np.exp(-0.5j * args.rz), np.exp(0.5j * args.rz)])
    if args.u3 is not None:
        return u_matrix(*args.u3)
    try:
        u = np.load(args.unitary, allow_pickle=False)
    except (OSError, ValueError):
        raise InputError("not a numpy .npy file holding a 2x2 array", file=args.unitary) from None
    if u.shape != (2, 2) or not np.allclose(u @ np.conj(u).T, np.eye(2), atol=1e-8):
        raise InputError(f"expected a 2x2 unitary, got an array of shape {u.shape}"
                         + ("" if u.shape != (2, 2) else " that is not unitary"),
                         file=args.unitary)
    return u


def run(args) -> int:
    from ..errors import InputError
    from .api import synthesize
    u = _target(args)
    try:
        r = synthesize(u, args.basis, args.eps, method=args.method)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if args.json:
        print(json.dumps({"gates": r.gates, "length": r.length, "t_count": r.t_count,
                          "eps_op": r.eps_op, "basis": r.basis, "eps": r.eps,
                          "method": r.method, "seconds": round(r.seconds, 6)}))
    else:
        print(" ".join(r.gates) if r.gates else "(identity)")
        print(f"length {r.length}  T-count {r.t_count}  eps_op {r.eps_op:.3e}  "
              f"(basis {r.basis}, {r.method}, {r.seconds * 1e3:.1f} ms)")
    return 0
