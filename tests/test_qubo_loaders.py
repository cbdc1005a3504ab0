"""Instance loaders: every bundled file, known optima, malformed files, LP and JSON round trips."""
from __future__ import annotations

import hashlib
import io
import itertools
import json
import re

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from qtool.qubo import BinaryProgram, InstanceError
from qtool.qubo.loaders import (
    DATA_DIR,
    bundled_instances,
    known_optimum,
    load_instance,
    load_lp,
    load_mdkp,
    load_mis,
    load_program_json,
    load_qap,
    load_tsplib,
    write_lp,
)
from qtool.qubo.models import from_dict, mdkp, mis, qap, to_dict, tour_length, tsp, tsp_tour

README = (DATA_DIR / "README.md").read_text(encoding="utf-8")


def _table(prefix: str) -> dict[str, list[str]]:
    """Rows ``| prefix/file | a | b | ...`` of the data README, by file name."""
    rows = {}
    for line in README.splitlines():
        m = re.match(rf"\| {prefix}/(\S+) \|(.*)\|\s*$", line)
        if m:
            rows.setdefault(m.group(1), [c.strip() for c in m.group(2).split("|")])
    return rows


def _witnesses(prefix: str) -> dict[str, list[int]]:
    out = {}
    for line in README.splitlines():
        m = re.match(rf"\| {prefix}/(\S+) \| ([\d ]+) \|\s*$", line)
        if m:
            out[m.group(1)] = [int(v) for v in m.group(2).split()]
    return out


def _ids(paths):
    return [p.name for p in paths]


MDKP, MIS, QAP, TSP = (bundled_instances(k) for k in ("mdkp", "mis", "qap", "tsp"))


# --------------------------------------------------------------------------- bundled data

def test_bundled_instances_and_checksums():
    assert (len(MDKP), len(MIS), len(QAP), len(TSP)) == (14, 7, 11, 3)
    assert bundled_instances() == MDKP + MIS + QAP + TSP
    assert (DATA_DIR / "LICENSE-instances.txt").read_text().startswith("Source: github.com/")
    sums = (DATA_DIR / "SHA256SUMS").read_text().split("\n")
    checked = 0
    for line in filter(None, sums):
        digest, name = line.split()
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest, name
        checked += 1
    assert checked == 32
    with pytest.raises(ValueError):
        bundled_instances("knapsack")


@pytest.mark.parametrize("path", MDKP, ids=_ids(MDKP))
def test_mdkp_files(path):
    n, m, opt = (int(v) for v in _table("mdkp")[path.name][:3])
    p = load_mdkp(path)
    assert (p.kind, p.sense, p.num_vars, p.A_le.shape, p.A_eq.shape) == \
        ("mdkp", "max", n, (m, n), (0, n))
    assert p.optimum == opt == known_optimum(path)
    assert p.name == path.stem
    x = np.zeros(n)
    x[np.array(_witnesses("mdkp")[path.name]) - 1] = 1
    assert p.is_feasible(x) and p.objective(x) == opt
    assert load_instance(path).kind == "mdkp"


@pytest.mark.parametrize("path", MIS, ids=_ids(MIS))
def test_mis_files(path):
    nodes, edges, isolated, opt = (int(v) for v in _table("mis")[path.name][:4])
    p = load_mis(path)
    assert (p.kind, p.num_vars, p.meta["num_nodes"], len(p.meta["edges"])) == \
        ("mis", nodes, nodes, edges)
    assert p.meta["edges"].dtype.kind == "i" and p.meta["edges"].min() >= 0
    assert np.sum(np.bincount(p.meta["edges"].ravel(), minlength=nodes) == 0) == isolated
    assert p.optimum == opt == known_optimum(path)
    x = np.zeros(nodes)
    x[np.array(_witnesses("mis")[path.name]) - 1] = 1
    assert p.is_feasible(x) and p.objective(x) == opt
    assert load_instance(path).kind == "mis"
    assert load_mis(path, optimum=3).optimum == 3


