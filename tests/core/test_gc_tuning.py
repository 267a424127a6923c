"""core.apps.gc_tune: the collector settings every process applies at start-up."""
import gc

import pytest

from core.apps import gc_tune


@pytest.fixture
def restore_gc():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_thresholds_are_applied_and_start_up_objects_frozen(restore_gc):
    assert gc_tune("9000,12,11") == (9000, 12, 11)
    assert gc.get_threshold() == (9000, 12, 11)
    assert gc.get_freeze_count() > 0


def test_empty_keeps_pythons_defaults(restore_gc):
    before = gc.get_threshold()
    assert gc_tune("") is None and gc.get_threshold() == before


@pytest.mark.parametrize("bad", ["7000,10", "0,10,10", "a,b,c"])
def test_bad_values_are_refused_with_the_expected_shape(bad, restore_gc):
    with pytest.raises(ValueError):
        gc_tune(bad)


def test_the_running_process_applied_the_setting():
    """Django's start-up (core.apps) applied GC_THRESHOLDS in this test process too."""
    from django.conf import settings

    assert settings.GC_THRESHOLDS == "7000,10,10"  # the default: the test settings keep it
    assert gc.get_threshold() == (7000, 10, 10)
