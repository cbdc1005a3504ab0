"""Compile benchmark: qtool against Qiskit O3 and TKET on IBM devices.

Every compiler reads the identical flattened circuits of ``benchmarks/circuits/`` (see
``circuits.py``) and compiles them, one after the other in this one process, for

=================  ==========================  =================================
key                Qiskit backend              qtool target
=================  ==========================  =================================
``ibm_eagle``      ``FakeSherbrooke`` (ECR)    ``"ibm_eagle"``
``ibm_heron``      ``FakeTorino`` (CZ)         ``"ibm_heron"``
``ibm_nighthawk``  ``FakeNighthawk`` (CZ)      the Qiskit backend object itself
=================  ==========================  =================================

Compilers: ``qtool-O<n>`` (``qtool.compile(..., optimization_level=n, seed=seed)``),
``qiskit-O3`` (``generate_preset_pass_manager(3, backend, seed_transpiler=seed)``) and
``tket`` (a pure pytket pipeline, :func:`run_tket`).  Every output is converted to a Qiskit
circuit on physical qubits and measured the same way from the backend's Qiskit ``Target``:
2Q gate count, 2Q depth, depth, estimated success probability (:func:`esp`) and wall time
of the compile call alone (parsing and conversions are not timed).  Each output is checked
against the target's native gates and coupling (:func:`native_violations`); ``--verify``
also checks qtool's outputs for equivalence with ``qtool.verify.verify_equivalent``.

Usage::

    python benchmarks/compile_bench.py                      # everything (~minutes)
    python benchmarks/compile_bench.py --no-tket --targets ibm_heron --circuits ghz_40 qft_20
    python benchmarks/compile_bench.py --levels 3 --verify

Results: ``<out>/compile_<target>.csv`` (one row per circuit and compiler) and
``<out>/compile_bench.md`` (tables plus geometric-mean ratios against Qiskit O3).
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import logging
import math
import multiprocessing as mp
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import circuits as bench_circuits  # noqa: E402 - a sibling module, not a package

log = logging.getLogger("compile_bench")

__all__ = ["TARGETS", "Result", "RunOptions", "broken_qubits", "check_distribution",
           "compile_one", "esp", "geomean", "load_backend", "log_esp", "main", "metrics",
           "native_violations", "outcome_distribution", "qtool_to_qiskit", "read_csv",
           "run_benchmark", "run_qiskit", "run_qtool", "run_tket", "tket_architecture"]


# --------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class TargetSpec:
    """A benchmark device: the Qiskit fake backend and what qtool is given for it."""

    key: str
    backend_class: str
    qtool_target: str | None   # None: hand qtool the Qiskit backend object


TARGETS: dict[str, TargetSpec] = {
    "ibm_eagle": TargetSpec("ibm_eagle", "FakeSherbrooke", "ibm_eagle"),
    "ibm_heron": TargetSpec("ibm_heron", "FakeTorino", "ibm_heron"),
    "ibm_nighthawk": TargetSpec("ibm_nighthawk", "FakeNighthawk", None),
}
_ALIASES = {"eagle": "ibm_eagle", "sherbrooke": "ibm_eagle", "heron": "ibm_heron",
            "torino": "ibm_heron", "nighthawk": "ibm_nighthawk"}

#: two-qubit gates whose two qubits may be given in either order
SYMMETRIC_2Q = frozenset({"cz", "rzz", "swap", "iswap", "cp"})
#: instructions that take no time and carry no error
_DIRECTIVES = frozenset({"barrier", "delay"})


def load_backend(key: str):
    """The Qiskit fake backend of benchmark target ``key``."""
    from qiskit_ibm_runtime import fake_provider
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # FakeNighthawk: "not typical values"
        return getattr(fake_provider, TARGETS[key].backend_class)()


# --------------------------------------------------------------------------- metrics
def _props(target, name: str, qargs: tuple[int, ...]):
    """Calibration of ``name`` on ``qargs`` (reversed pair for symmetric gates)."""
    if name not in target.operation_names:
        return None, False
    m = target[name]
    if m is None or None in m:            # global instruction (control flow)
        return None, True
    if qargs in m:
        return m[qargs], True
    if len(qargs) == 2 and name in SYMMETRIC_2Q and qargs[::-1] in m:
        return m[qargs[::-1]], True
    return None, False


def log_esp(qc, backend) -> float:
    """Natural log of the estimated success probability, see :func:`esp`."""
    target = backend.target
    index = {q: i for i, q in enumerate(qc.qubits)}
    total = 0.0
    for ins in qc.data:
        name = ins.operation.name
        if name in _DIRECTIVES:
            continue
        props, _ = _props(target, name, tuple(index[q] for q in ins.qubits))
        err = None if props is None else props.error
        if err is None or err <= 0:
            continue
        if err >= 1:
            return -math.inf
        total += math.log1p(-err)
    return total


def esp(qc, backend) -> float:
    """Estimated success probability of a compiled circuit on ``backend``.

    The product of ``1 - error`` over every instruction, with the error taken from the
    backend's Qiskit ``Target`` for that instruction on those physical qubits (readout
    error for ``measure``; gates without calibrated error, barriers and delays count as
    error-free).  ``qc`` must act on physical qubits (qubit ``i`` is device qubit ``i``).
    Instructions the target does not support also count as error-free: check them with
    :func:`native_violations`.
    """
    return math.exp(log_esp(qc, backend))


def native_violations(qc, backend, limit: int = 5) -> list[str]:
    """Instructions of ``qc`` the backend cannot run (gate or qubits unsupported).

    Uses ``target.instruction_supported``; symmetric 2Q gates (``cz``...) are accepted in
    either qubit order.  Returns up to ``limit`` descriptions plus a count of the rest.
    """
    target = backend.target
    if qc.num_qubits > target.num_qubits:
        return [f"{qc.num_qubits} qubits > device's {target.num_qubits}"]
    index = {q: i for i, q in enumerate(qc.qubits)}
    bad: list[str] = []
    n_bad = 0
    for ins in qc.data:
        name = ins.operation.name
        if name == "barrier":
            continue
        qargs = tuple(index[q] for q in ins.qubits)
        ok = target.instruction_supported(name, qargs)
        if not ok and len(qargs) == 2 and name in SYMMETRIC_2Q:
            ok = target.instruction_supported(name, qargs[::-1])
        if not ok:
            n_bad += 1
            if len(bad) < limit:
                bad.append(f"{name}{list(qargs)}")
    if n_bad > len(bad):
        bad.append(f"... {n_bad - len(bad)} more")
    return bad


def _is_2q(ins) -> bool:
    return ins.operation.num_qubits == 2 and ins.operation.name not in _DIRECTIVES


def metrics(qc) -> dict[str, int]:
    """2Q count, 2Q depth, depth (barriers excluded) and size of a Qiskit circuit."""
    twoq = sum(1 for ins in qc.data if _is_2q(ins))
    size = sum(1 for ins in qc.data if ins.operation.name not in _DIRECTIVES)
    return {"twoq": twoq, "twoq_depth": qc.depth(filter_function=_is_2q),
            "depth": qc.depth(filter_function=lambda i: i.operation.name not in _DIRECTIVES),
            "size": size}


# --------------------------------------------------------------------------- compilers
def run_qiskit(qc, backend, seed: int = 42):
    """Qiskit's preset level-3 pass manager; returns ``(compiled, seconds)``."""
    from qiskit.transpiler import generate_preset_pass_manager
    pm = generate_preset_pass_manager(optimization_level=3, backend=backend,
                                      seed_transpiler=seed)
    t0 = time.perf_counter()
    out = pm.run(qc)
    return out, time.perf_counter() - t0


