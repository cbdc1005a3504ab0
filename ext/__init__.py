"""Compiled kernels of qtool (Cython), one module per topic.

Each kernel has a numpy/Python twin in :mod:`qtool._ref` that serves as its test oracle.
Import kernels through :func:`qtool._kernels.kernel`, which explains a missing build instead
of falling back silently.
"""
