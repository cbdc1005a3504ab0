"""qtool.mitigate and ``qtool mitigate``: methods, the entropy gate, errors, plot."""
import json

import numpy as np
import pytest

import qtool
from qtool.cli import main
from qtool.mitigation import hellinger_fidelity


def _noisy_ghz_counts(n=5, p=0.04, shots=8192, seed=0):
    rng = np.random.default_rng(seed)
    ideal = rng.integers(0, 2, size=shots)[:, None] * np.ones(n, dtype=np.int64)
    flips = rng.random((shots, n)) < p
    bits = ideal ^ flips
    keys = ["".join(map(str, row)) for row in bits]
    counts = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    return counts, {"0" * n: 0.5, "1" * n: 0.5}


@pytest.mark.parametrize("method", ["qcluster", "m3", "m3+qcluster", "m3+unfold",
                                    "m3+unfold+qcluster", "auto"])
def test_every_method_improves_a_noisy_ghz(method, measured_ghz):
    pytest.importorskip("mthree")
    counts, ideal = _noisy_ghz_counts()
    circ = qtool.compile(measured_ghz(5), "ibm_heron", 3, seed=1).circuit
    res = qtool.mitigate(counts, circ, "ibm_heron", method=method)
    raw = hellinger_fidelity(counts, ideal)
    assert hellinger_fidelity(res.probabilities, ideal) > raw
    assert abs(sum(res.probabilities.values()) - 1) < 1e-9


def test_qcluster_with_a_given_rate_needs_no_circuit():
    counts, ideal = _noisy_ghz_counts(p=0.08)
    res = qtool.mitigate(counts, method="qcluster", p=0.08)
    assert res.p_source == "given" and res.info["k"] >= 1
    assert hellinger_fidelity(res.probabilities, ideal) > hellinger_fidelity(counts, ideal)


def test_high_entropy_output_is_left_alone_without_a_target():
    rng = np.random.default_rng(1)
    counts = {format(int(k), "06b"): int(v) for k, v in
              zip(*np.unique(rng.integers(0, 64, 8192), return_counts=True))}
    res = qtool.mitigate(counts)
    assert res.method == "none" and res.info["auto"] == "none"


def test_missing_rate_is_an_error():
    counts, _ = _noisy_ghz_counts()
    with pytest.raises(ValueError, match="flip rate"):
        qtool.mitigate(counts, method="qcluster")


def test_cli_writes_json_and_plot(tmp_path, capsys):
    counts, ideal = _noisy_ghz_counts(p=0.06)
    src = tmp_path / "counts.json"
    src.write_text(json.dumps(counts))
    out, png = tmp_path / "m.json", tmp_path / "m.png"
    assert main(["mitigate", str(src), "--method", "qcluster", "--p", "0.06", "-o", str(out),
                 "--plot", str(png)]) == 0
    d = json.loads(out.read_text())
    assert d["method"] == "qcluster" and d["p"] == 0.06
    assert hellinger_fidelity(d["probabilities"], ideal) > hellinger_fidelity(counts, ideal)
    assert png.stat().st_size > 1000


@pytest.mark.parametrize("payload, needle", [
    ({}, "empty"), ({"01": 3, "011": 2}, "expected 2"), ({"01": -1}, "negative"),
    ({"0a": 2}, "")])
def test_cli_bad_counts_one_line_exit_2(tmp_path, capsys, payload, needle):
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(payload))
    assert main(["mitigate", str(src), "--p", "0.1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.json" in err and needle in err