def broken_qubits(backend) -> frozenset[int]:
    """Qubits with a one-qubit gate or readout whose calibrated error is 1."""
    target = backend.target
    bad = set()
    for name in ("sx", "x", "measure"):
        if name not in target.operation_names:
            continue
        for qargs, p in target[name].items():
            if qargs and p is not None and p.error is not None and p.error >= 1:
                bad.update(qargs)
    return frozenset(bad)


def tket_architecture(backend, *, all_edges: bool = False):
    """The backend's coupling as a ``pytket`` ``Architecture``.

    Unless ``all_edges``, couplers whose 2Q gate error is 1 and qubits with a broken
    one-qubit gate or readout (:func:`broken_qubits`) are left out, and so are qubits cut
    off by their removal (only the largest connected part is kept): TKET's placement is
    not noise-aware and would otherwise use them, and its routing needs a connected graph.
    """
    import rustworkx as rx
    from pytket.architecture import Architecture
    target = backend.target
    dead = frozenset() if all_edges else broken_qubits(backend)
    edges = []
    for a, b in backend.coupling_map.get_edges():
        if not all_edges:
            if a in dead or b in dead:
                continue
            errs = [p.error for name in _native_2q(backend)
                    if (p := _props(target, name, (a, b))[0]) is not None and p.error is not None]
            if errs and min(errs) >= 1:
                continue
        edges.append((int(a), int(b)))
    g = rx.PyGraph()
    g.add_nodes_from(range(backend.num_qubits))
    g.add_edges_from_no_data(edges)
    largest = max(rx.connected_components(g), key=lambda c: (len(c), -min(c)))
    return Architecture([e for e in edges if e[0] in largest])


