"""Fewer and shorter garbage-collection pauses for a long-running process (the bot).

CPython's cyclic garbage collector stops everything while it scans the objects it
tracks. Its oldest generation holds what was loaded at start (modules, the encoder's and
FAISS's wrappers: ~50,000 objects), and a full collection of it took 40-130 ms on the
2-core machine at 1M passages, 7-8 times in 200 questions: each pause lands on one
question (measured with ``gc.callbacks``, December 2026). :func:`settle`, called once
start-up is done (:meth:`index.library.Library.warm_up`):

- collects once, then moves every object alive into the permanent generation
  (``gc.freeze``): start-up objects live as long as the process and are never scanned
  again;
- raises the youngest generation's threshold from 700 to :data:`YOUNG_THRESHOLD`
  allocations, so that a question's short-lived objects mostly die before a collection
  looks at them and fewer survivors are promoted (200 questions then ran 18 young
  collections and 1 middle one instead of ~900, ~80 and 8 full ones).

Cycles are still collected; only their timing changes.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
_settled = False


def settle() -> None:
    """Freeze the objects alive now and raise the young-generation threshold, once per
    process (later calls do nothing: a process that opens libraries again and again,
    such as a test run, collects once)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
