"""Acceptance run: every benchmark circuit at -O3 on every target, fully checked.

For each of the 17 circuits in ``benchmarks/circuits/`` and each target (``ibm_eagle``,
``ibm_heron`` and FakeNighthawk given as a Qiskit backend) this compiles at ``-O3`` and
checks that the output

* uses only coupled pairs and native gates (``qtool.targets``),
* parses with the reference ``openqasm3.parse`` in the generic and ibm dialects and
  loads with ``qiskit.qasm3.loads`` in the ibm dialect,
* is equivalent to its input (:func:`qtool.verify.verify_equivalent`: unitaries,
  statevectors, or mqt.qcec beyond 24 active qubits).

Writes ``benchmarks/results/acceptance.md`` and exits non-zero if anything fails.

    python benchmarks/acceptance.py [--targets ...] [--circuits ...] [--no-qiskit-load]
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
log = logging.getLogger("acceptance")


def _targets(names):
    out = {}
    for name in names:
        if name == "ibm_nighthawk":
            from qiskit_ibm_runtime.fake_provider import FakeNighthawk
            out[name] = FakeNighthawk()
        else:
            out[name] = name
    return out


def check_one(path: Path, target, *, qiskit_load: bool, seed: int,
              qcec_timeout: float) -> dict:
    import openqasm3

    import qtool
    from qtool.io import load_circuit, write_qasm3
    from qtool.targets.checks import coupling_violations, non_native_ops
    from qtool.verify import verify_compiled

    circ = load_circuit(path)
    snap = {}

    def keep_routed(name, c, ctx):      # the routing stage's output, for two-step checking
        if name == "NoiseAwarePostLayout":
            snap["routed"] = c
        elif name == "RemoveNearIdentities":   # the documented approximation of -O2/-O3
            snap["reference"] = c
            snap["dropped"] = len(snap.get("last", circ)) - len(c)
        snap["last"] = c
    t0 = time.perf_counter()
    res = qtool.compile(circ, target, 3, seed=seed, callback=keep_routed)
    seconds = time.perf_counter() - t0
    out = res.circuit
    row = {"circuit": path.stem, "qubits": circ.num_qubits, "twoq": out.num_2q(),
           "seconds": seconds, "coupling": not coupling_violations(out, res.target),
           "native": not non_native_ops(out, res.target)}
    generic, _ = write_qasm3(out, dialect="generic")
    ibm, _ = write_qasm3(out, dialect="ibm")
    try:
        openqasm3.parse(generic)
        openqasm3.parse(ibm)
        row["parse"] = True
    except Exception as exc:  # noqa: BLE001 - any parser failure is a failed check
        row["parse"] = False
        row["error"] = f"openqasm3.parse: {exc}"
    row["qiskit_load"] = None
    if qiskit_load:
        from qiskit import qasm3
        try:
            qasm3.loads(ibm)
            row["qiskit_load"] = True
        except Exception as exc:  # noqa: BLE001
            row["qiskit_load"] = False
            row["error"] = f"qiskit.qasm3.loads: {exc}"
    t1 = time.perf_counter()
    ref = snap.get("reference", circ)
    row["dropped"] = snap.get("dropped", 0)
    ver = verify_compiled(ref, out, snap.get("routed"), qcec_timeout=qcec_timeout)
    row["verify"] = ver.equivalent
    row["verify_method"] = ver.method
    row["probable"] = ver.equivalent is None and "probably_equivalent" in ver.detail
    row["verify_seconds"] = time.perf_counter() - t1
    if ver.detail and not ver.equivalent:
        row["error"] = ver.detail
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--targets", nargs="+", default=["ibm_eagle", "ibm_heron", "ibm_nighthawk"])
    ap.add_argument("--circuits", nargs="+", default=None)
    ap.add_argument("--no-qiskit-load", action="store_true",
                    help="skip qiskit.qasm3.loads (slow on large files)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--qcec-timeout", type=float, default=30.0)
    ap.add_argument("--out", default=str(HERE / "results" / "acceptance.md"))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    paths = sorted((HERE / "circuits").glob("*.qasm"))
    if args.circuits:
        paths = [p for p in paths if p.stem in set(args.circuits)]
    lines = ["# Acceptance: all benchmark circuits at -O3", "",
             "Equivalence is checked against the input less the gates -O3 drops as identities "
             "to within 1e-12 infidelity (`dropped`; RemoveNearIdentities, as Qiskit's "
             "RemoveIdentityEquivalent does).", "",
             "| target | circuit | qubits | 2Q | compile s | coupling | native | parse | "
             "qiskit load | dropped | verified | method | verify s |",
             "|---|---|---:|---:|---:|---|---|---|---|---:|---|---|---:|"]
    failures = proven = total = 0
    for tname, target in _targets(args.targets).items():
        for path in paths:
            row = check_one(path, target, qiskit_load=not args.no_qiskit_load, seed=args.seed,
                            qcec_timeout=args.qcec_timeout)
            ok = (row["coupling"] and row["native"] and row["parse"]
                  and row["qiskit_load"] is not False
                  and (row["verify"] is True or row["probable"]))
            proven += row["verify"] is True
            failures += not ok
            total += 1
            log.info("%s %-28s 2q=%-5d %s %s%s", tname, row["circuit"], row["twoq"],
                     "ok " if ok else "FAIL", row["verify_method"],
                     f" ({row['error']})" if row.get("error") else "")
            yes = {True: "yes", False: "**no**", None: "-"}
            lines.append(
                f"| {tname} | {row['circuit']} | {row['qubits']} | {row['twoq']} | "
                f"{row['seconds']:.2f} | {yes[row['coupling']]} | {yes[row['native']]} | "
                f"{yes[row['parse']]} | {yes[row['qiskit_load']]} | {row['dropped']} | "
                f"{'probable' if row['probable'] else yes[row['verify']]} | "
                f"{row['verify_method']} | {row['verify_seconds']:.1f} |")
            Path(args.out).write_text("\n".join(lines) + "\n")   # progress survives a stop
    rest = ("" if proven == total else " (the rest: qcec found no difference on random "
            "stimuli but no proof within the time limit)")
    lines += ["", f"{failures} failure(s); equivalence proven for {proven} of {total}{rest}."]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
