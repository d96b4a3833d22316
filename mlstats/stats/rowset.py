"""Exact duplicate rows in bounded memory: 128-bit row hashes in an open-addressing set.

A row is hashed twice with SipHash-2-4 under two keys (pandas' `hash_array`), giving 128
bits; two different rows collide with probability about n²/2¹²⁹ (below 10⁻²³ for a billion
rows). The set stores 16 bytes per slot in a linear-probing table kept at most three
quarters full; a caller that knows roughly how many rows will come reserves the table once
(so that it never holds an old and a new table at the same time), and a whole batch is
inserted with vectorised probing rounds.
Reference: J.-P. Aumasson, D. J. Bernstein, "SipHash: a fast short-input PRF" (2012);
D. E. Knuth, TAOCP vol. 3, §6.4, algorithm L (linear probing); D. Lemire, "A fast
alternative to the modulo reduction" (2016) for the slot of a hash in a table of any size.
Checked against: pandas `Series.duplicated` (tests/stats/test_clean.py).
"""

from __future__ import annotations

import math

import numpy as np

_KEYS = ("mlstats:clean:k1", "mlstats:clean:k2")  # 16 bytes each, as SipHash needs
_MAX_LOAD = 0.75
_GROWTH = 1.5


def row_hashes(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit SipHash values of each string in an object array."""
    from pandas.util import hash_array

    hi = hash_array(rows, hash_key=_KEYS[0], categorize=False)
    lo = hash_array(rows, hash_key=_KEYS[1], categorize=False)
    # (0, 0) marks an empty slot; the one row hashing there is moved next door.
    lo[(hi == 0) & (lo == 0)] = 1
    return hi, lo


class RowSet:
    """A set of 128-bit hashes; `add` reports which were already present."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._hi = np.zeros(capacity, dtype=np.uint64)
        self._lo = np.zeros(capacity, dtype=np.uint64)
        self.size = 0

    @property
    def nbytes(self) -> int:
        return self._hi.nbytes + self._lo.nbytes

    def reserve(self, count: int) -> None:
        """Make room for `count` keys in all (grows at most once, to exactly what is needed)."""
        needed = math.ceil(count / _MAX_LOAD)
        if needed > self._hi.size:
            self._rebuild(needed)

    def add(self, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
        """Insert each (hi, lo) in order; True where it was present before (earlier included).

        Equal keys follow the same probe sequence, so of several equal keys in one batch the
        first (lowest index) claims the empty slot and the others then find it.
        """
        if self.size + hi.size > _MAX_LOAD * self._hi.size:
            self._rebuild(math.ceil(max(self.size + hi.size, self._hi.size * _MAX_LOAD)
                                    * _GROWTH / _MAX_LOAD))
        capacity = self._hi.size
        seen = np.zeros(hi.size, dtype=bool)
        pending = np.arange(hi.size)
        slots = ((hi >> np.uint64(32)) * np.uint64(capacity) >> np.uint64(32)).astype(np.int64)
        while pending.size:
            th, tl = self._hi[slots], self._lo[slots]
            empty = (th == 0) & (tl == 0)
            same = ~empty & (th == hi[pending]) & (tl == lo[pending])
            seen[pending[same]] = True
            # Sorted by slot, then by row: the first row of each slot claims it.
            key = np.sort(slots[empty] * hi.size + pending[empty])
            claimed, claimants = np.divmod(key, hi.size)
            first = np.ones(claimed.size, dtype=bool)
            first[1:] = claimed[1:] != claimed[:-1]
            winners = claimants[first]
            self._hi[claimed[first]] = hi[winners]
            self._lo[claimed[first]] = lo[winners]
            self.size += winners.size
            # Losers look again at the slot they wanted (now taken); others probe onwards.
            moving = ~empty & ~same
            onward = slots[moving] + 1
            onward[onward == capacity] = 0
            pending = np.concatenate([pending[moving], claimants[~first]])
            slots = np.concatenate([onward, claimed[~first]])
        return seen

    def _rebuild(self, capacity: int) -> None:
        used = (self._hi != 0) | (self._lo != 0)
        hi, lo = self._hi[used], self._lo[used]
        self._hi = self._lo = None  # free the old table before the new one is filled
        self._hi = np.zeros(capacity, dtype=np.uint64)
        self._lo = np.zeros(capacity, dtype=np.uint64)
        self.size = 0
        self.add(hi, lo)
