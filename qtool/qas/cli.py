"""``qtool qas --hamiltonian FILE|NAME [--target T [--qubits LIST]] [--noise SPEC]
--episodes N --seed S -o ansatz.qasm``: curriculum-RL architecture search.

Writes the circuit as OpenQASM 3 with its angles as ``input float[64] theta_i``, a JSON
sidecar (``ansatz.qasm.json``: parameter values, energy, error against the reference, gate /
CNOT / parameter counts, depth, the search's Pareto front and settings) and a learning
curve plot (``ansatz.curve.png``).  The output compiles with ``qtool compile``.
Ctrl-C or SIGTERM stops the search between steps; what was found is still written, the
sidecar says ``"interrupted": true`` and the exit status is 130.
"""
from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]

log = logging.getLogger("qtool.qas")


def add_parser(sub) -> None:
    from .optimize import METHODS
    s = sub.add_parser("qas", help="search a noise-aware variational ansatz (CRLQAS)")
    s.add_argument("--hamiltonian", "-H", required=True,
                   help="a built-in (h2-2, h2-3, h2-4, lih-4, lih-6, h2o-8, tfim:N, "
                        "heisenberg:N ...), a qtool JSON Pauli sum or an OpenFermion-style "
                        "text file")
    s.add_argument("--target", "-t", default=None,
                   help="device whose coupling and calibration to use (CNOTs only on its "
                        "edges, noise from its calibration unless --noise is given)")
    s.add_argument("--qubits", default=None,
                   help="physical qubits for the ansatz qubits, comma separated (default: "
                        "the best-calibrated connected line of the target)")
    s.add_argument("--noise", default=None,
                   help="noise model: none, depolarizing:P1,P2 (default: the target's "
                        "calibration with --target, else none)")
    s.add_argument("--init", default="zero",
                   help="initial basis state: zero (|0...0>, default), hf (the "
                        "Hamiltonian's lowest-energy basis state: a molecule's Hartree-Fock "
                        "determinant, prepared by X gates) or a bit string, qubit 0 rightmost")
    s.add_argument("--episodes", type=int, default=500)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--max-gates", type=int, default=None,
                   help="gates per episode L (default by qubit count: 40 at 4, 70 at 6)")
    s.add_argument("--optimizer", choices=METHODS, default="lbfgs",
                   help="inner angle optimiser (default lbfgs on exact gradients)")
    s.add_argument("--maxiter", type=int, default=200, help="inner optimiser iterations")
    s.add_argument("--shots", type=int, default=None,
                   help="shot-noise level for the SPSA optimisers (default: exact energies)")
    s.add_argument("--agent", choices=("ddqn", "random"), default="ddqn")
    s.add_argument("--target-error", type=float, default=1.6e-3,
                   help="error counted as success (default chemical accuracy 1.6e-3 Ha)")
    s.add_argument("--pick", choices=("smallest", "best"), default="smallest",
                   help="output the smallest circuit within --target-error (default) or "
                        "the lowest-energy one")
    s.add_argument("--time-limit", type=float, default=None, help="stop after SEC seconds")
    s.add_argument("-o", "--output", default=None,
                   help="OpenQASM 3 output (default stdout); the sidecar OUT.json and the "
                        "learning curve (OUT without suffix).curve.png are written beside it")
    s.add_argument("--plot", default=None, help="learning-curve PNG (default: beside OUT)")
    s.add_argument("--save-agent", default=None, metavar="NPZ",
                   help="write the trained DDQN's weights (numpy .npz) here")
    s.add_argument("--json", action="store_true", help="print the report JSON on stdout")


def _parse_qubits(text: str) -> list[int]:
    from ..errors import InputError
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--qubits expects comma-separated integers, got {text!r}") from None


