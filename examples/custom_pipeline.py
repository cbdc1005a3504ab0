"""Build a compilation pipeline from individual passes, save it as JSON and run it.

A :class:`~qtool.passmanager.Pipeline` checks at construction that every pass's
requirements are met by an earlier pass (try removing ``SabreLayout``), serialises to JSON
(the same file ``qtool compile --pipeline pipeline.json`` reads) and is itself a pass::

    python examples/custom_pipeline.py                     # examples/adder_4.qasm
    python examples/custom_pipeline.py examples/qft_8.qasm --target ibm_eagle
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from qtool.io import load_circuit
from qtool.passes import (CancelInverses, CommutativeCancellation, ConsolidateTwoQubitBlocks,
                          DecomposeMultiQubit, MergeOneQubitRuns, SabreLayout, SabreRouting,
                          TranslateToBasis)
from qtool.passmanager import Context, Pipeline, Repeat, pass_from_dict
from qtool.targets import get_target

HERE = Path(__file__).resolve().parent


def build_pipeline() -> Pipeline:
    """Decompose, place, route, translate, then optimise until the 2Q count stops falling."""
    optimise = Pipeline([
        CancelInverses(),
        CommutativeCancellation(),
        ConsolidateTwoQubitBlocks(),
        MergeOneQubitRuns(),
    ], name="optimise")
    return Pipeline([
        DecomposeMultiQubit(),
        SabreLayout(),
        SabreRouting(),
        TranslateToBasis(),
        Repeat(optimise, metric="2q", max_iter=5),
    ], name="custom")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("qasm", nargs="?", type=Path, default=HERE / "adder_4.qasm")
    ap.add_argument("--target", default="ibm_heron")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, default=Path("pipeline.json"),
                    help="where to save the pipeline")
    args = ap.parse_args(argv)

    pipeline = build_pipeline()
    args.json.write_text(pipeline.to_json())
    print(f"saved {args.json} ({len(pipeline.passes)} top-level passes)")

    # what was saved is all that is needed to run it again
    reloaded = pass_from_dict(json.loads(args.json.read_text()))
    assert reloaded == pipeline, "a pipeline must survive a JSON round trip"

    circ = load_circuit(args.qasm)
    ctx = Context(target=get_target(args.target), seed=args.seed)
    out = reloaded.run(circ, ctx)

    print(f"{args.qasm.name}: {len(circ)} ops, {circ.num_2q()} 2q -> {len(out)} ops, "
          f"{out.num_2q()} 2q on {args.target}")
    print(f"{'pass':28s} {'stage':13s} {'ms':>8s} {'2q before':>10s} {'2q after':>9s}")
    for t in ctx.timings:
        print(f"{t.name:28s} {t.stage:13s} {t.seconds * 1e3:8.2f} {t.twoq_before:10d} "
              f"{t.twoq_after:9d}")


if __name__ == "__main__":
    main()
