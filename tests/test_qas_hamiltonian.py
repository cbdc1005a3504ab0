"""qtool.qas.hamiltonian: PauliSum algebra, matrices, file formats, built-ins, models, errors.

Fast and chemistry-free: the molecular files are checked against the task's table of
exact energies and term counts, not regenerated (that is ``make_hamiltonians.py --check``).
"""
from __future__ import annotations

import json
import stat

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp

from qtool.errors import QtoolError
from qtool.qas.hamiltonian import (
    FORMAT,
    HamiltonianError,
    PauliSum,
    builtin_names,
    load_hamiltonian,
    tfim_open_ground_energy,
)

# name: (qubits, terms including the identity, exact ground energy in Ha)
MOLECULES = {
    "h2-2": (2, 5, -1.13727017),
    "h2-3": (3, 9, -1.13727017),
    "h2-4": (4, 15, -1.13727017),
    "h2-4-0.70": (4, 15, -1.13618946),
    "lih-4": (4, 100, -7.84487909),
    "lih-4-3.4": (4, 100, -7.78908890),
    "lih-6": (6, 118, -7.84487909),
    "lih-6-3.4": (6, 118, -7.78908890),
    "lih-6-1.546": (6, 118, -7.88146),
    "h2o-8": (8, 193, -73.29410676),
}

OPENFERMION_TEXT = """\
-0.0988639693354583 [] +
(0.17119774903432966+0j) [Z0] +
0.04532220205287396 [X0 Y1 Y2 X3] +
(-0.04532220205287396+0j) [Y0 Y1 X2 X3] +
0.16862219158920944 [Z1] + 0.12054482205301797 [Z0
Z2]
"""


def random_sum(n: int, terms: int, seed: int) -> PauliSum:
    """Random labels (duplicates possible) with Gaussian coefficients."""
    return PauliSum.random(n, terms, np.random.default_rng(seed), name=f"random-{seed}")


def kron_matrix(ham: PauliSum) -> np.ndarray:
    """Reference matrix by Kronecker products (qubit 0 least significant)."""
    pauli = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]),
             "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1, -1])}
    out = 0
    for s, c in zip(ham.labels, ham.coeffs):
        term = np.ones((1, 1))
        for ch in s:                   # later qubits go to the left (more significant)
            term = np.kron(pauli[ch], term)
        out = out + c * term
    return out


def write(tmp_path, name: str, text: str) -> str:
    """Write ``text`` to ``tmp_path/name``; return the path as a string."""
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def one_line_error(excinfo, path: str | None, line: int | None) -> str:
    """Assert the error is a located one-line HamiltonianError; return its text."""
    err = excinfo.value
    assert isinstance(err, HamiltonianError) and isinstance(err, QtoolError)
    text = str(err)
    assert "\n" not in text
    if path is not None:
        assert err.file == path and text.startswith(path)
    if line is not None:
        assert err.line == line, text
    return text


# --------------------------------------------------------------------------- core


def test_constructor_and_attributes():
    ham = PauliSum(["izx", "ZZI"], [0.5, -1], name="t", reference_energy=-2)
    assert ham.labels == ("IZX", "ZZI") and ham.num_qubits == 3 and len(ham) == 2
    assert ham.coeffs.dtype == np.float64 and ham.reference_energy == -2.0
    assert ham.reference == "" and ham.metadata == {}


def test_masks_match_labels():
    ham = PauliSum(["IXYZ", "YYII", "IIII", "ZZZX"], [1, 2, 3, 4])
    assert ham.x_mask.dtype == np.uint64 and ham.z_mask.dtype == np.uint64
    assert ham.x_mask.tolist() == [0b0110, 0b0011, 0, 0b1000]
    assert ham.z_mask.tolist() == [0b1100, 0b0011, 0, 0b0111]
    assert ham.num_y.tolist() == [1, 2, 0, 0]


@pytest.mark.parametrize("seed", range(4))
def test_matrix_matches_kron_and_qiskit(seed):
    ham = random_sum(4, 25, seed)
    dense = ham.to_matrix()
    assert np.allclose(dense, kron_matrix(ham), atol=1e-12)
    qiskit = SparsePauliOp([s[::-1] for s in ham.labels], ham.coeffs).to_matrix()
    assert np.allclose(dense, qiskit, atol=1e-12)
    assert np.allclose(ham.to_matrix(sparse=True).toarray(), dense, atol=1e-12)
    assert np.allclose(ham.to_sparse_pauli_op().to_matrix(), dense, atol=1e-12)