@pytest.mark.parametrize("path", QAP, ids=_ids(QAP))
def test_qap_files(path):
    n, nvars, _, opt = _table("qap")[path.name][:4]
    p = load_qap(path)
    assert (p.kind, p.sense, p.num_vars, p.meta["n"]) == ("qap", "min", int(nvars), int(n))
    assert p.optimum == int(opt) == known_optimum(path)
    # the QAPLIB formula, straight from the token stream
    vals = np.array(path.read_text().split(), dtype=np.int64)
    k = int(vals[0])
    A, B = vals[1:1 + k * k].reshape(k, k), vals[1 + k * k:].reshape(k, k)
    ident = np.eye(k).ravel()
    assert p.is_feasible(ident) and p.objective(ident) == np.sum(A * B)
    pi = np.array(_witnesses("qap")[path.name]) - 1
    x = np.zeros((k, k))
    x[np.arange(k), pi] = 1
    assert p.objective(x.ravel()) == np.sum(A * B[np.ix_(pi, pi)]) == int(opt)
    assert load_instance(path).kind == "qap"


@pytest.mark.parametrize("path", TSP, ids=_ids(TSP))
def test_tsp_files_optimum_by_enumeration(path):
    p = load_tsplib(path)
    D = p.meta["dist"]
    n = len(D)
    best = min(tour_length(D, (0,) + perm) for perm in itertools.permutations(range(1, n)))
    assert p.optimum == best == known_optimum(path)
    assert p.num_vars == (n - 1) ** 2 and load_instance(path).kind == "tsp"


def test_small_optima_by_milp():
    for path in (DATA_DIR / "mdkp/pet2.dat", DATA_DIR / "mis/1tc.16.txt"):
        p = load_instance(path)
        res = milp(-p.linear, constraints=[LinearConstraint(p.A_le, -np.inf, p.b_le)],
                   integrality=np.ones(p.num_vars), bounds=Bounds(0, 1))
        assert res.success and -res.fun == pytest.approx(p.optimum)


def test_tsplib_distance_functions(tmp_path):
    # GEO: burma14 (TSPLIB), optimal tour length 3323
    coords = """1 16.47 96.10
2 16.47 94.44
3 20.09 92.54
4 22.39 93.37
5 25.23 97.24
6 22.00 96.05
7 20.47 97.02
8 17.20 96.29
9 16.30 97.38
10 14.05 98.12
11 16.53 97.38
12 21.52 95.59
13 19.41 97.13
14 20.09 94.55"""
    f = tmp_path / "burma14.tsp"
    f.write_text(f"NAME : burma14\nTYPE : TSP\nDIMENSION : 14\nEDGE_WEIGHT_TYPE : GEO\n"
                 f"NODE_COORD_SECTION\n{coords}\nEOF\n")
    p = load_tsplib(f)
    opt_tour = [1, 2, 14, 3, 4, 5, 6, 12, 7, 13, 8, 11, 9, 10]
    assert tour_length(p.meta["dist"], [t - 1 for t in opt_tour]) == 3323
    assert p.meta["dist"][0, :4].tolist() == [0, 153, 510, 706]
    assert p.optimum is None and p.name == "burma14"

    def dist(kind, pts):
        g = tmp_path / "t.tsp"
        body = "\n".join(f"{i + 1} {x} {y}" for i, (x, y) in enumerate(pts))
        g.write_text(f"DIMENSION: {len(pts)}\nEDGE_WEIGHT_TYPE: {kind}\nNODE_COORD_SECTION\n"
                     f"{body}\n")
        return load_tsplib(g).meta["dist"][0, 1:].tolist()

    pts = [(0, 0), (3, 4.4), (0, 2.5), (10, 0)]
    assert dist("EUC_2D", pts) == [5, 3, 10]          # nint(5.325), nint(2.5) = 3
    assert dist("CEIL_2D", pts) == [6, 3, 10]
    assert dist("ATT", pts) == [2, 1, 4]              # sqrt(100/10) = 3.16 -> 4
    assert dist("MAN_2D", pts) == [7, 3, 10]


def test_tsplib_explicit_formats(tmp_path):
    D = np.array([[0, 3, 5, 9], [3, 0, 4, 7], [5, 4, 0, 2], [9, 7, 2, 0]])
    iu = np.triu_indices(4, 1)
    il = np.tril_indices(4, -1)
    layouts = {"FULL_MATRIX": D.ravel(), "UPPER_ROW": D[iu], "LOWER_ROW": D[il],
               "UPPER_DIAG_ROW": D[np.triu_indices(4)], "LOWER_DIAG_ROW": D[np.tril_indices(4)],
               "UPPER_COL": D[il], "LOWER_COL": D[iu]}
    for fmt, vals in layouts.items():
        f = tmp_path / f"{fmt}.tsp"
        f.write_text(f"NAME: m\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                     f"EDGE_WEIGHT_FORMAT: {fmt}\nEDGE_WEIGHT_SECTION\n"
                     + " ".join(map(str, vals)) + "\nEOF\n")
        assert np.array_equal(load_tsplib(f).meta["dist"], D), fmt


