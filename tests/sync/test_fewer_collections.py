"""While a pass runs, young garbage collections come less often; after it, as before."""

from __future__ import annotations

import gc

from sf_social.sync.passes import YOUNG_COLLECTION_EVERY, fewer_collections


def test_passes_raise_the_young_threshold_and_the_last_one_out_restores_it() -> None:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        with fewer_collections():
            assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, 10, 10)
            with fewer_collections():  # import pushes from inside its intake pass
                assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, 10, 10)
            assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_a_higher_threshold_set_by_the_program_is_kept() -> None:
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        with fewer_collections():
            assert gc.get_threshold() == (50_000, 20, 20)
        assert gc.get_threshold() == (50_000, 20, 20)
    finally:
        gc.set_threshold(*before)
