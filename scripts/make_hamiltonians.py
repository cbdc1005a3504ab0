"""Regenerate the built-in molecular Hamiltonians ``qtool/qas/data/*.json``.

Needs the chemistry tools (``pip install pyscf openfermion``); qtool itself only reads the
JSON files.  Usage:

    python scripts/make_hamiltonians.py            # rewrite every file
    python scripts/make_hamiltonians.py --check    # rebuild in memory, compare with the files
    python scripts/make_hamiltonians.py --only h2-4 lih-6

Recipe (shared by every system): STO-3G, RHF (pyscf), molecular orbitals with a fixed sign
convention (largest AO coefficient positive, so coefficients do not flip from run to run),
frozen core folded into the constant, spin orbitals in OpenFermion order (qubit ``2i`` is
the alpha and ``2i + 1`` the beta spin orbital of active orbital ``i``), then a qubit
mapping.  The identity coefficient holds nuclear repulsion + frozen-core energy.  Each
file's ``reference_energy`` is the exact lowest eigenvalue of that qubit Hamiltonian; the
script checks that it equals pyscf's CASCI (= active-space FCI) energy to 1e-8 and, for the
Jordan-Wigner files, that the lowest eigenvalue over the whole Fock space lies in the
neutral molecule's particle-number sector (it does for all of them, so no sector restriction
is needed and ``PauliSum.ground_energy()`` reproduces the stored number).

Systems (exact E0 in Ha; every target in the task table is reproduced to < 2e-8):

* ``h2-4`` / ``h2-4-0.70``: H2 at 0.7414 / 0.70 A, JW on 4 spin orbitals, 15 terms,
  -1.137270175 / -1.136189454.
* ``h2-2``: the same H2 (0.7414 A) with OpenFermion's ``symmetry_conserving_bravyi_kitaev``
  (2 electrons): 2 qubits, 5 terms (4 + identity), -1.137270175.
* ``h2-3``: JW H2 (0.7414 A) with one Z2 symmetry tapered off: the alpha-spin parity
  ``Z0 Z2`` (one alpha electron, eigenvalue -1) is used to remove qubit 2 with
  ``openfermion.taper_off_qubits``: 3 qubits, 9 terms, -1.137270175.  (Dropping the
  total-parity qubit of the parity mapping instead gives 10 terms.)
* ``lih-6`` / ``lih-6-3.4`` / ``lih-6-1.546``: LiH with Li at the origin and H on the z
  axis, MO 0 (Li 1s) frozen, active MOs [1, 2, 5] (the degenerate pi pair 3, 4 is
  dropped), 2 active electrons, JW: 6 qubits, 118 terms; -7.844879093 (2.2 A),
  -7.789088898 (3.4 A), -7.881459723 (1.546 A).
* ``lih-4`` / ``lih-4-3.4``: the same active space with symmetry-conserving Bravyi-Kitaev
  (parity mapping with two-qubit reduction): 4 qubits, 100 terms, same energies.
* ``h2o-8``: H2O, 4 active electrons in 4 active orbitals (MOs 0-2 frozen, active MOs
  3-6, i.e. the HOMO, the next-lower occupied orbital and both virtuals), JW: 8 qubits,
  193 terms, E0 = -73.294106747 (target -73.29410676, off by 1.05e-8).  The target is only
  reproduced when the task's coordinates H(-0.021, -0.002, 0), O(0.835, 0.452, 0),
  H(1.477, -0.273, 0) are read in **Bohr** (the default unit of PennyLane's
  ``qchem.Molecule``, where the number evidently comes from), i.e. a strongly compressed
  water molecule (RHF -73.29148).  Read in Angstrom (RHF -74.96453), no choice of 4 active
  orbitals and particle number gives the target (closest: -73.2896, 4.5e-3 off), although
  several give 193 terms.  The "energy shift stored as 0" of the source means the identity
  term already carries nuclear repulsion and core energy -- it is *not* dropped here
  either.  The JSON records the geometry in both units.

Deterministic output: terms sorted by label, coefficients in ``repr`` precision; the same
pyscf/openfermion/numpy stack rewrites byte-identical files (the script pins BLAS and
OpenMP to one thread: threaded reductions jitter the last bits).  ``--check`` compares labels
exactly and numbers to 1e-9, ignoring the recorded package versions, so it also passes on
other BLAS builds.  Runs in a few seconds (H2O is the slowest).
"""
from __future__ import annotations