def test_load_instance_dispatch(tmp_path):
    qap_copy = tmp_path / "mystery.dat"
    qap_copy.write_text((DATA_DIR / "qap/tai10a.dat").read_text())
    assert load_instance(qap_copy).kind == "qap"
    mdkp_copy = tmp_path / "other.dat"
    mdkp_copy.write_text((DATA_DIR / "mdkp/pet3.dat").read_text())
    assert load_instance(mdkp_copy).kind == "mdkp"
    assert known_optimum(mdkp_copy) == 4015
    mis_copy = tmp_path / "g.txt"
    mis_copy.write_text("c a comment\np edge 3 1\ne 1 3\n")
    p = load_instance(mis_copy)
    assert p.kind == "mis" and p.optimum is None and known_optimum(mis_copy) is None
    assert load_instance(mis_copy, problem="mis").num_vars == 3
    with pytest.raises(InstanceError, match="unknown problem"):
        load_instance(mis_copy, problem="knapsack")
    with pytest.raises(InstanceError, match="expected an integer"):
        load_instance(mis_copy, problem="qap")
    junk = tmp_path / "junk.dat"
    junk.write_text("1 2 3 4\n")
    with pytest.raises(InstanceError, match="cannot tell"):
        load_instance(junk)
    gen = tmp_path / "prog.json"
    gen.write_text(json.dumps(to_dict(mdkp([1, 2], [[1, 1]], [1]))))
    assert load_instance(gen).kind == "mdkp" and load_instance(gen, "generic").num_vars == 2


def test_bundled_optimum_needs_matching_size(tmp_path):
    fake = tmp_path / "nug12.dat"        # a bundled name, but not the bundled instance
    fake.write_text("2\n0 1\n1 0\n0 3\n3 0\n")
    assert load_qap(fake).optimum is None


# --------------------------------------------------------------------------- malformed input

