import pytest
from django.core.cache import cache

from customers.selectors_portal import BRANDING_CACHE_KEY


@pytest.fixture(autouse=True)
def _branding_not_cached():
    """The brand is cached for every page; a branding made inside a rolled-back test must not
    outlive it in the (process-wide) local-memory cache."""
    cache.delete(BRANDING_CACHE_KEY)
    yield
    cache.delete(BRANDING_CACHE_KEY)


@pytest.fixture(autouse=True)
def _rate_limits_fresh():
    """The registration and reset counters live in the cache too."""
    cache.clear()
    yield