import os

# Single-threaded BLAS / OpenMP before numpy and pyscf load: threaded reductions change the
# last bits of the integrals from run to run, and the files should be byte-stable.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qtool.qas.hamiltonian import DATA_DIR, PauliSum  # noqa: E402

BOHR_IN_ANGSTROM = 0.52917721092     # the value pyscf uses to convert Bohr input
CHECK_TOL = 1e-9                     # --check: coefficient / energy agreement
TARGET_TOL = 1e-6                    # agreement with the task's table
CASCI_TOL = 1e-8                     # qubit ground energy vs pyscf CASCI

H2 = "H2"
LIH = "LiH"
H2O = "H2O"
H2O_ATOMS = (("H", -0.021, -0.002, 0.0), ("O", 0.835, 0.452, 0.0), ("H", 1.477, -0.273, 0.0))


@dataclass(frozen=True)
class System:
    """One shipped Hamiltonian: geometry, active space, mapping and the expected results."""

    name: str
    molecule: str
    atoms: tuple[tuple[str, float, float, float], ...]
    unit: str                   # "angstrom" or "bohr": how pyscf reads ``atoms``
    frozen: tuple[int, ...]     # doubly occupied MOs folded into the constant
    active: tuple[int, ...]     # active MOs (spatial)
    mapping: str                # "jw", "scbk" or "jw-taper"
    target_energy: float
    target_terms: int


def _diatomic(a: str, b: str, d: float) -> tuple[tuple[str, float, float, float], ...]:
    """Atom ``a`` at the origin and ``b`` at distance ``d`` on the z axis."""
    return ((a, 0.0, 0.0, 0.0), (b, 0.0, 0.0, d))


LIH_ACTIVE = dict(frozen=(0,), active=(1, 2, 5))
SYSTEMS = (
    System("h2-2", H2, _diatomic("H", "H", 0.7414), "angstrom", (), (0, 1), "scbk",
           -1.13727017, 5),
    System("h2-3", H2, _diatomic("H", "H", 0.7414), "angstrom", (), (0, 1), "jw-taper",
           -1.13727017, 9),
    System("h2-4", H2, _diatomic("H", "H", 0.7414), "angstrom", (), (0, 1), "jw",
           -1.13727017, 15),
    System("h2-4-0.70", H2, _diatomic("H", "H", 0.70), "angstrom", (), (0, 1), "jw",
           -1.13618946, 15),
    System("lih-4", LIH, _diatomic("Li", "H", 2.2), "angstrom", **LIH_ACTIVE, mapping="scbk",
           target_energy=-7.84487909, target_terms=100),
    System("lih-4-3.4", LIH, _diatomic("Li", "H", 3.4), "angstrom", **LIH_ACTIVE,
           mapping="scbk", target_energy=-7.78908890, target_terms=100),
    System("lih-6", LIH, _diatomic("Li", "H", 2.2), "angstrom", **LIH_ACTIVE, mapping="jw",
           target_energy=-7.84487909, target_terms=118),
    System("lih-6-3.4", LIH, _diatomic("Li", "H", 3.4), "angstrom", **LIH_ACTIVE,
           mapping="jw", target_energy=-7.78908890, target_terms=118),
    System("lih-6-1.546", LIH, _diatomic("Li", "H", 1.546), "angstrom", **LIH_ACTIVE,
           mapping="jw", target_energy=-7.88146, target_terms=118),
    System("h2o-8", H2O, H2O_ATOMS, "bohr", (0, 1, 2), (3, 4, 5, 6), "jw",
           -73.29410676, 193),
)

