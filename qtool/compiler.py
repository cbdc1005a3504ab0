"""``qtool.compile``: one call from an input circuit to a hardware-ready one.

Optimisation levels (the preset pipelines are built in :mod:`qtool.presets`):

* ``-O0`` -- decompose, trivial layout, one routing trial, basis translation.  Nothing
  is optimised; useful to see what routing alone costs.
* ``-O1`` -- perfect (VF2) layout when one exists, else SABRE layout with a few trials;
  SABRE routing; calibration-aware re-placement (:class:`NoiseAwarePostLayout`);
  translation; one-qubit fusion and inverse cancellation.
* ``-O2`` -- also drops gates within 1e-12 infidelity of the identity and turns input
  swaps into relabelling; more trials; commutative cancellation and two-qubit block
  re-synthesis (KAK), repeated until the 2Q count stops improving.
* ``-O3`` -- ``-O2`` plus cancellation of the virtual circuit before layout (fewer
  gates to route), the most layout/routing trials and a longer bounded fixed-point loop.

Compilation never binds parameters: symbolic angles stay symbolic (papers.md §6.8).

**Discrete targets.**  For a fault-tolerant target (``ft:clifford_t``, ``ft:ht``; see
:func:`qtool.targets.generators.discrete_target`) every level ends with
:class:`~qtool.passes.SynthesizeDiscrete`, which writes each one-qubit run as a word over
the finite basis; ``eps`` (default 1e-3) is the total approximation budget, in the
phase-invariant operator norm, of the whole circuit.  What it did is in
:attr:`CompileResult.synthesis` and the sidecar's ``"synthesis"`` entry.  Symbolic angles
cannot be synthesised: bind parameters first.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

from ._version import __version__
from .circuit import Circuit
from .errors import CompileError, TargetError
from .passmanager import Context, Pass, PassTiming
from .verify import VerifyResult, verify_compiled

__all__ = ["compile", "CompileResult"]

log = logging.getLogger("qtool.compile")


@dataclass
class CompileResult:
    """The output of :func:`compile`: the circuit plus everything the sidecar records."""

    circuit: Circuit
    input: Circuit
    target: object
    optimization_level: int | None
    seed: int
    pipeline: Pass
    timings: list[PassTiming] = field(default_factory=list)
    seconds: float = 0.0
    verification: VerifyResult | None = None
    #: what :class:`~qtool.passes.SynthesizeDiscrete` recorded (``None`` if it did not run)
    synthesis: dict | None = None

    @property
    def metrics(self) -> dict:
        from .targets.metrics import circuit_metrics
        return circuit_metrics(self.circuit, self.target)

    def input_metrics(self) -> dict:
        c = self.input
        return {"num_qubits": c.num_qubits, "num_1q": c.num_1q(), "num_2q": c.num_2q(),
                "depth": c.depth(), "ops": c.count_ops()}

    def sidecar(self, *, param_map: dict | None = None, source: str | None = None) -> dict:
        """The JSON sidecar (everything but ``pass_timings`` and ``seconds`` is
        deterministic for a given input and seed)."""
        lay = self.circuit.layout
        out = {
            "qtool_version": __version__,
            "source": source,
            "target": self.target.name,
            "seed": self.seed,
            "optimization_level": self.optimization_level,
            "num_virtual_qubits": self.input.num_qubits,
            "initial_layout": list(lay.initial[:lay.num_virtual]) if lay else None,
            "final_layout": list(lay.final[:lay.num_virtual]) if lay else None,
            "final_permutation": lay.permutation() if lay else None,
            "parameters": param_map or {},
            "input_metrics": self.input_metrics(),
            "metrics": self.metrics,
            "verification": None if self.verification is None else {
                "equivalent": self.verification.equivalent,
                "method": self.verification.method,
                "qubits": self.verification.qubits,
                "detail": self.verification.detail},
            **({} if self.synthesis is None else {"synthesis": {
                k: self.synthesis[k] for k in ("basis", "eps", "error_bound", "runs",
                                               "exact_runs", "t_count")
                if k in self.synthesis}}),
            "pipeline": self.pipeline.to_dict(),
            "pass_timings": [{"pass": t.name, "stage": t.stage, "seconds": round(t.seconds, 6),
                              "ops": [t.ops_before, t.ops_after],
                              "two_qubit": [t.twoq_before, t.twoq_after]} for t in self.timings],
            "seconds": round(self.seconds, 6),
        }
        return out


def compile(circuit, target="ibm_heron", optimization_level: int = 2, *, seed: int = 0,
            pipeline: Pass | None = None, verify: bool = False, timeout: float | None = None,
            callback=None, check_properties: bool = False,
            eps: float | None = None) -> CompileResult:
    """Compile ``circuit`` for ``target``.

    Parameters
    ----------
    circuit:
        A :class:`~qtool.Circuit`, a Qiskit ``QuantumCircuit``, a pytket ``Circuit``, or a
        path / OpenQASM text accepted by :func:`qtool.io.load_circuit`.
    target:
        Anything :func:`qtool.targets.get_target` accepts.
    optimization_level:
        0..3, see the module docstring.  Ignored when ``pipeline`` is given.
    seed:
        Seeds every randomised pass; same input and seed give identical output.
    pipeline:
        A custom :class:`~qtool.passmanager.Pass` (e.g. loaded from JSON).
    verify:
        Check equivalence of the result with the input (:mod:`qtool.verify`).
    timeout:
        Seconds after which the next pass refuses to start (``TimeoutError``).
    eps:
        Total approximation budget (``eps_op`` of the whole circuit, in ``(0, 1]``) of the
        discrete synthesis on a discrete target; default 1e-3.  Ignored, with a warning,
        for other targets and custom pipelines (their :class:`SynthesizeDiscrete` carries
        its own).
    """
    from .io import load_circuit
    from .presets import preset_pipeline
    from .targets import get_target

    circ = circuit if isinstance(circuit, Circuit) else load_circuit(circuit)
    tgt = get_target(target)
    if circ.num_qubits > tgt.num_qubits:
        raise TargetError(f"circuit needs {circ.num_qubits} qubits but target {tgt.name} has "
                          f"{tgt.num_qubits}")
    discrete = tgt.discrete_basis
    if eps is not None:
        from .passes.translation.discrete import check_eps
        eps = check_eps(eps)
        if not discrete:
            log.warning("eps=%g ignored: target %s is not discrete (use ft:clifford_t)", eps,
                        tgt.name)
        elif pipeline is not None:
            log.warning("eps=%g ignored: the custom pipeline's SynthesizeDiscrete has its "
                        "own", eps)
    if discrete and pipeline is None:
        from .passes.translation.discrete import check_bound
        check_bound(circ, discrete)         # before layout and routing, not after
    level = optimization_level if pipeline is None else None
    if pipeline is None:
        if optimization_level not in (0, 1, 2, 3):
            raise CompileError(f"optimization level must be 0..3, got {optimization_level}")
        pipeline = preset_pipeline(optimization_level, tgt, eps=eps if discrete else None)
    snapshots: dict = {}
    if verify:
        from .passmanager import registered_passes
        stages = {name: getattr(cls, "stage", "") for name, cls in registered_passes().items()}
        user_callback = callback

        def callback(name, c, ctx, _user=user_callback):   # keep the routing stage's output
            if stages.get(name) == "routing":
                snapshots["routed"] = c
            elif name == "RemoveNearIdentities":             # the documented approximation
                snapshots["reference"] = c
            if name == "SynthesizeDiscrete":                 # the other documented one
                snapshots["presynth"] = snapshots.get("last", circ)
            else:
                snapshots["last"] = c
            if _user is not None:
                _user(name, c, ctx)
    ctx = Context(target=tgt, seed=int(seed), log=logging.getLogger("qtool.passes"),
                  deadline=time.monotonic() + timeout if timeout else math.inf,
                  callback=callback, check=check_properties)
    t0 = time.perf_counter()
    out = pipeline.run(circ, ctx.for_pass(0))
    seconds = time.perf_counter() - t0
    res = CompileResult(out, circ, tgt, level, int(seed), pipeline, list(ctx.timings), seconds,
                        synthesis=ctx.analyses.get("synthesis"))
    log.info("compiled %s for %s in %.3f s: 2q %d -> %d", circ.name or "circuit", tgt.name,
             seconds, circ.num_2q(), out.num_2q())
    if verify:
        pre = snapshots.get("presynth")
        res.verification = verify_compiled(snapshots.get("reference", circ),
                                           out if pre is None else pre,
                                           snapshots.get("routed"))
        if pre is not None:
            res.verification = _verify_synthesis(res.verification, pre, out,
                                                 (res.synthesis or {}).get("error_bound", 0.0))
        dropped = len(circ) - len(snapshots.get("reference", circ))
        if dropped:
            v = res.verification
            res.verification = VerifyResult(
                v.equivalent, v.method, v.qubits,
                f"against the input less {dropped} gate(s) within 1e-12 infidelity of the "
                f"identity (RemoveNearIdentities){'; ' + v.detail if v.detail else ''}")
    return res


def _verify_synthesis(exact: VerifyResult, pre: Circuit, out: Circuit,
                      bound: float) -> VerifyResult:
    """Combine the exact check of everything before :class:`SynthesizeDiscrete` (``exact``)
    with a check of the synthesis step itself: the dense ``eps_op`` of ``pre`` -> ``out``
    on their common wires (up to 10 of them) must be within the recorded bound."""
    from .gatesynth.su2 import eps_op_matrix
    from .verify import strip_final_measurements
    act = sorted(set(pre.active_qubits()) | set(out.active_qubits()))
    note = f"discrete synthesis within eps_op {bound:.3g}"
    if len(act) > 10:
        ok, note = None, f"{note} by construction ({len(act)} qubits, not simulated)"
    else:
        pos = {p: i for i, p in enumerate(act)}
        wires = [pos.get(p, 0) for p in range(out.num_qubits)]
        try:
            ua, ma = strip_final_measurements(pre.remap(wires, len(act)).replace(layout=None))
            ub, mb = strip_final_measurements(out.remap(wires, len(act)).replace(layout=None))
        except ValueError:
            ok, note = None, f"{note} by construction (not unitary: not simulated)"
        else:
            d = eps_op_matrix(ub.unitary(), ua.unitary()) if act else 0.0
            ok = ma == mb and d <= bound + 1e-9
            note = f"{note} (dense check: {d:.3g})"
    # the recorded bound is a sum of per-run eps_op measured on the real run matrices, so
    # where the dense check cannot run the exact check's verdict stands
    both = False if ok is False else exact.equivalent
    detail = "; ".join(x for x in (note, exact.detail) if x)
    return VerifyResult(both, f"{exact.method}+synthesis", exact.qubits, detail)