def test_matrices_from_masks_agree_with_entries():
    """Entry-wise check of the mask formula: <j^x| P |j> = i^ny (-1)^popcount(j & z)."""
    ham = PauliSum(["XYZ"], [1.0])
    mat = ham.to_matrix()
    for j in range(8):
        sign = (-1) ** bin(j & int(ham.z_mask[0])).count("1")
        assert mat[j ^ int(ham.x_mask[0]), j] == pytest.approx(1j * sign)


def test_ground_energy_dense_and_sparse_paths():
    ham = random_sum(5, 30, 7)
    exact = np.linalg.eigvalsh(kron_matrix(ham))
    assert ham.ground_energy() == pytest.approx(exact[0], abs=1e-10)
    assert np.allclose(ham.spectrum(3), exact[:3], atol=1e-10)
    assert np.allclose(ham.spectrum(), exact, atol=1e-10)
    big = load_hamiltonian("tfim:12,h=0.8")            # 12 qubits: Lanczos path
    assert big.ground_energy() == pytest.approx(tfim_open_ground_energy(12, 1, 0.8), abs=1e-9)


def test_diagonal_and_lowest_basis_state():
    """``diagonal`` is the matrix diagonal; the lowest basis state of a molecule is its
    Hartree-Fock determinant (H2 in Jordan-Wigner: both spin orbitals of the bonding
    orbital, qubits 0 and 1, occupied)."""
    ham = random_sum(4, 20, 3)
    np.testing.assert_allclose(ham.diagonal(), np.diag(kron_matrix(ham)).real, atol=1e-12)
    assert ham.lowest_basis_state() == int(np.argmin(np.diag(kron_matrix(ham)).real))
    assert load_hamiltonian("h2-4").lowest_basis_state() == 0b0011
    assert load_hamiltonian("lih-6").lowest_basis_state() == 0b000011
    assert load_hamiltonian("heisenberg:4").lowest_basis_state() in (0b0101, 0b1010)


def test_simplify_constant_and_sorted():
    ham = PauliSum(["ZI", "II", "ZI", "XX", "II", "YY"], [1.0, 0.5, 2.0, 1e-16, 0.25, -1])
    assert ham.constant == 0.75
    simple = ham.simplify()
    assert simple.labels == ("ZI", "II", "YY") and simple.coeffs.tolist() == [3.0, 0.75, -1.0]
    assert simple.sorted().labels == ("II", "YY", "ZI")
    assert PauliSum(["XZ"], [0.0]).simplify().labels == ("II",)
    assert PauliSum(["XZ"], [1.0]).constant == 0.0


def test_sparse_pauli_op_round_trip_reverses_labels():
    ham = PauliSum(["XIZ", "IYI"], [0.5, -0.25])
    op = ham.to_sparse_pauli_op()
    assert op.paulis.to_labels() == ["ZIX", "IYI"]
    back = PauliSum.from_sparse_pauli_op(op, name="back")
    assert back.labels == ham.labels and np.array_equal(back.coeffs, ham.coeffs)
    with pytest.raises(HamiltonianError, match="not real"):
        PauliSum.from_sparse_pauli_op(SparsePauliOp(["XY"], [1j]))


# --------------------------------------------------------------------------- formats


def test_json_round_trip_is_exact_and_sorted(tmp_path):
    ham = random_sum(3, 12, 3).simplify()
    ham.reference_energy, ham.reference = -1.5, "a test"
    ham.metadata = {"molecule": "none", "active_orbitals": [1, 2], "nested": {"a": [[1, 2]]}}
    path = tmp_path / "h.json"
    ham.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    text = path.read_text()
    doc = json.loads(text)
    assert doc["format"] == FORMAT and doc["num_qubits"] == 3
    assert [t[0] for t in doc["terms"]] == sorted(ham.labels)
    back = load_hamiltonian(str(path))
    order = np.argsort(ham.labels)
    assert back.labels == tuple(np.array(ham.labels)[order])
    assert np.array_equal(back.coeffs, ham.coeffs[order])        # repr precision: exact
    assert (back.name, back.reference_energy, back.reference, back.metadata) == \
        (ham.name, -1.5, "a test", ham.metadata)
    assert back.to_json() == text                                  # byte-stable