def _device(args, n: int):
    """``(noise, cnot_pairs, physical_qubits)`` from --target / --qubits / --noise."""
    from ..errors import InputError
    from .noise import NoiseModel, best_line
    noise_spec = args.noise
    if args.target is None:
        if args.qubits:
            raise InputError("--qubits needs --target")
        if noise_spec in (None, "none"):
            return None, None, None
        try:
            return NoiseModel.from_spec(noise_spec, n), None, None
        except ValueError as exc:
            raise InputError(f"--noise: {exc}") from None
    from ..targets import get_target
    target = get_target(args.target)
    if args.qubits:
        phys = _parse_qubits(args.qubits)
        if len(phys) != n:
            raise InputError(f"--qubits lists {len(phys)} qubits; the Hamiltonian has {n}")
        if len(set(phys)) != n or not all(0 <= q < target.num_qubits for q in phys):
            raise InputError(f"--qubits must be {n} distinct qubits of {target.name} "
                             f"(0..{target.num_qubits - 1}), got {args.qubits}")
    else:
        phys = best_line(target, n)
    pairs = [(i, j) for i in range(n) for j in range(n)
             if i != j and target.allows(phys[i], phys[j])]
    if not pairs and n > 1:
        raise InputError(f"qubits {phys} of {target.name} have no coupling between them")
    try:
        if noise_spec is None:
            noise = NoiseModel.from_target(target, phys)
        elif noise_spec == "none":
            noise = None
        else:
            noise = NoiseModel.from_spec(noise_spec, n)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return noise, pairs, phys


def run(args) -> int:
    from ..cli import write_atomic, write_output
    from ..errors import InputError
    from ..io.qasm3_writer import write_qasm3
    from .api import architecture_search
    from .hamiltonian import load_hamiltonian
    from .optimize import OptimizerConfig
    from .plot import plot_learning_curve

    if args.episodes < 1:
        raise InputError("--episodes must be at least 1")
    ham = load_hamiltonian(args.hamiltonian)
    noise, pairs, phys = _device(args, ham.num_qubits)
    from .api import initial_state
    try:
        init = initial_state(ham, args.init)
    except ValueError as exc:
        raise InputError(f"--init: {exc}") from None
    try:
        opt = OptimizerConfig(args.optimizer, maxiter=args.maxiter, shots=args.shots)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    # SIGTERM (timeout, a batch scheduler) stops the search like Ctrl-C: the circuits found
    # so far are still written
    old = signal.signal(signal.SIGTERM, _interrupt)
    try:
        report = architecture_search(ham, noise=noise, cnot_pairs=pairs,
                                     episodes=args.episodes, seed=args.seed,
                                     max_gates=args.max_gates, optimizer=opt,
                                     agent=args.agent, target_error=args.target_error,
                                     pick=args.pick, time_limit=args.time_limit,
                                     physical_qubits=phys, init=init,
                                     progress=_progress)
    finally:
        signal.signal(signal.SIGTERM, old)
    data = report.to_dict()
    data["settings"].update({"hamiltonian": args.hamiltonian, "target": args.target,
                             "noise": args.noise if args.noise else
                             ("calibration" if args.target else "none")})
    text, _ = write_qasm3(report.ansatz.to_circuit())
    sidecar = json.dumps(data, indent=2, sort_keys=True) + "\n"
    write_output(args.output, text)
    if args.output not in (None, "-"):
        out = Path(args.output)
        write_atomic(str(out) + ".json", sidecar)
        plot = args.plot or str(out.with_suffix(".curve.png"))
    else:
        plot = args.plot
    if plot:
        plot_learning_curve(report.result, plot,
                            title=f"{ham.name or args.hamiltonian}: architecture search")
    if args.save_agent and report.agent is not None:
        report.agent.save(args.save_agent)
    if args.json:
        print(sidecar, end="")
    _progress(f"{ham.name or args.hamiltonian}: error {data['error']:.3g} Ha (noiseless "
              f"{data['noiseless_error']:.3g}), {data['gates']} gates, {data['cnots']} CNOTs, "
              f"{data['parameters']} parameters, depth {data['depth']}; "
              f"{data['search']['episodes']} episodes in {data['search']['wall_time_s']:.1f} s")
    return 130 if report.result.interrupted else 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _progress(message: str) -> None:
    print(f"[qas] {message}", file=sys.stderr, flush=True)
