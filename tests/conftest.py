import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def measured_ghz():
    """Factory: ``measured_ghz(n)`` is the n-qubit GHZ chain, qubit ``i`` measured into bit
    ``i``."""
    import qtool

    def make(n: int):
        b = qtool.Circuit.builder(n, n)
        b.h(0)
        for i in range(n - 1):
            b.cx(i, i + 1)
        for i in range(n):
            b.measure(i, i)
        return b.build()
    return make