def test_openfermion_text_parses_and_round_trips(tmp_path):
    ham = PauliSum.from_text(OPENFERMION_TEXT)
    assert ham.num_qubits == 4
    assert dict(zip(ham.labels, ham.coeffs)) == {
        "IIII": -0.0988639693354583, "ZIII": 0.17119774903432966,
        "XYYX": 0.04532220205287396, "YYXX": -0.04532220205287396,
        "IZII": 0.16862219158920944, "ZIZI": 0.12054482205301797}
    again = load_hamiltonian(write(tmp_path, "h.txt", ham.to_text()))
    assert again.labels == ham.labels and np.array_equal(again.coeffs, ham.coeffs)
    assert again.name == "h"
    padded = load_hamiltonian(write(tmp_path, "p.txt", ham.to_text()), num_qubits=6)
    assert padded.num_qubits == 6 and padded.labels[2] == "XYYXII"


def test_simple_text_format_with_comments():
    text = "# a comment\n-0.5 IIZZ   # trailing\n\n0.25 xxii\n1e-1 IIZZ\n"
    ham = PauliSum.from_text(text)
    assert ham.labels == ("IIZZ", "XXII")
    assert ham.coeffs.tolist() == pytest.approx([-0.4, 0.25])


def test_qubit_count_from_highest_index():
    assert PauliSum.from_text("1.0 [Z5]").num_qubits == 6
    assert PauliSum.from_text("2.0 []").labels == ("I",)


# --------------------------------------------------------------------------- built-ins


def test_builtin_names_are_the_shipped_molecules():
    assert set(builtin_names()) == set(MOLECULES)


@pytest.mark.parametrize("name", sorted(MOLECULES))
def test_shipped_molecule(name):
    qubits, terms, energy = MOLECULES[name]
    ham = load_hamiltonian(name)
    assert (ham.name, ham.num_qubits, len(ham)) == (name, qubits, terms)
    assert len(set(ham.labels)) == len(ham)
    e0 = ham.ground_energy()
    assert e0 == pytest.approx(ham.reference_energy, abs=1e-8)
    assert e0 == pytest.approx(energy, abs=1e-6)
    assert "exact ground energy" in ham.reference
    meta = ham.metadata
    for key in ("molecule", "basis", "mapping", "active_orbitals", "frozen_orbitals",
                "hf_energy", "pyscf_version", "openfermion_version"):
        assert key in meta, key
    assert meta["basis"] == "sto-3g" and e0 < meta["hf_energy"] + 1e-9
    assert ham.constant == pytest.approx(dict(zip(ham.labels, ham.coeffs))["I" * qubits])


def test_molecule_size_must_match():
    assert load_hamiltonian("h2-4", num_qubits=4).num_qubits == 4
    with pytest.raises(HamiltonianError, match="4 qubits"):
        load_hamiltonian("h2-4", num_qubits=5)


def test_tfim_two_spins_exact():
    ham = load_hamiltonian("tfim:2")                    # -Z0Z1 - X0 - X1
    assert sorted(ham.labels) == ["IX", "XI", "ZZ"]
    assert ham.reference_energy == pytest.approx(-np.sqrt(5), abs=1e-12)
    assert ham.ground_energy() == pytest.approx(-np.sqrt(5), abs=1e-12)
    assert "exact" in ham.reference


@pytest.mark.parametrize("spec", ["tfim:5,j=0.7,h=1.3", "tfim:1,h=2", "tfim:6,h=0.1"])
def test_tfim_free_fermion_reference_matches_diagonalisation(spec):
    ham = load_hamiltonian(spec)
    assert ham.reference_energy == pytest.approx(ham.spectrum(1)[0], abs=1e-10)


