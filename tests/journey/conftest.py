"""The journey reuses the chaos proofs' real processes: a Stack (worker, dispatcher) on the test
database, a broker of its own and the session's sandbox."""

from tests.chaos.conftest import (  # noqa: F401
    broker_url,
    pytest_runtest_makereport,
    replies_through_the_stack,
    sandbox,
    stack,
)