def _native_2q(backend) -> list[str]:
    return [n for n in ("ecr", "cz", "cx") if n in backend.target.operation_names]


def _tket_orient(circ, allowed: frozenset):
    """Re-emit ``circ`` with every CX on an uncalibrated direction flipped by Hadamards.

    TKET's routing ignores edge direction; IBM Eagle's ECR runs one way only.  CX(c, t) =
    (H x H) CX(t, c) (H x H), and the later rebase turns each CX into an ECR on the same
    ordered pair.  Returns the new circuit (its implicit wire permutation is not carried
    over; the benchmark only reads gates and measurements).
    """
    from pytket import Circuit, OpType
    new = Circuit()
    for q in circ.qubits:
        new.add_qubit(q)
    for b in circ.bits:
        new.add_bit(b)
    new.add_phase(circ.phase)
    for cmd in circ.get_commands():
        op, args = cmd.op, cmd.args
        if op.type == OpType.Barrier:
            new.add_barrier(args)
        elif op.type == OpType.CX and (args[0].index[0], args[1].index[0]) not in allowed:
            c, t = args
            new.H(c).H(t).CX(t, c).H(c).H(t)
        else:
            new.add_gate(op, args)
    return new


def _tket_passes(circ, arch, gate_2q: str, allowed: frozenset | None) -> None:
    """Apply the TKET pipeline (see :func:`run_tket`); returns the compiled circuit."""
    from pytket import OpType
    from pytket.passes import (AutoRebase, AutoSquash, CliffordSimp, DecomposeBoxes,
                               DefaultMappingPass, FullPeepholeOptimise, KAKDecomposition,
                               RemoveRedundancies, SynthesiseTket)
    one_q = {OpType.Rz, OpType.SX, OpType.X}
    native = {"ecr": OpType.ECR, "cz": OpType.CZ, "cx": OpType.CX}[gate_2q]
    DecomposeBoxes().apply(circ)
    FullPeepholeOptimise().apply(circ)
    DefaultMappingPass(arch).apply(circ)
    KAKDecomposition(allow_swaps=False).apply(circ)
    CliffordSimp(False).apply(circ)
    SynthesiseTket().apply(circ)
    if allowed is not None:        # directed native gate: orient CX first, then rebase
        AutoRebase(one_q | {OpType.CX}).apply(circ)
        circ = _tket_orient(circ, allowed)
    AutoRebase(one_q | {native}).apply(circ)
    AutoSquash(one_q).apply(circ)
    RemoveRedundancies().apply(circ)
    return circ


def _tket_child(conn, circ, arch, gate_2q, allowed) -> None:
    try:
        t0 = time.perf_counter()
        out = _tket_passes(circ, arch, gate_2q, allowed)
        conn.send(("ok", out.to_dict(), time.perf_counter() - t0))
    except Exception as exc:  # noqa: BLE001 - sent to the parent with its type
        conn.send(("error", f"{type(exc).__name__}: {exc}", 0.0))
    finally:
        conn.close()


def run_tket(qc, backend, *, timeout: float = 0, all_edges: bool = False):
    """A pure-TKET compile; returns ``(compiled Qiskit circuit on physical qubits, seconds)``.

    Pipeline: ``DecomposeBoxes``, ``FullPeepholeOptimise``, ``DefaultMappingPass(arch)``,
    ``KAKDecomposition``, ``CliffordSimp``, ``SynthesiseTket``, then ``AutoRebase`` to
    ``rz/sx/x`` plus the native 2Q gate (for directed ECR, CXs on uncalibrated directions
    are flipped first, :func:`_tket_orient`), ``AutoSquash`` and ``RemoveRedundancies``.
    With ``timeout > 0`` the passes run in a forked child that is killed after ``timeout``
    seconds (raising ``TimeoutError``); the time reported is measured inside the child.
    """
    from pytket import Circuit
    from pytket.extensions.qiskit import qiskit_to_tk
    arch = tket_architecture(backend, all_edges=all_edges)
    gate_2q = _native_2q(backend)[0]
    allowed = None
    if gate_2q not in SYMMETRIC_2Q:
        allowed = frozenset(tuple(int(x) for x in q) for q in backend.target[gate_2q])
    circ = qiskit_to_tk(qc)
    if timeout and timeout > 0:
        ctx = mp.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_tket_child, args=(send, circ, arch, gate_2q, allowed))
        proc.start()
        send.close()
        try:
            if not recv.poll(timeout):
                raise TimeoutError(f"TKET exceeded {timeout:g} s")
            status, payload, seconds = recv.recv()
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
        if status != "ok":
            raise RuntimeError(payload)
        out = Circuit.from_dict(payload)
    else:
        t0 = time.perf_counter()
        out = _tket_passes(circ, arch, gate_2q, allowed)
        seconds = time.perf_counter() - t0
    return _tket_to_physical(out, backend.num_qubits), seconds


