"""Plain numpy/Python twins of the Cython kernels in :mod:`qtool._ext`.

They are the test oracles of the kernels (and the code path when ``QTOOL_PURE_PYTHON=1``).
Each function here has exactly the signature and results of the kernel of the same name.
"""