MALFORMED = [
    # (file name, content, loader, line, message fragment)
    ("a.dat", "3 1 10\n1 2 3\n4 5 6\n", load_mdkp, 3, "truncated file"),
    ("a.dat", "3 1 10\n1 2 3\n4 5 6\n7 8\n", load_mdkp, 4, "extra data"),
    ("a.dat", "3 1 10\n1 2 x3\n4 5 6\n7\n", load_mdkp, 2, "integer profit (item 3)"),
    ("a.dat", "3 1 10\n1 2 3\n4 5.5 6\n7\n", load_mdkp, 3, "weight (constraint 1, item 2)"),
    ("a.dat", "0 1 10\n", load_mdkp, 1, "n (items) must be >= 1"),
    ("a.dat", "2 1\n", load_mdkp, 1, "truncated header"),
    ("a.dat", "", load_mdkp, 1, "truncated header"),
    ("a.dat", "2 1 5\n1 1\n1 1\n\n-3\n", load_mdkp, 5, "capacity (constraint 1) must be >= 0"),
    ("a.dat", "2 1 5\n1 1\n1 -1\n3\n", load_mdkp, 3, "must be >= 0"),
    ("g.txt", "e 1 2\n", load_mis, 1, "edge before"),
    ("g.txt", "p edge 3 1\n", load_mis, 1, "announces 1 edges but the file has 0"),
    ("g.txt", "p edge 3 2\ne 1 2\n\ne 2 4\n", load_mis, 4, "node 4 out of range 1..3"),
    ("g.txt", "p edge 3 2\ne 1 2\ne 2 1\n", load_mis, 3, "duplicate edge 2-1 (first on line 2)"),
    ("g.txt", "p edge 3 1\ne 2 2\n", load_mis, 2, "self loop"),
    ("g.txt", "p edge 3 1\ne 1 2\ne 1 3\n", load_mis, 3, "more edges than the 1"),
    ("g.txt", "p edge 3 1\ne 1 b\n", load_mis, 2, "expected an integer node number"),
    ("g.txt", "p edge 3\n", load_mis, 1, "expected 'p edge N M'"),
    ("g.txt", "p edge 3 1\nx 1 2\n", load_mis, 2, "unknown line type"),
    ("g.txt", "p edge 3 1\ne 1 2 3\n", load_mis, 2, "expected 'e u v'"),
    ("g.txt", "p edge 3 0\np edge 3 0\n", load_mis, 2, "second problem line"),
    ("g.txt", "c only comments\n\n", load_mis, 1, "missing 'p edge N M'"),
    ("q.dat", "2\n0 1\n1 0\n\n0 3\n", load_qap, 5, "needs 1 + 2*n*n = 9 integers, found 7"),
    ("q.dat", "2\n0 1\n1 0\n\n0 3\n3 x\n", load_qap, 6, "entry B[2][2]"),
    ("q.dat", "0\n", load_qap, 1, "n must be >= 1"),
    ("q.dat", "\n\n", load_qap, 1, "empty file"),
    ("t.tsp", "NAME: t\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nEOF\n",
     load_tsplib, 6, "missing DIMENSION"),
    ("t.tsp", "NAME: t\nDIMENSION: 2\nCOLOR: red\n", load_tsplib, 3, "unknown TSPLIB keyword"),
    ("t.tsp", "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 y\n",
     load_tsplib, 5, "expected a number"),
    ("t.tsp", "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n",
     load_tsplib, 5, "no coordinates for node 3"),
    ("t.tsp", "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n3 1 1\n",
     load_tsplib, 5, "node 3 out of range"),
    ("t.tsp", "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\n", load_tsplib, 2,
     "missing NODE_COORD_SECTION"),
    ("t.tsp", "TYPE: CVRP\nDIMENSION: 2\n", load_tsplib, 1, "TYPE 'CVRP' is not supported"),
    ("t.tsp", "DIMENSION: 2\nEDGE_WEIGHT_TYPE: XRAY3\n", load_tsplib, 2, "not supported"),
    ("t.tsp", "DIMENSION: two\n", load_tsplib, 1, "DIMENSION must be an integer"),
    ("t.tsp", ("DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n"
               "EDGE_WEIGHT_SECTION\n0 1 2\n1 0 3\n2 3\n"), load_tsplib, 7, "needs 9 numbers, found 8"),
    ("t.tsp", "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_SECTION\n1 2 3\n",
     load_tsplib, 4, "missing EDGE_WEIGHT_FORMAT"),
    ("p.json", '{"sense": "max",\n "linear": [1, 2],\n}', load_program_json, 3, "invalid JSON"),
    ("p.json", ('{"sense": "max", "linear": [1, 2], "constraints": [{"coeffs": {"y": 1}, '
                '"sense": "<=", "rhs": 1}]}'), load_program_json, None, "unknown variable 'y'"),
    ("p.json", '{"sense": "up", "linear": [1]}', load_program_json, None, "'sense' must be"),
    ("p.lp", "Maximize\n obj: x + y\nSubject To\n c: x + y <= 1\nBinary\n x\nEnd\n", load_lp, 2,
     "'y' is not declared"),
    ("p.lp", "Maximize\n obj: x + * y\nBinary\n x y\nEnd\n", load_lp, 2, "expected a term"),
    ("p.lp", "Maximize\n obj: x\n + y ;\nBinary\n x y\nEnd\n", load_lp, 3, "unexpected ';'"),
    ("p.lp", "Maximize\n obj: x\nMinimize\n y\nBinary\n x y\nEnd\n", load_lp, 3,
     "second objective"),
    ("p.lp", "Minimize\n obj: x\nGeneral\n x\nEnd\n", load_lp, 3, "not supported"),
    ("p.lp", "Minimize\n obj: x\nSubject To\n c: [ x * y ] <= 1\nBinary\n x y\n", load_lp, 4,
     "only supported in the objective"),
    ("p.lp", "Minimize\n obj: x\nSubject To\n c: x + y <=\n\nBinary\n x y\n", load_lp, 4,
     "expected a number"),
    ("p.lp", "Minimize\n obj: x\nSubject To\n c: x <= y\nBinary\n x y\n", load_lp, 4,
     "right-hand side"),
    ("p.lp", " obj: x\nBinary\n x\n", load_lp, 1, "expected 'Maximize' or 'Minimize' first"),
    ("p.lp", "Minimize\n obj: x\nBounds\n 0 <= x <= 3\n 1 <= x <= 1\nBinary\n x\n", load_lp, 5,
     "bound '1 <= x <= 1' is not supported"),
    ("p.lp", "Minimize\n obj: 2 x * y\nBinary\n x y\n", load_lp, 2, "inside [ ... ]"),
]