def _tket_to_physical(circ, num_physical: int):
    """A routed TKET circuit as a Qiskit circuit whose qubit ``i`` is device qubit ``i``.

    After placement every TKET qubit is ``node[i]``; ``tk_to_qiskit`` turns that into a
    Qiskit register ``node`` whose bit ``i`` is device qubit ``i``.
    """
    from pytket.extensions.qiskit import tk_to_qiskit
    from qiskit import QuantumCircuit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # implicit permutation: irrelevant to the metrics
        qc = tk_to_qiskit(circ, perm_warning=False)
    phys = []
    for q in qc.qubits:
        reg, idx = qc.find_bit(q).registers[0]
        if reg.name != "node":
            raise ValueError(f"TKET left qubit {reg.name}[{idx}] unplaced")
        phys.append(idx)
    out = QuantumCircuit(num_physical, qc.num_clbits)
    out.compose(qc, qubits=phys, clbits=list(range(qc.num_clbits)), inplace=True)
    out.global_phase = qc.global_phase
    return out


# --------------------------------------------------------------------------- qtool adapter
def qtool_available() -> bool:
    """Whether ``qtool.compile`` exists yet (the benchmark then runs only the peers)."""
    try:
        import qtool
    except ImportError:
        return False
    return callable(getattr(qtool, "compile", None))


def resolve_qtool_target(spec: TargetSpec, backend):
    """What qtool is given: its own Target when resolvable, else the name/backend."""
    given = backend if spec.qtool_target is None else spec.qtool_target
    try:
        from qtool.targets import get_target
        tgt = get_target(given)
    except (ImportError, ModuleNotFoundError):
        return given
    n = getattr(tgt, "num_qubits", None)
    if n is not None and n != backend.num_qubits:
        log.warning("qtool target %s has %d qubits, backend %s has %d: checks will fail",
                    spec.qtool_target, n, backend.name, backend.num_qubits)
    return tgt


def load_qtool_input(qc_or_path):
    """A ``qtool.Circuit`` from a QASM path, a Qiskit circuit or a qtool circuit."""
    import qtool
    if isinstance(qc_or_path, qtool.Circuit):
        return qc_or_path
    if isinstance(qc_or_path, (str, Path)):
        from qtool.io import load_circuit
        return load_circuit(qc_or_path)
    return qtool.Circuit.from_qiskit(qc_or_path)


def run_qtool(qc_or_path, target, level: int, seed: int = 42):
    """Compile with qtool; returns ``(input qtool circuit, output qtool circuit, seconds)``.

    The thin adapter between the harness and qtool's API, kept in one place so an API
    change means editing only this function.
    """
    import qtool
    circ = load_qtool_input(qc_or_path)
    t0 = time.perf_counter()
    res = qtool.compile(circ, target=target, optimization_level=level, seed=seed)
    seconds = time.perf_counter() - t0
    out = getattr(res, "circuit", res)
    return circ, out, seconds


def qtool_to_qiskit(circ):
    """A compiled ``qtool.Circuit`` as a Qiskit circuit (qubit ``i`` = physical ``i``).

    Uses ``Circuit.to_qiskit`` when qtool's interop exists, else a direct walk over the
    instruction table (native gates share Qiskit's names and argument order).
    """
    try:
        return circ.to_qiskit()
    except (ImportError, AttributeError, NotImplementedError):
        return _walk_to_qiskit(circ)


