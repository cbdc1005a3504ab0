"""Error-mitigation passes and helpers (papers.md section 4.3, noise tailoring).

:class:`PauliTwirl` dresses two-qubit gates with random Pauli frames (and readout X
flips); :func:`twirl_circuits` makes ``n`` randomisations with their readout flip masks and
:func:`untwirl_counts` / :func:`combine_counts` undo the flips and pool the results.
"""
from .twirl import (DEFAULT_TWIRL_GATES, PauliTwirl, TwirledCircuit, combine_counts,  # noqa: F401
                    insert_readout_flips, pauli_twirl, terminal_measurements, twirl_circuits,
                    twirl_table, untwirl_counts)
from .twirl import __all__  # noqa: F401  (one list of the public names)