@pytest.mark.parametrize("name,content,loader,line,fragment", MALFORMED,
                         ids=[f"{m[2].__name__}-{i}" for i, m in enumerate(MALFORMED)])
def test_malformed_input(tmp_path, name, content, loader, line, fragment):
    f = tmp_path / name
    f.write_text(content)
    with pytest.raises(InstanceError) as info:
        loader(f)
    err = info.value
    assert fragment in err.message
    assert err.line == line and err.file == str(f)
    text = str(err)
    assert "\n" not in text
    assert text.startswith(f"{f}:{line}: " if line else f"{f}: ")


def test_missing_file_and_directory(tmp_path):
    for loader in (load_mdkp, load_mis, load_qap, load_tsplib, load_lp, load_program_json,
                   load_instance):
        with pytest.raises(InstanceError, match="file not found"):
            loader(tmp_path / "nope.dat")
    with pytest.raises(InstanceError, match="directory"):
        load_mdkp(tmp_path)
    binary = tmp_path / "b.dat"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InstanceError, match="not a text file"):
        load_qap(binary)


# --------------------------------------------------------------------------- LP and JSON

def _random_generic(seed: int) -> BinaryProgram:
    rng = np.random.default_rng(seed)
    n = 7
    names = tuple(f"v{i}" for i in range(n))
    Q = np.round(rng.normal(size=(n, n)), 3) * (rng.random((n, n)) < 0.4)
    return BinaryProgram("rand gen", "min", np.round(rng.normal(size=n), 4), quadratic=Q,
                         constant=2.5, A_le=rng.integers(-3, 4, (3, n)), b_le=[2, 1, 0.5],
                         A_eq=rng.integers(0, 2, (1, n)), b_eq=[2], var_names=names,
                         optimum=-1.25)


def _programs() -> list[BinaryProgram]:
    return [load_instance(DATA_DIR / "mdkp/pet2.dat"), load_instance(DATA_DIR / "mis/1tc.8.txt"),
            qap([[0, 2, 1], [2, 0, 3], [1, 3, 0]], [[0, 5, 1], [5, 0, 2], [1, 2, 0]]),
            load_instance(DATA_DIR / "tsp/toy5.tsp"), _random_generic(0),
            BinaryProgram("lin", "max", [1.5, -2, 0], A_le=[[1, 1, 1]], b_le=[2])]


def _same_function(p: BinaryProgram, q: BinaryProgram, seed: int = 0):
    X = np.random.default_rng(seed).integers(0, 2, (64, p.num_vars))
    assert q.var_names == p.var_names and q.sense == p.sense and q.optimum == p.optimum
    assert np.allclose(q.objective(X), p.objective(X), rtol=0, atol=1e-9)
    assert np.allclose(q.violation(X), p.violation(X), rtol=0, atol=1e-9)
    assert np.array_equal(q.is_feasible(X), p.is_feasible(X))


@pytest.mark.parametrize("k", range(6))
def test_lp_round_trip(tmp_path, k):
    p = _programs()[k]
    f = tmp_path / "p.lp"
    write_lp(p, f)
    q = load_lp(f)
    _same_function(p, q)
    assert q.kind == "generic" and q.name == p.name.replace(" ", "_")
    assert q.A_le.shape == p.A_le.shape and q.A_eq.shape == p.A_eq.shape
    if p.quadratic is not None:
        fold = np.triu(p.quadratic) + np.triu(p.quadratic.T, 1)
        assert np.array_equal(q.quadratic, fold)
    buf = io.StringIO()
    write_lp(q, buf)
    assert buf.getvalue() == f.read_text()          # a fixed point after one trip
    assert load_instance(f).num_vars == p.num_vars