def _walk_to_qiskit(circ):
    """Fallback of :func:`qtool_to_qiskit`: rebuild the rows with Qiskit's standard gates."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Measure, Reset
    from qiskit.circuit.library import Barrier, get_standard_gate_name_mapping
    gates = get_standard_gate_name_mapping()
    qc = QuantumCircuit(circ.num_qubits, circ.num_clbits)
    gp = circ.global_phase
    qc.global_phase = float(gp) if not hasattr(gp, "free_symbols") else 0.0
    for ins in circ:
        if ins.cond >= 0:
            raise ValueError("conditioned rows are not supported by the fallback converter")
        if ins.name == "measure":
            qc.append(Measure(), [ins.qubits[0]], [ins.clbit])
        elif ins.name == "reset":
            qc.append(Reset(), [ins.qubits[0]])
        elif ins.name == "barrier":
            qc.append(Barrier(len(ins.qubits)), list(ins.qubits))
        else:
            proto = gates.get(ins.name)
            if proto is None:
                raise ValueError(f"no Qiskit gate for qtool op {ins.name!r}")
            op = type(proto)(*[float(p) for p in ins.params]) if ins.params else proto
            qc.append(op, list(ins.qubits))
    return qc


def verify_qtool(original, compiled) -> str:
    """``"ok (method)"``, ``"FAIL (method: detail)"`` or ``"unchecked (...)"``."""
    from qtool.verify import verify_equivalent
    r = verify_equivalent(original, compiled)
    if r.equivalent is None:
        return f"unchecked ({r.detail})"
    return f"ok ({r.method})" if r.equivalent else f"FAIL ({r.method}: {r.detail})"


def outcome_distribution(qc, max_qubits: int = 16) -> dict | None:
    """Exact probabilities of the classical outcomes of ``qc`` (``None`` if not computable).

    Only circuits whose measurements are all terminal qualify; the unitary part is
    simulated on its active qubits (at most ``max_qubits``).  Keys are tuples of
    ``(clbit, value)``, so qubit placement and final permutations do not matter.
    """
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector
    index = {q: i for i, q in enumerate(qc.qubits)}
    meas: dict[int, int] = {}
    body = []
    for ins in qc.data:
        name = ins.operation.name
        qs = [index[q] for q in ins.qubits]
        if name == "measure":
            meas[qs[0]] = qc.find_bit(ins.clbits[0]).index
        elif name == "barrier":
            continue
        elif name in ("reset", "delay") or not hasattr(ins.operation, "to_matrix") \
                or any(q in meas for q in qs):
            return None          # non-unitary or gate after a measurement
        else:
            body.append((ins.operation, qs))
    if not meas:
        return None
    active = sorted({q for _, qs in body for q in qs} | set(meas))
    if len(active) > max_qubits:
        return None
    local = {p: i for i, p in enumerate(active)}
    small = QuantumCircuit(len(active))
    for op, qs in body:
        small.append(op, [local[q] for q in qs])
    probs = Statevector(small).probabilities()
    out: dict = {}
    for s in (int(x) for x in (probs > 1e-12).nonzero()[0]):
        key = tuple(sorted((c, (s >> local[q]) & 1) for q, c in meas.items()))
        out[key] = out.get(key, 0.0) + float(probs[s])
    return out


def check_distribution(original, compiled, max_qubits: int = 16, atol: float = 1e-6) -> str:
    """Compare the exact outcome distributions of two Qiskit circuits (any compiler).

    Weaker than unitary equivalence (phases are not seen) but independent of layout and
    of the compiler, so it checks the peers' outputs and this harness's conversions.
    """
    a = outcome_distribution(original, max_qubits)
    if a is None:
        return "unchecked (no terminal measurements or too many qubits)"
    b = outcome_distribution(compiled, max_qubits)
    if b is None:
        return "unchecked (compiled circuit too wide to simulate)"
    err = max(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b))
    return "ok (distribution)" if err < atol else f"FAIL (distribution: max deviation {err:.2e})"


# --------------------------------------------------------------------------- the run
@dataclass
class Result:
    """One compiler on one circuit and target (``error`` set when it failed)."""

    target: str
    circuit: str
    compiler: str
    num_qubits: int
    in_twoq: int
    twoq: int | None = None
    twoq_depth: int | None = None
    depth: int | None = None
    size: int | None = None
    esp: float | None = None
    seconds: float | None = None
    valid: bool | None = None
    violations: str = ""
    verified: str = ""
    error: str = ""


def _measure(res: Result, qc, backend, seconds: float) -> Result:
    res.seconds = seconds
    for k, v in metrics(qc).items():
        setattr(res, k, v)
    res.esp = esp(qc, backend)
    bad = native_violations(qc, backend)
    res.valid = not bad
    res.violations = "; ".join(bad)
    return res


@dataclass(frozen=True)
class RunOptions:
    targets: tuple[str, ...]
    circuits: tuple[str, ...]
    levels: tuple[int, ...] = (1, 3)
    qiskit: bool = True
    tket: bool = True
    qtool: bool = True
    tket_timeout: float = 300.0
    tket_all_edges: bool = False
    verify: bool = False
    verify_max_qubits: int = 16
    seed: int = 42
    out: Path = HERE / "results"


def compilers_of(opts: RunOptions) -> list[str]:
    """The compiler column names, in table order."""
    names = []
    if opts.qiskit:
        names.append("qiskit-O3")
    if opts.tket:
        names.append("tket")
    if opts.qtool:
        names += [f"qtool-O{lv}" for lv in opts.levels]
    return names


def compile_one(res: Result, qc, path: Path, backend, qtarget, opts: RunOptions) -> None:
    """Compile ``qc`` with ``res.compiler`` and fill ``res`` with the measurements."""
    compiler = res.compiler
    if compiler == "qiskit-O3":
        out, dt = run_qiskit(qc, backend, opts.seed)
    elif compiler == "tket":
        out, dt = run_tket(qc, backend, timeout=opts.tket_timeout,
                           all_edges=opts.tket_all_edges)
    elif compiler.startswith("qtool-O"):
        src, compiled, dt = run_qtool(path, qtarget, int(compiler[7:]), opts.seed)
        out = qtool_to_qiskit(compiled)
        if opts.verify:
            res.verified = verify_qtool(src, compiled)
    else:
        raise ValueError(f"unknown compiler {compiler!r}")
    _measure(res, out, backend, dt)
    if opts.verify and not res.verified.startswith(("ok", "FAIL")):
        res.verified = check_distribution(qc, out, opts.verify_max_qubits)


def _attempt(res: Result, *args) -> Result:
    """:func:`compile_one`, recording a failure in ``res`` instead of aborting the run."""
    try:
        compile_one(res, *args)
    except Exception as exc:  # noqa: BLE001 - a row records any failure; nothing is hidden
        res.error = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]
        log.warning("%s %s %s failed: %s", res.target, res.circuit, res.compiler, res.error)
    return res


def run_benchmark(opts: RunOptions) -> list[Result]:
    """Compile every selected circuit for every selected target with every compiler."""
    opts.out.mkdir(parents=True, exist_ok=True)
    inputs = {n: bench_circuits.load(n) for n in opts.circuits}
    paths = {n: bench_circuits.CIRCUIT_DIR / f"{n}.qasm" for n in opts.circuits}
    compilers = compilers_of(opts)
    results: list[Result] = []
    totals: dict[str, float] = {}
    t_start = time.perf_counter()
    for key in opts.targets:
        spec = TARGETS[key]
        backend = load_backend(key)
        qtarget = resolve_qtool_target(spec, backend) if opts.qtool else None
        log.info("target %s: %s, %d qubits", key, backend.name, backend.num_qubits)
        rows: list[Result] = []
        for ci, name in enumerate(opts.circuits, 1):
            qc = inputs[name]
            in_twoq = metrics(qc)["twoq"]
            for compiler in compilers:
                r = _attempt(Result(key, name, compiler, qc.num_qubits, in_twoq),
                             qc, paths[name], backend, qtarget, opts)
                rows.append(r)
                if r.seconds is not None:
                    totals[compiler] = totals.get(compiler, 0.0) + r.seconds
                if not r.error:
                    log.info("[%s %2d/%d] %-27s %-10s 2q %5d  2q-depth %5d  depth %5d  "
                             "esp %.3g  %7.2f s%s%s", key, ci, len(opts.circuits), name,
                             compiler, r.twoq, r.twoq_depth, r.depth, r.esp, r.seconds,
                             "" if r.valid else f"  INVALID: {r.violations}",
                             f"  verify {r.verified}" if r.verified else "")
            write_csv(rows, opts.out / f"compile_{key}.csv")   # partial results survive
        results += rows
    log.info("compile time per compiler (all targets): %s",
             ", ".join(f"{c} {t:.1f} s" for c, t in totals.items()))
    log.info("benchmark wall time %.1f s", time.perf_counter() - t_start)
    return results


# --------------------------------------------------------------------------- reporting
def write_csv(rows: list[Result], path: Path) -> None:
    fields = [f.name for f in dataclasses.fields(Result)]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            d = dataclasses.asdict(r)
            if d["esp"] is not None:
                d["esp"] = f"{d['esp']:.6g}"
            if d["seconds"] is not None:
                d["seconds"] = f"{d['seconds']:.4f}"
            w.writerow(d)


def read_csv(path: Path) -> list[Result]:
    """Results written by :func:`write_csv` (for re-rendering the report)."""
    conv = {"num_qubits": int, "in_twoq": int, "twoq": int, "twoq_depth": int, "depth": int,
            "size": int, "esp": float, "seconds": float, "valid": lambda v: v == "True"}
    out = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            kw = {k: (conv[k](v) if k in conv and v != "" else (None if k in conv else v))
                  for k, v in row.items()}
            out.append(Result(**kw))
    return out


def geomean(xs: list[float]) -> float:
    """Geometric mean of positive numbers (``nan`` if none)."""
    xs = [x for x in xs if x > 0 and math.isfinite(x)]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else math.nan


def ratios(results: list[Result], target: str, compiler: str, field: str,
           baseline: str = "qiskit-O3") -> list[float]:
    """``field(compiler) / field(baseline)`` per circuit where both gave valid outputs
    (no error, runnable on the device) and both values are > 0."""
    base = {r.circuit: getattr(r, field) for r in results
            if r.target == target and r.compiler == baseline and not r.error and r.valid}
    out = []
    for r in results:
        if r.target == target and r.compiler == compiler and not r.error and r.valid:
            b, v = base.get(r.circuit), getattr(r, field)
            if b and v and b > 0 and v > 0:
                out.append(v / b)
    return out


_TABLES = (("twoq", "2Q gate count", "{:d}", min), ("twoq_depth", "2Q depth", "{:d}", min),
           ("depth", "Depth", "{:d}", min), ("esp", "Estimated success probability",
                                              "{:.3g}", max),
           ("seconds", "Compile time (s)", "{:.2f}", min))
_SUMMARY = (("twoq", "2Q count"), ("twoq_depth", "2Q depth"), ("depth", "depth"),
            ("esp", "ESP"), ("seconds", "time"))


def write_markdown(results: list[Result], opts: RunOptions, path: Path) -> None:
    """Per-target tables (best value in bold, invalid outputs marked) and a summary."""
    comps = compilers_of(opts)
    lines = ["# Compile benchmark", "",
             (f"Circuits: `benchmarks/circuits/` ({len(opts.circuits)}), seed {opts.seed}. "
             "Every output measured from the backend's Qiskit `Target`; ESP = product of "
             "(1 - error) over gates and measurements. `!` marks an output that uses a gate "
             "or coupling the device lacks; `-` a failed or skipped run. Ratios are over "
             "the circuits where both outputs are valid and the values > 0 (an ESP of 0 "
             "means a broken gate was used); n counts the 2Q-count ratios."), ""]
    lines += ["## Geometric-mean ratio against Qiskit O3 (lower is better, ESP: higher)", "",
              "| target | compiler | " + " | ".join(t for _, t in _SUMMARY) + " | n |",
              "|---|---|" + "---:|" * (len(_SUMMARY) + 1)]
    for key in opts.targets:
        for c in comps:
            if c == "qiskit-O3":
                continue
            cells = [f"{geomean(ratios(results, key, c, f)):.3f}" for f, _ in _SUMMARY]
            n = len(ratios(results, key, c, "twoq"))
            lines.append(f"| {key} | {c} | " + " | ".join(cells) + f" | {n} |")
    lines.append("")
    for key in opts.targets:
        rows = [r for r in results if r.target == key]
        by = {(r.circuit, r.compiler): r for r in rows}
        lines += [f"## {key} ({TARGETS[key].backend_class})", ""]
        for field, title, fmt, best in _TABLES:
            lines += [f"### {title}", "",
                      "| circuit | qubits | input 2Q | " + " | ".join(comps) + " |",
                      "|---|---:|---:|" + "---:|" * len(comps)]
            for name in opts.circuits:
                got = [by.get((name, c)) for c in comps]
                vals = [getattr(r, field) if r and not r.error else None for r in got]
                ok = [v for v, r in zip(vals, got) if v is not None and r.valid]
                top = best(ok) if ok and field != "seconds" else None
                cells = []
                for v, r in zip(vals, got):
                    if v is None:
                        cells.append("-")
                        continue
                    s = fmt.format(v)
                    if top is not None and v == top and r.valid:
                        s = f"**{s}**"
                    cells.append(s + ("" if r.valid else " !"))
                any_r = next((r for r in got if r), None)
                nq = any_r.num_qubits if any_r else ""
                in2 = any_r.in_twoq if any_r else ""
                lines.append(f"| {name} | {nq} | {in2} | " + " | ".join(cells) + " |")
            lines.append("")
        failed = [r for r in rows if r.error or (r.valid is False)
                  or r.verified.startswith("FAIL")]
        if failed:
            lines += ["Problems:", ""]
            lines += [f"- {r.circuit} / {r.compiler}: "
                      + (r.error or r.violations or r.verified) for r in failed]
            lines.append("")
    path.write_text("\n".join(lines))


def _print_summary(results: list[Result], opts: RunOptions) -> None:
    for key in opts.targets:
        for c in compilers_of(opts):
            if c == "qiskit-O3":
                continue
            r2 = geomean(ratios(results, key, c, "twoq"))
            rt = geomean(ratios(results, key, c, "seconds"))
            print(f"{key:14s} {c:10s} 2Q/qiskit {r2:6.3f}   time/qiskit {rt:7.3f}")


# --------------------------------------------------------------------------- CLI
def _parse_targets(values: list[str]) -> tuple[str, ...]:
    out = []
    for v in values:
        for part in v.split(","):
            part = part.strip().lower()
            if not part:
                continue
            key = _ALIASES.get(part, part)
            if key not in TARGETS:
                raise SystemExit(f"unknown target {part!r}; known: {', '.join(TARGETS)}")
            out.append(key)
    return tuple(dict.fromkeys(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Compile benchmark: qtool vs Qiskit O3 vs TKET.")
    ap.add_argument("--targets", nargs="+", default=list(TARGETS),
                    help=f"subset of {', '.join(TARGETS)} (comma or space separated)")
    ap.add_argument("--circuits", nargs="+", default=None,
                    help="subset of benchmark circuits (default: all 17)")
    ap.add_argument("--levels", default="1,3", help="qtool optimisation levels, e.g. 1,3")
    ap.add_argument("--no-tket", action="store_true", help="skip TKET (the slowest peer)")
    ap.add_argument("--no-qiskit", action="store_true", help="skip Qiskit O3")
    ap.add_argument("--no-qtool", action="store_true", help="run only the peers")
    ap.add_argument("--tket-timeout", type=float, default=300.0,
                    help="per-circuit TKET limit in seconds (0: none, run in-process)")
    ap.add_argument("--tket-all-edges", action="store_true",
                    help="give TKET broken couplers/qubits (error 1) too; left out by default")
    ap.add_argument("--verify", action="store_true",
                    help="check equivalence: qtool outputs exactly (qtool.verify), every "
                         "output by its exact outcome distribution when small enough")
    ap.add_argument("--verify-max-qubits", type=int, default=16,
                    help="widest output (active qubits) whose distribution is simulated")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--report-only", action="store_true",
                    help="compile nothing: rewrite compile_bench.md from the CSVs in --out")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    log.setLevel(logging.WARNING if args.quiet else logging.INFO)
    known = bench_circuits.names()
    sel = args.circuits or known
    unknown = [c for c in sel if c not in known]
    if unknown:
        ap.error(f"unknown circuit(s) {unknown}; known: {known}")
    use_qtool = not args.no_qtool
    if use_qtool and not qtool_available():
        log.warning("qtool.compile is not available yet: running the peers only")
        use_qtool = False
    opts = RunOptions(targets=_parse_targets(args.targets), circuits=tuple(sel),
                      levels=tuple(int(x) for x in args.levels.split(",") if x.strip()),
                      qiskit=not args.no_qiskit, tket=not args.no_tket, qtool=use_qtool,
                      tket_timeout=args.tket_timeout, tket_all_edges=args.tket_all_edges,
                      verify=args.verify,
                      verify_max_qubits=args.verify_max_qubits, seed=args.seed, out=args.out)
    t0 = time.perf_counter()
    if args.report_only:
        results = [r for key in opts.targets
                   for r in read_csv(opts.out / f"compile_{key}.csv")]
        present = {r.compiler for r in results}
        opts = dataclasses.replace(opts, qiskit="qiskit-O3" in present, tket="tket" in present,
                                   qtool=any(c.startswith("qtool-O") for c in present),
                                   levels=tuple(sorted({int(c[7:]) for c in present
                                                        if c.startswith("qtool-O")})),
                                   circuits=tuple(dict.fromkeys(r.circuit for r in results)))
    else:
        results = run_benchmark(opts)
    write_markdown(results, opts, opts.out / "compile_bench.md")
    _print_summary(results, opts)
    wrote = "" if args.report_only else " and compile_<target>.csv"
    print(f"wrote {opts.out}/compile_bench.md{wrote} ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
