"""The wheel installs exactly one top-level package, ``qtool``, with its kernels."""
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_top_level_is_only_qtool(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                        "--no-build-isolation", "-q", "-w", str(tmp_path)],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = tmp_path.glob("qtool-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"qtool"}
    assert any(n.startswith("qtool/_ext/_dag") and n.endswith(".so") for n in names)
    assert any(n.startswith("qtool/passes/") for n in names)
    assert any(n.startswith("qtool/targets/data/") for n in names)
    assert not any(n.endswith(".c") for n in names)


def test_core_import_does_not_pull_heavy_optional_deps():
    code = ("import sys, qtool, qtool.compiler, qtool.passes; "
            "bad = [m for m in ('torch', 'gymnasium', 'qiskit_ibm_runtime', 'mqt') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