MAPPING_NAMES = {
    "jw": "Jordan-Wigner",
    "scbk": "symmetry-conserving Bravyi-Kitaev (parity mapping with two-qubit reduction; "
            "openfermion.symmetry_conserving_bravyi_kitaev)",
    "jw-taper": "Jordan-Wigner, then qubit 2 tapered off with the alpha-spin parity "
                "Z0 Z2 = -1 (openfermion.taper_off_qubits)",
}


# --------------------------------------------------------------------------- chemistry


def run_scf(system: System):
    """Molecule and converged RHF (pyscf), with sign-fixed MO coefficients."""
    from pyscf import gto, scf

    atom = [(sym, (x, y, z)) for sym, x, y, z in system.atoms]
    mol = gto.M(atom=atom, basis="sto-3g", unit=system.unit, charge=0, spin=0, verbose=0)
    mf = scf.RHF(mol)
    mf.conv_tol = 1e-12
    mf.kernel()
    if not mf.converged:
        raise RuntimeError(f"{system.name}: RHF did not converge")
    mf.mo_coeff = fix_mo_signs(mf.mo_coeff)
    return mol, mf


def fix_mo_signs(coeff: np.ndarray) -> np.ndarray:
    """Flip each MO so that its largest-magnitude AO coefficient is positive.

    An eigensolver may return any sign; fixing one makes the Pauli coefficients (whose
    signs depend on the orbitals' phases) reproducible.
    """
    coeff = np.array(coeff)
    rounded = np.round(np.abs(coeff), 8)           # ties: the first AO wins
    pivots = np.argmax(rounded, axis=0)
    signs = np.sign(coeff[pivots, np.arange(coeff.shape[1])])
    return coeff * np.where(signs == 0, 1.0, signs)


def active_space_operator(system: System, mol, mf):
    """The active-space electronic Hamiltonian as an OpenFermion InteractionOperator."""
    import openfermion as of
    from openfermion.chem.molecular_data import spinorb_from_spatial
    from pyscf import ao2mo

    coeff = mf.mo_coeff
    one = coeff.T @ mf.get_hcore() @ coeff
    eri = ao2mo.restore(1, ao2mo.kernel(mol, coeff), coeff.shape[1])
    two = np.asarray(eri.transpose(0, 2, 3, 1), order="C")   # OpenFermion's (ps|qr) order
    core, one, two = of.ops.representations.get_active_space_integrals(
        one, two, list(system.frozen), list(system.active))
    one_so, two_so = spinorb_from_spatial(one, two)
    return of.InteractionOperator(mol.energy_nuc() + core, one_so, 0.5 * two_so)


def active_electrons(system: System, mol) -> int:
    """Electrons left in the active space once the frozen orbitals are filled."""
    return mol.nelectron - 2 * len(system.frozen)


def map_to_qubits(system: System, operator, n_electrons: int):
    """The qubit operator of ``system.mapping``."""
    import openfermion as of

    n_so = 2 * len(system.active)
    if system.mapping == "jw":
        return of.jordan_wigner(operator), n_so
    if system.mapping == "scbk":
        fermion = of.get_fermion_operator(operator)
        return of.symmetry_conserving_bravyi_kitaev(fermion, n_so, n_electrons), n_so - 2
    if system.mapping == "jw-taper":
        n_alpha = n_electrons // 2
        stabilizer = of.QubitOperator("Z0 Z2", (-1.0) ** n_alpha)
        tapered = of.taper_off_qubits(of.jordan_wigner(operator), stabilizer,
                                      manual_input=True, fixed_positions=[2])
        return tapered, n_so - 1
    raise ValueError(f"unknown mapping {system.mapping!r}")