def test_models_terms_and_references():
    ring = load_hamiltonian("tfim:4,periodic,h=0.5")
    assert len(ring) == 8 and "ZIIZ" in ring.labels
    assert ring.reference_energy == pytest.approx(ring.ground_energy())
    heis = load_hamiltonian("heisenberg:4,jx=1,jy=1,jz=0.5,h=0.2")
    assert len(heis) == 3 * 3 + 4
    assert dict(zip(heis.labels, heis.coeffs))["IZZI"] == 0.5
    assert heis.reference_energy == pytest.approx(np.linalg.eigvalsh(kron_matrix(heis))[0])
    # two spins, isotropic: singlet energy -3 (XX + YY + ZZ)
    assert load_hamiltonian("heisenberg:2").reference_energy == pytest.approx(-3.0)
    assert load_hamiltonian("heisenberg:15").reference_energy is None     # too big to check


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("text, line, match", [
    ("0.5 [Z0] +\n(0.1+0.2j) [X1]\n", 2, "not real"),
    ("0.5 [Z0] +\n0.3 [Q1]\n", 2, "bad Pauli factor"),
    ("# header\n0.5 IIZZ\n0.25 IZZ\n", 3, "has 3 qubits"),
    ("0.5 IIZA\n", 1, "characters other than IXYZ"),
    ("0.5 [Z0]\n[X1]\n", 2, "no coefficient"),
    ("0.5 [Z0]\n0.2\n", 2, "no Pauli operator"),
    ("0.5 [Z0 Z0]\n", 1, "twice"),
    ("0.5 [Z0] $\n", 1, "unexpected"),
    ("# nothing\n", 1, "no Pauli terms"),
])
def test_text_errors_name_file_and_line(tmp_path, text, line, match):
    path = write(tmp_path, "bad.txt", text)
    with pytest.raises(HamiltonianError, match=match) as excinfo:
        load_hamiltonian(path)
    one_line_error(excinfo, path, line)


def test_text_qubit_out_of_range(tmp_path):
    path = write(tmp_path, "h.of", "1.0 [Z0] +\n1.0 [X3]\n")
    with pytest.raises(HamiltonianError, match="out of range") as excinfo:
        load_hamiltonian(path, num_qubits=2)
    one_line_error(excinfo, path, 2)


def json_doc(**changes) -> str:
    """A valid two-qubit document with ``changes`` applied."""
    doc = {"format": FORMAT, "name": "x", "num_qubits": 2, "reference_energy": None,
           "reference": "", "metadata": {}, "terms": [["II", 1.0], ["ZZ", 0.5]]}
    doc.update(changes)
    return json.dumps(doc, indent=1)        # one key per line: "format" on line 2


@pytest.mark.parametrize("text, line, match", [
    ('{"format": "qtool.pauli_sum/1",\n "terms": [["II", 1.0],,]}', 2, "bad JSON"),
    (json_doc(format="other/2"), 2, "unknown format"),
    ('{\n"format": "qtool.pauli_sum/1",\n"num_qubits": 2,\n"terms": [\n["II", 1],\n'
     '["ZZZ", 2]\n]}', 6, "has 3 qubits"),
    ('{"format": "qtool.pauli_sum/1", "terms": [\n["II", 1],\n["ZB", 2]]}', 3,
     "other than IXYZ"),
    ('{"format": "qtool.pauli_sum/1", "terms": [\n["II", 1],\n["ZZ", "0.5"]]}', 3,
     "real coefficient"),
    ('{"format": "qtool.pauli_sum/1", "terms": [\n["II", 1],\n["ZZ", NaN]]}', 3,
     "non-finite"),
    ('{"format": "qtool.pauli_sum/1",\n"terms": []}', 2, "non-empty"),
    (json_doc(reference_energy="low"), 5, "reference_energy"),
    ('[1, 2]', 1, "must hold an object"),
])
def test_json_errors_name_file_and_line(tmp_path, text, line, match):
    path = write(tmp_path, "bad.json", text)
    with pytest.raises(HamiltonianError, match=match) as excinfo:
        load_hamiltonian(path)
    one_line_error(excinfo, path, line)


@pytest.mark.parametrize("spec, match", [
    ("h2-5", "unknown Hamiltonian"),
    ("tfim:x", "must be an integer"),
    ("tfim:0", "must be positive"),
    ("tfim:4,g=1", "unknown parameter"),
    ("heisenberg:4,jx=abc", "must be a number"),
    ("heisenberg:2,periodic", "at least 3"),
    ("no/such/file.txt", "no such Hamiltonian file"),
])
def test_bad_specs(spec, match):
    with pytest.raises(HamiltonianError, match=match) as excinfo:
        load_hamiltonian(spec)
    one_line_error(excinfo, None, None)


def test_constructor_errors():
    with pytest.raises(HamiltonianError, match="same|expected"):
        PauliSum(["XX", "XXX"], [1, 2])
    with pytest.raises(ValueError):                    # still a ValueError for old callers
        PauliSum(["XX"], [1, 2])
    with pytest.raises(HamiltonianError, match="not real"):
        PauliSum(["XX"], [1 + 1e-3j])
    assert PauliSum(["XX"], [1 + 0j]).coeffs.dtype == np.float64
