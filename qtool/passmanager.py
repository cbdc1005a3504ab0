"""Passes, pipelines and the context they run in.

A pass is a frozen dataclass subclassing :class:`Pass`.  Its configuration is its fields
(checked in ``__post_init__``), it keeps no run state, and ``run(circ, ctx)`` returns a new
:class:`~qtool.Circuit` without touching its input.  Class attributes declare

* ``requires`` -- properties that must hold on the input,
* ``establishes`` -- properties that hold on the output,
* ``invalidates`` -- properties the pass may break (``ALL``, the default, is every property
  not in ``establishes``; like tket's ``Guarantee::Clear``),
* ``stage`` -- the stage the pass belongs to.

Properties are plain names with a checker each (:data:`PROPERTIES`), e.g. ``"in_basis"``
(every gate is native to the target) or ``"routed"`` (every 2Q gate is on a coupling edge).

A :class:`Pipeline` is itself a pass; it checks at construction that every pass's
``requires`` are established by an earlier pass and names the missing property and a pass
that would establish it.  :class:`Repeat` (bounded fixed point) and :class:`BestOf` are the
combinators.  Every pass serialises with :meth:`Pass.to_dict` / :func:`pass_from_dict`, so
pipelines are data (``qtool compile --pipeline p.json``).

Examples
--------
>>> from qtool.passmanager import Pipeline, function_pass
>>> @function_pass(name="Identity")
... def identity(circ, *, ctx):
...     return circ
>>> Pipeline([identity()]).to_dict()
{'pass': 'Pipeline', 'passes': [{'pass': 'Identity'}], 'name': '', 'strict': True}
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Mapping

import numpy as np

from .circuit import Circuit

__all__ = ["Pass", "Pipeline", "Repeat", "BestOf", "Context", "PassTiming", "ALL", "STAGES",
           "PROPERTIES", "METRICS", "PipelineError", "pass_from_dict", "function_pass",
           "registered_passes", "check_property"]

log = logging.getLogger("qtool.passes")

ALL = None
STAGES = ("init", "layout", "routing", "translation", "optimization", "finalize")


class PipelineError(ValueError):
    """A pipeline that cannot run: a missing property, bad JSON, an unknown pass."""


# --------------------------------------------------------------------------- properties
def _decomposed(circ: Circuit, ctx: "Context") -> bool:
    return bool((circ.arity()[circ.op != 0] <= 2).all())


def _laid_out(circ: Circuit, ctx: "Context") -> bool:
    return circ.layout is not None and (ctx.target is None
                                        or circ.num_qubits == ctx.target.num_qubits)


def _routed(circ: Circuit, ctx: "Context") -> bool:
    if ctx.target is None:
        return True
    from .targets import respects_coupling
    return respects_coupling(circ, ctx.target)


def _in_basis(circ: Circuit, ctx: "Context") -> bool:
    if ctx.target is None:
        return True
    from .targets import in_basis
    return in_basis(circ, ctx.target)


#: property name -> checker ``f(circ, ctx) -> bool``
PROPERTIES: dict[str, Callable[[Circuit, "Context"], bool]] = {
    "decomposed": _decomposed,   # no unitary on more than two qubits
    "laid_out": _laid_out,       # circuit is on the target's physical qubits, layout recorded
    "routed": _routed,           # every 2Q gate acts on a coupling edge
    "in_basis": _in_basis,       # every gate is native to the target
}


def check_property(name: str, circ: Circuit, ctx: "Context") -> bool:
    return PROPERTIES[name](circ, ctx)


# --------------------------------------------------------------------------- metrics
def _metric_2q(c: Circuit) -> tuple:
    return (c.num_2q(), c.depth(two_qubit_only=True), len(c))


def _metric_depth(c: Circuit) -> tuple:
    return (c.depth(), c.num_2q(), len(c))


def _metric_size(c: Circuit) -> tuple:
    return (len(c), c.num_2q())


#: metric name -> key function (smaller is better); used by Repeat and BestOf
METRICS: dict[str, Callable[[Circuit], tuple]] = {
    "2q": _metric_2q, "depth": _metric_depth, "size": _metric_size,
}


# --------------------------------------------------------------------------- context
@dataclass(frozen=True)
class PassTiming:
    name: str
    stage: str
    seconds: float
    ops_before: int
    ops_after: int
    twoq_before: int
    twoq_after: int


@dataclass(frozen=True)
class Context:
    """What a pass may know besides its input circuit.

    ``rng`` is per pass: :meth:`for_pass` derives it from ``(seed, pass index)`` so that a
    pass's randomness does not depend on what earlier passes consumed.  ``timings`` and
    ``analyses`` are shared, append-only records of one run.
    """

    target: Any = None
    seed: int = 0
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    deadline: float = math.inf
    log: logging.Logger = log
    callback: Callable[[str, Circuit, "Context"], None] | None = None
    timings: list = field(default_factory=list)
    analyses: dict = field(default_factory=dict)
    path: tuple = ()
    check: bool = False   # verify declared properties after each pass (tests, debugging)
    trace: list | None = None   # when a list: (pass name, input, output) of every leaf pass

    def for_pass(self, index: int) -> "Context":
        path = self.path + (index,)
        rng = np.random.default_rng([self.seed & 0xFFFFFFFF, *path])
        return dataclasses.replace(self, rng=rng, path=path)

    def time_left(self) -> float:
        return self.deadline - time.monotonic()


# --------------------------------------------------------------------------- passes
_REGISTRY: dict[str, type] = {}


def registered_passes() -> dict[str, type]:
    """Name -> pass class, for every pass class defined so far."""
    import qtool.passes  # noqa: F401  (registers the built-in passes)
    return dict(_REGISTRY)


@dataclass(frozen=True)
class Pass:
    """Base class of every pass (see the module docstring)."""

    requires: ClassVar[frozenset] = frozenset()
    establishes: ClassVar[frozenset] = frozenset()
    invalidates: ClassVar[frozenset | None] = ALL
    stage: ClassVar[str] = "optimization"

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _REGISTRY[cls.__name__] = cls

    @property
    def pass_name(self) -> str:
        return type(self).__name__

    def run(self, circ: Circuit, ctx: Context) -> Circuit:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, circ: Circuit, ctx: Context | None = None, *, target=None,
                 seed: int = 0) -> Circuit:
        """Run the pass as a function (a fresh context is made if none is given)."""
        if ctx is None:
            ctx = Context(target=target, seed=seed).for_pass(0)
        return self.run(circ, ctx)

    def properties_after(self, props: frozenset) -> frozenset:
        """Properties holding after this pass, given those holding before."""
        kept = frozenset() if self.invalidates is ALL else props - self.invalidates
        return kept | self.establishes

    # serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict:
        out: dict[str, Any] = {"pass": self.pass_name}
        for f in dataclasses.fields(self):
            out[f.name] = _to_json(getattr(self, f.name))
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _to_json(v):
    if isinstance(v, Pass):
        return v.to_dict()
    if isinstance(v, (list, tuple)):
        return [_to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: _to_json(x) for k, x in v.items()}
    return v


def _from_json(v):
    if isinstance(v, dict) and "pass" in v:
        return pass_from_dict(v)
    if isinstance(v, list):
        return tuple(_from_json(x) for x in v)
    return v


def pass_from_dict(d: Mapping) -> Pass:
    """Rebuild a pass (or a whole pipeline) from :meth:`Pass.to_dict` output."""
    if not isinstance(d, Mapping) or "pass" not in d:
        raise PipelineError(f"a pass must be an object with a 'pass' key, got {d!r}")
    reg = registered_passes()
    name = d["pass"]
    cls = reg.get(name)
    if cls is None:
        raise PipelineError(f"unknown pass {name!r} (known: {', '.join(sorted(reg))})")
    kwargs = {k: _from_json(v) for k, v in d.items() if k != "pass"}
    names = {f.name for f in dataclasses.fields(cls)}
    bad = set(kwargs) - names
    if bad:
        raise PipelineError(f"pass {name}: unknown option(s) {', '.join(sorted(bad))}")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise PipelineError(f"pass {name}: {exc}") from None


def function_pass(*, name: str, requires: Iterable[str] = (), establishes: Iterable[str] = (),
                  invalidates: Iterable[str] | None = ALL, stage: str = "optimization"):
    """Turn ``def f(circ, *, ctx) -> Circuit`` into a registered pass class ``name``."""
    def wrap(fn):
        def run(self, circ, ctx):
            return fn(circ, ctx=ctx)
        cls = type(name, (Pass,), {
            "run": run, "__doc__": fn.__doc__, "__module__": fn.__module__,
            "requires": frozenset(requires), "establishes": frozenset(establishes),
            "invalidates": ALL if invalidates is ALL else frozenset(invalidates),
            "stage": stage,
        })
        return dataclass(frozen=True)(cls)
    return wrap


def _who_establishes(prop: str) -> str:
    for n, cls in sorted(registered_passes().items()):
        est = cls.__dict__.get("establishes", frozenset())
        req = cls.__dict__.get("requires", frozenset())
        # a pass that needs the property to keep it cannot be the one to add
        if isinstance(est, frozenset) and prop in est and not (
                isinstance(req, frozenset) and prop in req):
            return n
    return "?"


def _run_one(p: Pass, circ: Circuit, ctx: Context) -> Circuit:
    if time.monotonic() > ctx.deadline:
        raise TimeoutError(f"deadline passed before {p.pass_name}")
    t0 = time.perf_counter()
    out = p.run(circ, ctx)
    dt = time.perf_counter() - t0
    if not isinstance(out, Circuit):
        raise TypeError(f"pass {p.pass_name} returned {type(out).__name__}, not a Circuit")
    if not isinstance(p, (Pipeline, Repeat, BestOf)):
        ctx.timings.append(PassTiming(p.pass_name, p.stage, dt, len(circ), len(out),
                                      circ.num_2q(), out.num_2q()))
        ctx.log.debug("%-28s %8.2f ms  ops %d -> %d  2q %d -> %d", p.pass_name, dt * 1e3,
                      len(circ), len(out), circ.num_2q(), out.num_2q())
        if ctx.check:
            for prop in p.establishes:
                if not check_property(prop, out, ctx):
                    raise AssertionError(f"{p.pass_name} did not establish {prop!r}")
        if ctx.trace is not None and out is not circ:
            ctx.trace.append((p.pass_name, circ, out))
    if ctx.callback is not None:
        ctx.callback(p.pass_name, out, ctx)
    return out


@dataclass(frozen=True)
class Pipeline(Pass):
    """Passes run in order; a pipeline is itself a pass.

    ``strict`` pipelines check at construction that every pass's ``requires`` is
    established earlier in the pipeline (or given in ``assume``).
    """

    passes: tuple = ()
    name: str = ""
    strict: bool = True
    stage: ClassVar[str] = "pipeline"

    def __post_init__(self):
        object.__setattr__(self, "passes", tuple(self.passes))
        for p in self.passes:
            if not isinstance(p, Pass):
                raise PipelineError(f"pipeline item {p!r} is not a Pass")
        if self.strict:
            self.check(frozenset())

    def check(self, assume: frozenset) -> frozenset:
        """Walk the pipeline; raise :class:`PipelineError` on an unmet requirement."""
        props = frozenset(assume)
        for i, p in enumerate(self.passes):
            missing = p.requires - props
            if isinstance(p, Pipeline):
                props = p.check(props)
                continue
            if missing:
                m = sorted(missing)[0]
                raise PipelineError(
                    f"pass #{i} {p.pass_name} requires {m!r}, which no earlier pass establishes "
                    f"(add e.g. {_who_establishes(m)} before it)")
            props = p.properties_after(props)
        return props

    @property
    def requires(self):  # type: ignore[override]
        req, props = set(), frozenset()
        for p in self.passes:
            req |= set(p.requires - props)
            props = p.properties_after(props)
        return frozenset(req) if not self.strict else frozenset()

    @property
    def establishes(self):  # type: ignore[override]
        return self.check(frozenset()) if self.strict else frozenset()

    def properties_after(self, props):
        for p in self.passes:
            props = p.properties_after(props)
        return props

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        for i, p in enumerate(self.passes):
            circ = _run_one(p, circ, ctx.for_pass(i))
        return circ


@dataclass(frozen=True)
class Repeat(Pass):
    """Run ``body`` until ``metric`` stops improving, at most ``max_iter`` times.

    Keeps the best circuit seen, so a non-improving iteration is never returned.
    """

    body: Pass = None
    metric: str = "2q"
    max_iter: int = 10

    def __post_init__(self):
        if not isinstance(self.body, Pass):
            raise PipelineError("Repeat needs a pass as its body")
        if self.metric not in METRICS:
            raise PipelineError(f"unknown metric {self.metric!r} (known: {sorted(METRICS)})")
        if not 1 <= self.max_iter <= 1000:
            raise PipelineError("max_iter must be in 1..1000")

    @property
    def requires(self):  # type: ignore[override]
        return self.body.requires

    @property
    def establishes(self):  # type: ignore[override]
        return self.body.establishes

    @property
    def invalidates(self):  # type: ignore[override]
        return self.body.invalidates

    def properties_after(self, props):
        return self.body.properties_after(props)

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        key = METRICS[self.metric]
        best, best_key = circ, key(circ)
        for it in range(self.max_iter):
            circ = _run_one(self.body, circ, ctx.for_pass(it))
            k = key(circ)
            if k >= best_key:
                break
            best, best_key = circ, k
        return best


@dataclass(frozen=True)
class BestOf(Pass):
    """Run every candidate on the same input and keep the best output by ``metric``.

    A candidate that raises is logged with its exception type and skipped; if all fail the
    errors are reported together.
    """

    candidates: tuple = ()
    metric: str = "2q"

    def __post_init__(self):
        object.__setattr__(self, "candidates", tuple(self.candidates))
        if not self.candidates or not all(isinstance(p, Pass) for p in self.candidates):
            raise PipelineError("BestOf needs at least one candidate pass")
        if self.metric not in METRICS:
            raise PipelineError(f"unknown metric {self.metric!r}")

    @property
    def requires(self):  # type: ignore[override]
        return frozenset().union(*(p.requires for p in self.candidates))

    @property
    def establishes(self):  # type: ignore[override]
        return frozenset.intersection(*(frozenset(p.establishes) for p in self.candidates))

    def properties_after(self, props):
        return frozenset.intersection(*(p.properties_after(props) for p in self.candidates))

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        key = METRICS[self.metric]
        best, errors = None, []
        for i, p in enumerate(self.candidates):
            try:
                out = _run_one(p, circ, ctx.for_pass(i))
            except (ValueError, RuntimeError, TimeoutError, ArithmeticError) as exc:
                errors.append(f"{p.pass_name}: {type(exc).__name__}: {exc}")
                ctx.log.warning("BestOf candidate %s failed: %s", p.pass_name, exc)
                continue
            if best is None or key(out) < key(best):
                best = out
        if best is None:
            raise RuntimeError("every BestOf candidate failed: " + "; ".join(errors))
        return best