def to_pauli_sum(qubit_operator, num_qubits: int) -> tuple[list[str], list[float]]:
    """OpenFermion QubitOperator -> our labels (character q = qubit q) and coefficients."""
    labels, coeffs = [], []
    for term, coeff in qubit_operator.terms.items():
        if abs(coeff.imag) > 1e-12:
            raise ValueError(f"non-real coefficient {coeff} on {term}")
        chars = ["I"] * num_qubits
        for q, p in term:
            chars[q] = p
        labels.append("".join(chars))
        coeffs.append(float(np.real(coeff)))
    return labels, coeffs


def casci_energy(system: System, mf, n_electrons: int) -> float:
    """pyscf CASCI energy of the same active space: the independent check of E0."""
    from pyscf import mcscf

    mc = mcscf.CASCI(mf, len(system.active), n_electrons)
    mc.verbose = 0
    mo = mc.sort_mo([i + 1 for i in system.active], mo_coeff=mf.mo_coeff)
    return float(mc.kernel(mo)[0])


def sector_ground_energy(ham: PauliSum, n_electrons: int) -> float:
    """Lowest eigenvalue among JW basis states holding ``n_electrons`` (popcount)."""
    mat = ham.to_matrix(sparse=True).real
    idx = np.flatnonzero(np.bitwise_count(np.arange(1 << ham.num_qubits)) == n_electrons)
    sub = mat[idx][:, idx].toarray()
    return float(np.linalg.eigvalsh(sub)[0])


# --------------------------------------------------------------------------- assembly


def build(system: System) -> PauliSum:
    """Run the recipe for ``system`` and return the checked, annotated PauliSum."""
    mol, mf = run_scf(system)
    n_el = active_electrons(system, mol)
    qubit_op, n = map_to_qubits(system, active_space_operator(system, mol, mf), n_el)
    qubit_op.compress(1e-12)
    labels, coeffs = to_pauli_sum(qubit_op, n)
    ham = PauliSum(labels, coeffs, name=system.name).simplify(tol=1e-12).sorted()
    energy = ham.ground_energy()
    casci = casci_energy(system, mf, n_el)
    _verify(system, ham, energy, casci, n_el)
    ham.reference_energy = energy
    ham.reference = _reference_text(system, n, n_el)
    ham.metadata = _metadata(system, mol, mf, n_el, casci)
    return ham


def _verify(system: System, ham: PauliSum, energy: float, casci: float, n_el: int) -> None:
    """Fail loudly when the Hamiltonian misses the task's numbers or the CASCI check."""
    problems = []
    if len(ham) != system.target_terms:
        problems.append(f"{len(ham)} terms, expected {system.target_terms}")
    if abs(energy - system.target_energy) > TARGET_TOL:
        problems.append(f"E0 {energy!r}, expected {system.target_energy}")
    if abs(energy - casci) > CASCI_TOL:
        problems.append(f"E0 {energy!r} differs from CASCI {casci!r}")
    if system.mapping == "jw" and abs(sector_ground_energy(ham, n_el) - energy) > CASCI_TOL:
        problems.append("the global ground state is outside the N = "
                        f"{n_el} sector")
    if problems:
        raise RuntimeError(f"{system.name}: " + "; ".join(problems))


def _reference_text(system: System, n: int, n_el: int) -> str:
    """What ``reference_energy`` is, in words."""
    where = ("lowest eigenvalue over the whole Fock space, which lies in the "
             f"N = {n_el} sector" if system.mapping == "jw"
             else f"the mapping keeps only the N = {n_el} sector")
    return (f"exact ground energy of this {n}-qubit active-space qubit Hamiltonian "
            f"(= CASCI / active-space FCI, STO-3G RHF orbitals; {where})")


def _geometry(system: System) -> list[list]:
    """Atoms as ``[symbol, x, y, z]`` in Angstrom."""
    scale = BOHR_IN_ANGSTROM if system.unit == "bohr" else 1.0
    return [[s, round(x * scale, 10), round(y * scale, 10), round(z * scale, 10)]
            for s, x, y, z in system.atoms]


