"""The ``qtool`` command line.

``qtool compile FILE|- [--target T] [-O N] [-o OUT] [--dialect D] [--seed S] [--verify]
[--report json|table] [--pipeline P] [--plot PNG] [--eps E]``, ``qtool targets list|show NAME``,
``qtool qubo solve|export ...`` (:mod:`qtool.qubo.cli`), ``qtool mitigate ...``
(:mod:`qtool.mitigation.cli`), ``qtool synth ...`` (:mod:`qtool.gatesynth.cli`),
``qtool qas ...`` (:mod:`qtool.qas.cli`),
``qtool --version``.

Every problem with the user's input is printed as one line (``file:line:col: message``)
on stderr with exit status 2 and no traceback; an interrupt exits with 130.  Outputs are
written atomically (temporary file + rename), so an interrupted run never leaves a
half-written file, and inputs are never modified.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

from ._version import __version__
from .errors import CompileError, QtoolError

__all__ = ["main", "write_atomic", "write_output"]

log = logging.getLogger("qtool")


def _final_mode(path: Path) -> int:
    """The mode a new file gets (0666 less the umask), or the mode of the file replaced."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    The temporary file is private (``mkstemp``); the result gets the permissions an
    ordinary write would have given it."""
    path = Path(path)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
        os.chmod(tmp, _final_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_output(path: str | None, text: str) -> None:
    """``text`` to stdout when ``path`` is None or ``-``, else atomically to ``path``."""
    if path in (None, "-"):
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(path, text)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qtool", description="qtool: quantum circuit compiler")
    p.add_argument("--version", action="version", version=f"qtool {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="more logging (-v: info, -vv: debug, with per-pass timings)")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compile", help="compile a circuit for a target")
    c.add_argument("file", help="OpenQASM 2/3 or .qpy file, or - for stdin")
    c.add_argument("--target", "-t", default="ibm_heron",
                   help="built-in name, generator (grid:3x4, line:8, heavyhex:3, all:10 with "
                        "optional ,2q=cz), fault-tolerant ft:clifford_t[:N] / ft:ht[:N], or a "
                        "JSON/TOML target file (default: ibm_heron)")
    c.add_argument("-O", dest="level", type=int, default=2, choices=range(4),
                   help="optimisation level 0-3 (default 2)")
    c.add_argument("-o", "--output", default=None,
                   help="output OpenQASM 3 file (default: stdout); a sidecar OUT.json is "
                        "written next to it")
    c.add_argument("--dialect", choices=("generic", "ibm", "braket"), default="generic")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--verify", action="store_true",
                   help="check the output is equivalent to the input (layout-aware)")
    c.add_argument("--report", choices=("table", "json", "none"), default="table")
    c.add_argument("--pipeline", default=None, help="JSON file describing a custom pipeline")
    c.add_argument("--plot", default=None, help="write a PNG of the routed circuit on the "
                                                "coupling map")
    c.add_argument("--timeout", type=float, default=None, help="give up after this many s")
    c.add_argument("--eps", type=float, default=None, metavar="E",
                   help="total approximation error (operator norm, up to phase) of the "
                        "one-qubit synthesis on a discrete target such as ft:clifford_t, in "
                        "(0, 1] (default 1e-3; ignored with a warning for other targets)")
    c.add_argument("--twirl", type=int, default=0, metavar="N",
                   help="write N Pauli-twirled randomisations (random Pauli frames around "
                        "every cx/cz/ecr, commuting ones around rzz, random X before terminal "
                        "measurements) instead of one circuit: -o out.qasm becomes "
                        "out_0.qasm .. out_{N-1}.qasm, each "
                        "with a sidecar out_K.qasm.json whose 'twirl' entry holds the "
                        "readout_flip_mask (XOR it into classical bit c of every outcome); "
                        "needs -o")

    t = sub.add_parser("targets", help="list or describe targets")
    tsub = t.add_subparsers(dest="action", required=True)
    tsub.add_parser("list", help="list built-in targets and generators")
    show = tsub.add_parser("show", help="describe one target")
    show.add_argument("name")

    from .gatesynth.cli import add_parser as add_synth_parser
    from .mitigation.cli import add_parser as add_mitigate_parser
    from .qas.cli import add_parser as add_qas_parser
    from .qubo.cli import add_parser as add_qubo_parser
    add_qubo_parser(sub)
    add_mitigate_parser(sub)
    add_synth_parser(sub)
    add_qas_parser(sub)
    return p


def _load_pipeline(path: str):
    from .passmanager import PipelineError, pass_from_dict
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise QtoolError(f"cannot read pipeline: {exc.strerror}", file=path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QtoolError(f"invalid JSON: {exc.msg}", file=path, line=exc.lineno,
                         column=exc.colno) from None
    try:
        return pass_from_dict(data)
    except PipelineError as exc:
        raise QtoolError(str(exc), file=path) from None


def _table(res, sidecar: dict) -> str:
    m, mi = sidecar["metrics"], sidecar["input_metrics"]
    rows = [
        ("target", res.target.name),
        ("optimization level", str(sidecar["optimization_level"])),
        ("seed", str(res.seed)),
        ("qubits (virtual -> physical)",
         f"{mi['num_qubits']} -> {len(res.circuit.active_qubits())} active of "
         f"{res.circuit.num_qubits}"),
        ("2Q gates", f"{mi['num_2q']} -> {m['num_2q']}"),
        ("1Q gates", f"{mi['num_1q']} -> {m['num_1q']}"),
        ("depth", f"{mi['depth']} -> {m['depth']}"),
        ("2Q depth", str(m["depth_2q"])),
        ("est. success probability", f"{m['esp']:.4g}"),
        ("ops", ", ".join(f"{k}:{v}" for k, v in m["ops"].items())),
        ("compile time", f"{res.seconds:.3f} s"),
    ]
    if sidecar["parameters"]:
        rows.append(("parameters", ", ".join(sidecar["parameters"])))
    syn = sidecar.get("synthesis")
    if syn:
        rows.append(("discrete synthesis",
                     f"{syn['basis']}, {syn['runs']} runs approximated "
                     f"({syn.get('exact_runs', 0)} exact), error bound "
                     f"{syn['error_bound']:.3g} <= eps {syn['eps']:.3g}, "
                     f"T-count {syn['t_count']}"))
    if res.verification is not None:
        v = res.verification
        rows.append(("verified", {True: "equivalent", False: "NOT EQUIVALENT",
                                  None: "unchecked"}[v.equivalent]
                     + f" ({v.method}, {v.qubits} qubits{'; ' + v.detail if v.detail else ''})"))
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{w}}  {v}" for k, v in rows)


def _cmd_compile(args) -> int:
    from .compiler import compile as qcompile
    from .io import load_circuit, write_qasm3

    src = args.file
    circ = load_circuit(src)
    pipeline = _load_pipeline(args.pipeline) if args.pipeline else None
    try:
        res = qcompile(circ, args.target, args.level, seed=args.seed, pipeline=pipeline,
                       verify=args.verify, timeout=args.timeout, eps=args.eps)
    except CompileError as exc:          # what the circuit asks that the target cannot do
        raise CompileError(f"{'<stdin>' if src == '-' else src}: {exc}") from None
    text, pmap = write_qasm3(res.circuit, dialect=args.dialect, physical=True)
    side = res.sidecar(param_map=pmap, source=None if src == "-" else os.path.basename(src))
    to_stdout = args.output in (None, "-")
    if args.twirl:
        _write_twirled(res, args, side, to_stdout)
    elif to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(args.output, text)
        write_atomic(args.output + ".json", json.dumps(side, indent=2, sort_keys=False) + "\n")
    if args.plot:
        from .targets.plot import plot_coupling
        plot_coupling(res.target, args.plot, circuit=res.circuit,
                      title=f"{side['source'] or 'stdin'} on {res.target.name}")
    report_stream = sys.stderr if to_stdout else sys.stdout
    if args.report == "table":
        print(_table(res, side), file=report_stream)
    elif args.report == "json":
        print(json.dumps(side, indent=2), file=report_stream)
    if res.verification is not None and res.verification.equivalent is False:
        print(f"qtool: error: output is not equivalent to the input: "
              f"{res.verification.detail}", file=sys.stderr)
        return 1
    return 0


def twirl_path(output: str, k: int) -> str:
    """``out.qasm`` -> ``out_K.qasm`` (``out`` -> ``out_K`` without a suffix)."""
    p = Path(output)
    return str(p.with_name(f"{p.stem}_{k}{p.suffix}"))


def _write_twirled(res, args, side: dict, to_stdout: bool) -> None:
    """``--twirl N``: write N randomisations of the compiled circuit, each with a sidecar."""
    from .io import write_qasm3
    from .passes.mitigation import insert_readout_flips, twirl_circuits
    from .targets.metrics import circuit_metrics
    from .verify import verify_same_wires
    if to_stdout or args.twirl < 0:
        raise QtoolError("--twirl N needs N >= 1 and an output file (-o OUT)")
    for tw in twirl_circuits(res.circuit, args.twirl, seed=args.seed, target=res.target):
        text, pmap = write_qasm3(tw.circuit, dialect=args.dialect, physical=True)
        info = {"index": tw.index, "num_randomizations": args.twirl,
                "readout_flip_mask": [int(b) for b in tw.flip_mask]}
        if args.verify:
            v = verify_same_wires(insert_readout_flips(res.circuit, tw.flip_mask), tw.circuit)
            info["equivalent_to_untwirled"] = v.equivalent
        out = twirl_path(args.output, tw.index)
        write_atomic(out, text)
        write_atomic(out + ".json", json.dumps(
            {**side, "parameters": pmap or {}, "metrics": circuit_metrics(tw.circuit, res.target),
             "twirl": info}, indent=2) + "\n")


def _cmd_targets(args) -> int:
    from .targets import get_target
    from .targets.registry import describe, list_targets
    if args.action == "list":
        rows = list_targets()
        w = max(len(n) for n, _ in rows)
        for name, desc in rows:
            print(f"{name:<{w}}  {desc}")
        return 0
    print(describe(get_target(args.name)))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s: %(message)s",
                        stream=sys.stderr)
    try:
        if args.command == "compile":
            return _cmd_compile(args)
        if args.command == "qubo":
            from .qubo.cli import run as run_qubo
            return run_qubo(args)
        if args.command == "mitigate":
            from .mitigation.cli import run as run_mitigate
            return run_mitigate(args)
        if args.command == "synth":
            from .gatesynth.cli import run as run_synth
            return run_synth(args)
        if args.command == "qas":
            from .qas.cli import run as run_qas
            return run_qas(args)
        return _cmd_targets(args)
    except QtoolError as exc:
        print(f"qtool: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qtool: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
