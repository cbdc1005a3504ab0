import json
from dataclasses import dataclass

import pytest

from qtool import Circuit
from qtool.passmanager import (BestOf, Context, Pass, Pipeline, PipelineError, Repeat,
                               function_pass, pass_from_dict)


@dataclass(frozen=True)
class _AddH(Pass):
    """Test pass: appends an h on a qubit (establishes a made-up property)."""
    qubit: int = 0
    establishes = frozenset({"decomposed"})
    invalidates = frozenset()

    def run(self, circ, ctx):
        b = circ.derive()
        b.extend(circ)
        b.h(self.qubit)
        return b.build()


@dataclass(frozen=True)
class _NeedsRouted(Pass):
    requires = frozenset({"routed"})

    def run(self, circ, ctx):
        return circ


@dataclass(frozen=True)
class _DropLast(Pass):
    def run(self, circ, ctx):
        import numpy as np
        keep = np.ones(len(circ), bool)
        if len(circ):
            keep[-1] = False
        return circ.select(keep)


@dataclass(frozen=True)
class _Boom(Pass):
    def run(self, circ, ctx):
        raise ValueError("boom")


def empty(n=2):
    return Circuit.builder(n).build()


def test_pipeline_runs_in_order_and_records_timings():
    ctx = Context(seed=1)
    out = Pipeline([_AddH(0), _AddH(1)]).run(empty(), ctx)
    assert [out.qubits_of(i) for i in range(len(out))] == [(0,), (1,)]
    assert [t.name for t in ctx.timings] == ["_AddH", "_AddH"]


def test_pipeline_checks_requirements_when_built():
    with pytest.raises(PipelineError, match="requires 'routed'.*SabreRouting"):
        Pipeline([_AddH(), _NeedsRouted()])
    Pipeline([_AddH(), _NeedsRouted()], strict=False)  # the override


def test_pass_does_not_mutate_input():
    c = empty()
    _AddH()(c)
    assert len(c) == 0


def test_repeat_is_bounded_and_keeps_best():
    b = Circuit.builder(1)
    for _ in range(5):
        b.x(0)
    ctx = Context()
    out = Repeat(_DropLast(), metric="size", max_iter=3).run(b.build(), ctx)
    assert len(out) == 2
    with pytest.raises(PipelineError):
        Repeat(_DropLast(), max_iter=0)


def test_bestof_reports_failures_and_picks_best():
    b = Circuit.builder(1)
    b.x(0)
    out = BestOf([_Boom(), _DropLast(), _AddH()], metric="size").run(b.build(), Context())
    assert len(out) == 0
    with pytest.raises(RuntimeError, match="boom"):
        BestOf([_Boom()]).run(b.build(), Context())


def test_json_round_trip():
    p = Pipeline([_AddH(1), Repeat(Pipeline([_DropLast()]), metric="size", max_iter=4)],
                 name="x")
    d = json.loads(json.dumps(p.to_dict()))
    assert pass_from_dict(d) == p


def test_bad_json_pipelines():
    with pytest.raises(PipelineError, match="unknown pass"):
        pass_from_dict({"pass": "NoSuchPass"})
    with pytest.raises(PipelineError, match="unknown option"):
        pass_from_dict({"pass": "_AddH", "bogus": 1})
    with pytest.raises(PipelineError):
        pass_from_dict([1, 2])


def test_function_pass():
    @function_pass(name="_Reverse", establishes=["decomposed"])
    def reverse(circ, *, ctx):
        b = circ.derive()
        b.extend(circ, range(len(circ) - 1, -1, -1))
        return b.build()
    b = Circuit.builder(2)
    b.h(0)
    b.x(1)
    out = reverse()(b.build())
    assert out.name_of(0) == "x" and "decomposed" in reverse.establishes


def test_rng_depends_on_seed_and_position():
    ctx = Context(seed=5)
    a = ctx.for_pass(0).rng.integers(1 << 30)
    assert a == Context(seed=5).for_pass(0).rng.integers(1 << 30)
    assert a != ctx.for_pass(1).rng.integers(1 << 30)


def test_trace_records_every_leaf_pass_that_changed_the_circuit():
    from qtool.passes import CancelInverses, MergeOneQubitRuns
    from qtool.targets import get_target
    b = Circuit.builder(2)
    b.h(0)
    b.h(0)
    b.cx(0, 1)
    circ = b.build()
    trace = []
    ctx = Context(target=get_target("line:2"), trace=trace)
    out = Pipeline([CancelInverses(), MergeOneQubitRuns()], strict=False).run(
        circ, ctx.for_pass(0))
    assert [name for name, _, _ in trace] == ["CancelInverses"]   # the merge changed nothing
    name, before, after = trace[0]
    assert before is circ and after is out and len(after) == 1
