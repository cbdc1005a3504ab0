"""Build recipe: map the top-level source folders onto the ``qtool`` package and build the
Cython kernels under ``qtool._ext``.  Everything else lives in ``pyproject.toml``.

Cython resolves ``cimport`` from an extension's dotted install name and ignores
``package_dir``, so the ``.pxd`` files are mirrored into ``build/pxd/qtool/_ext`` first.
"""
import os
import shutil
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

ROOTS = {"qtool": "qtool", "qtool.passes": "passes", "qtool.rl": "rl", "qtool._ext": "ext"}
packages = [p for pkg, src in ROOTS.items()
            for p in [pkg] + [f"{pkg}.{s}" for s in find_packages(where=src)]]

PXD = Path("build/pxd/qtool/_ext")
PXD.mkdir(parents=True, exist_ok=True)
for pxd in Path("ext").glob("*.pxd"):
    shutil.copy2(pxd, PXD / pxd.name)

DEBUG = os.environ.get("QTOOL_CYTHON_DEBUG") == "1"
directives = {"language_level": 3, "boundscheck": DEBUG, "wraparound": DEBUG,
              "cdivision": not DEBUG, "initializedcheck": DEBUG}
exts = [Extension(f"qtool._ext.{p.stem}", [str(p)], include_dirs=[np.get_include()],
                  define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                  extra_compile_args=["-O3"])
        for p in sorted(Path("ext").glob("*.pyx"))]

setup(packages=packages, package_dir=ROOTS,
      package_data={"qtool._ext": ["*.pxd"], "qtool.targets": ["data/*.json"],
                    "qtool.qubo": ["data/*/*", "data/*.txt", "data/*.md", "data/SHA256SUMS"],
                    "qtool.mitigation": ["data/*.npz"],
                    "qtool.gatesynth": ["data/*.npz", "data/*.json"],
                    "qtool.qas": ["data/*.json"],
                    "qtool": ["examples/*"]},
      ext_modules=cythonize(exts, include_path=["build/pxd"], build_dir="build/cython",
                            compiler_directives=directives))
