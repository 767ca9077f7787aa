pytest_plugins = ["pytester"]


import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Unit tests multiply small matrices: one BLAS thread is faster on a shared machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