def _metadata(system: System, mol, mf, n_el: int, casci: float) -> dict:
    """Provenance recorded in the JSON file."""
    import openfermion
    import pyscf

    meta = {"molecule": system.molecule, "geometry_angstrom": _geometry(system)}
    if system.unit == "bohr":
        meta["geometry_bohr"] = [list(a) for a in system.atoms]
        meta["geometry_note"] = (
            "the task's coordinates, read in Bohr (PennyLane's default unit): only this "
            "reading reproduces the target energy -73.29410676")
    meta.update({
        "basis": "sto-3g", "charge": 0, "multiplicity": 1, "method": "RHF",
        "hf_energy": float(mf.e_tot), "casci_energy": casci,
        "nuclear_repulsion": float(mol.energy_nuc()),
        "frozen_orbitals": list(system.frozen), "active_orbitals": list(system.active),
        "active_electrons": n_el, "num_spin_orbitals": 2 * len(system.active),
        "mapping": MAPPING_NAMES[system.mapping],
        "spin_orbital_order": "qubit 2i = alpha, 2i+1 = beta of active orbital i "
                              "(before any reduction)",
        "mo_sign_convention": "largest-magnitude AO coefficient positive",
        "generator": "scripts/make_hamiltonians.py",
        "pyscf_version": pyscf.__version__, "openfermion_version": openfermion.__version__,
    })
    return meta


# --------------------------------------------------------------------------- files


VERSION_KEYS = ("pyscf_version", "openfermion_version")


def compare(new: PauliSum, old: PauliSum) -> list[str]:
    """Differences beyond :data:`CHECK_TOL` (package versions ignored)."""
    out = []
    if new.labels != old.labels:
        out.append(f"term labels differ ({len(new)} vs {len(old)} terms)")
    elif np.max(np.abs(new.coeffs - old.coeffs)) > CHECK_TOL:
        out.append(f"coefficients differ by {np.max(np.abs(new.coeffs - old.coeffs)):.2e}")
    if old.reference_energy is None or abs(new.reference_energy - old.reference_energy) \
            > CHECK_TOL:
        out.append(f"reference_energy {old.reference_energy} -> {new.reference_energy}")
    if new.reference != old.reference:
        out.append("reference text differs")
    a = {k: v for k, v in new.metadata.items() if k not in VERSION_KEYS}
    b = {k: v for k, v in old.metadata.items() if k not in VERSION_KEYS}
    for key in sorted(set(a) | set(b)):
        if not _close(a.get(key), b.get(key)):
            out.append(f"metadata {key!r} differs")
    return out


def _close(a, b) -> bool:
    """Equality with a tolerance on floats (nested lists and dicts included)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and abs(a - b) <= CHECK_TOL
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def check(ham: PauliSum, path: Path) -> bool:
    """Compare a rebuilt Hamiltonian with the committed file; print the verdict."""
    if not path.is_file():
        print(f"{ham.name}: MISSING {path}")
        return False
    text = path.read_text()
    problems = compare(ham, PauliSum.from_json(text, file=str(path)))
    same = "byte-identical" if text == ham.to_json() else "equal within 1e-9"
    print(f"{ham.name}: " + ("; ".join(problems) if problems else f"ok ({same})"))
    return not problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare with the committed files")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="just these systems")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    args = parser.parse_args(argv)
    systems = [s for s in SYSTEMS if not args.only or s.name in args.only]
    unknown = set(args.only or ()) - {s.name for s in SYSTEMS}
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    ok = True
    for system in systems:
        start = time.perf_counter()
        ham = build(system)
        path = args.out / f"{system.name}.json"
        if args.check:
            ok &= check(ham, path)
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            ham.save(path)
            print(f"{system.name}: {ham.num_qubits} qubits, {len(ham)} terms, "
                  f"E0 = {ham.reference_energy!r} ({time.perf_counter() - start:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
