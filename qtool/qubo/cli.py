"""``qtool qubo solve|export``: the QUBO pipeline from the command line.

    qtool qubo solve FILE --problem mdkp|mis|qap|tsp|generic
        --constraints slack|subgradient|dual-averaging|cutting-plane|bundle|augmented-lagrangian
        [--shrink RATIO | --qubits N] [--correlations sdp|lp]
        --solver exact|sa|qaoa|cvar-vqe [--target T] [--shots N] [--seed S]
        [-o result.json] [--plot PREFIX]
    qtool qubo export FILE --problem P --constraints C -o qubo.json [--lp qubo.lp]
        [--matrix Q.csv]
"""
from __future__ import annotations

import json
import sys

import numpy as np

from .pipeline import CONSTRAINT_METHODS, SOLVERS

__all__ = ["add_parser", "run"]

PROBLEMS = ("mdkp", "mis", "qap", "tsp", "generic")


def add_parser(sub) -> None:
    q = sub.add_parser("qubo", help="solve or export constrained binary problems as QUBOs")
    qs = q.add_subparsers(dest="action", required=True)
    s = qs.add_parser("solve", help="encode, shrink, solve, repair and report")
    e = qs.add_parser("export", help="write the QUBO of an instance")
    for p in (s, e):
        p.add_argument("file", help="instance file (SAC-94 .dat, DIMACS, QAPLIB, TSPLIB, "
                                    "JSON or LP)")
        p.add_argument("--problem", choices=PROBLEMS, default=None,
                       help="problem kind (default: guessed from the file)")
        p.add_argument("--constraints", choices=CONSTRAINT_METHODS,
                       default="augmented-lagrangian", help="constraint handling")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("-o", "--output", default=None, help="result JSON (default: stdout)")
    size = s.add_mutually_exclusive_group()
    size.add_argument("--shrink", type=float, default=None, metavar="RATIO",
                      help="shrink the QUBO to this fraction of its variables")
    size.add_argument("--qubits", type=int, default=None, help="shrink to this many variables")
    s.add_argument("--correlations", choices=("sdp", "lp"), default="sdp")
    s.add_argument("--solver", choices=SOLVERS, default="sa")
    s.add_argument("--target", default="ibm_heron", help="target for quantum solvers")
    s.add_argument("--shots", type=int, default=1024)
    s.add_argument("--reads", type=int, default=200, help="simulated-annealing reads")
    s.add_argument("--reps", type=int, default=2, help="QAOA layers / ansatz repetitions")
    s.add_argument("--maxiter", type=int, default=None,
                   help="COBYLA evaluations per restart of a quantum solver")
    s.add_argument("--plot", default=None, metavar="PREFIX",
                   help="write PREFIX_shrink.png and PREFIX_convergence.png")
    e.add_argument("--lp", default=None, help="also write the QUBO as an LP file")
    e.add_argument("--matrix", default=None,
                   help="also write the upper-triangular Q matrix as CSV (offset in a comment)")


def _load(args):
    from .loaders import load_instance
    return load_instance(args.file, problem=args.problem)


def run(args) -> int:
    from ..cli import write_output
    if args.action == "export":
        return _export(args)
    from .pipeline import solve
    program = _load(args)
    if args.shrink is not None and not 0 < args.shrink <= 1:
        from .errors import InstanceError
        raise InstanceError(f"--shrink must be in (0, 1], got {args.shrink}")

    def progress(stage, msg):
        print(f"[{stage}] {msg}", file=sys.stderr, flush=True)

    res = solve(program, constraints=args.constraints, ratio=args.shrink, qubits=args.qubits,
                correlations=args.correlations, solver=args.solver, target=args.target,
                shots=args.shots, reads=args.reads, reps=args.reps, maxiter=args.maxiter,
                seed=args.seed,
                progress=progress)
    write_output(args.output, json.dumps(res.to_dict(), indent=2) + "\n")
    if args.plot:
        from .plots import plot_result
        for path in plot_result(res, args.plot):
            print(f"[plot] wrote {path}", file=sys.stderr)
    return 0


def _qubo_as_program(q, name: str):
    """The QUBO as an unconstrained minimisation, for the LP writer."""
    from .program import BinaryProgram
    return BinaryProgram(f"{name}_qubo", "min", np.diag(q.Q).copy(),
                         np.triu(q.Q, 1), q.offset, var_names=q.var_names)


def _export(args) -> int:
    from ..cli import write_atomic, write_output
    from .pipeline import encode
    program = _load(args)
    enc, info = encode(program, args.constraints, np.random.default_rng(args.seed))
    q = enc.qubo
    out = {"instance": program.name, "problem": program.kind, "method": args.constraints,
           "num_vars": q.num_vars, "num_program_vars": enc.num_program_vars,
           "var_names": list(q.var_names), "offset": q.offset,
           "terms": [[int(i), int(j), float(q.Q[i, j])] for i, j in np.argwhere(q.Q != 0)],
           **info}
    write_output(args.output, json.dumps(out, indent=1) + "\n")
    if args.lp:
        import io

        from .loaders import write_lp
        buf = io.StringIO()
        write_lp(_qubo_as_program(q, program.name), buf)
        write_atomic(args.lp, buf.getvalue())
    if args.matrix:
        import io
        buf = io.StringIO()
        np.savetxt(buf, q.Q, delimiter=",", fmt="%.17g",
                   header=f"QUBO of {program.name} ({args.constraints}): min x^T Q x + "
                          f"{q.offset!r}; variables {','.join(q.var_names)}")
        write_atomic(args.matrix, buf.getvalue())
    return 0