def test_lp_reader_features(tmp_path):
    f = tmp_path / "m.lp"
    f.write_text("\\ a hand-written model\n"
                 "MAXIMIZE\n"
                 "  3 a + 2b\n"            # unlabelled objective, '2b' is 2 * b
                 "  - c + 1.5e1 + [ 4 a * b - 2 c ^ 2 ] / 2 + 7\n"
                 "s.t.\n"
                 "  row1: a + b +\n c <= 2\n"
                 "  -a - -b >= -1\n"
                 "  b + c = 1 r3: a =< 1\n"
                 "Bounds\n 0 <= a <= 1\n b >= 0\n c free\n"
                 "Binaries\n a b\nBin\n c\n"
                 "End\n"
                 "anything after End is ignored\n")
    p = load_lp(f)
    assert p.var_names == ("a", "b", "c") and p.sense == "max"
    x = np.array([1, 1, 0])
    # 3 + 2 + 15 (objective constant) ... plus [4ab]/2 = 2, plus 7
    assert p.objective(x) == 3 + 2 + 15 + 2 + 7
    assert p.objective([0, 0, 1]) == -1 + 15 - 1 + 7
    assert p.A_le.tolist() == [[1, 1, 1], [1, -1, 0], [1, 0, 0]] and p.b_le.tolist() == [2, 1, 1]
    assert p.A_eq.tolist() == [[0, 1, 1]] and p.b_eq.tolist() == [1]


def test_write_lp_rejects_bad_names():
    p = BinaryProgram("p", "max", [1, 2], var_names=("x[0]", "x[1]"))
    with pytest.raises(ValueError, match="LP format"):
        write_lp(p, io.StringIO())


@pytest.mark.parametrize("k", range(6))
def test_json_round_trip(tmp_path, k):
    p = _programs()[k]
    d = to_dict(p)
    f = tmp_path / "p.json"
    f.write_text(json.dumps(d))
    q = load_program_json(f)
    _same_function(p, q)
    assert q.kind == p.kind and q.name == p.name
    assert set(q.meta) == set(p.meta)
    for key, v in p.meta.items():
        assert np.array_equal(np.asarray(q.meta[key]), np.asarray(v)), key
    if p.quadratic is not None:
        assert np.array_equal(q.quadratic, p.quadratic)
    assert np.array_equal(q.A_le, p.A_le) and np.array_equal(q.b_eq, p.b_eq)
    assert to_dict(q) == d


def test_from_dict_forms():
    d = {"sense": "min", "var_names": ["a", "b", "c"], "linear": {"a": 1, "2": -1},
         "quadratic": [[0, 1, 0], [0, 0, 2], [0, 0, 0]], "constant": 3,
         "constraints": [{"coeffs": {"a": 1, "b": 1}, "sense": ">=", "rhs": 1},
                         {"coeffs": [1, 1, 1], "sense": "==", "rhs": 2}]}
    p = from_dict(d)
    assert p.linear.tolist() == [1, 0, -1] and p.quadratic[1, 2] == 2 and p.name == "program"
    assert p.A_le.tolist() == [[-1, -1, 0]] and p.b_le.tolist() == [-1]       # >= negated
    assert p.A_eq.tolist() == [[1, 1, 1]] and p.kind == "generic"
    sparse = from_dict({**d, "quadratic": [["a", "b", 1], [1, 2, 2.0]]})
    assert np.array_equal(sparse.quadratic, p.quadratic)
    bad = [({**d, "extra": 1}, "unknown program field"),
           ({**d, "constraints": [{"coeffs": [1], "sense": "<=", "rhs": 1}]},
            "expected 3 coefficients"),
           ({**d, "constraints": [{"coeffs": {"a": 1}, "sense": "<", "rhs": 1}]}, "sense"),
           ({**d, "quadratic": [["a", "z", 1]]}, "unknown variable 'z'"),
           ({**d, "linear": {"a": "one"}}, "expected a number"),
           ({**d, "kind": "qap"}, "meta.n"),
           ({**d, "kind": "tsp", "meta": {"n": 3}}, "needs 4 variables"),
           ({"sense": "max"}, "number of variables"),
           ([1, 2], "JSON object")]
    for case, fragment in bad:
        with pytest.raises(InstanceError, match=re.escape(fragment)):
            from_dict(case)


def test_models_from_loaders_match_constructors():
    p = load_instance(DATA_DIR / "mis/1tc.8.txt")
    q = mis(8, p.meta["edges"])
    assert np.array_equal(p.A_le, q.A_le)
    t = load_instance(DATA_DIR / "tsp/toy6m.tsp")
    assert t.objective(np.eye(5).ravel()) == tour_length(t.meta["dist"], range(6))
    assert tsp_tour(t, np.eye(5).ravel()) == list(range(6))
    assert tsp(t.meta["dist"]).num_vars == 25
