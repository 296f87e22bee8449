"""Named random streams, one per source of randomness.

Each stream is spawned from ``numpy.random.SeedSequence(seed, spawn_key=(replication,
crc32(name)))``: a stream's numbers depend only on the seed, the replication and its own
name. Adding a stream never shifts another, and replication *i* of every scenario sees the
same numbers (common random numbers). There is no module-level generator.
"""
from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Stream", "make_stream"]

_CHUNK = 512


class Stream:
    """A buffered source of uniform and exponential variates (drawn in chunks for speed)."""

    __slots__ = ("name", "rng", "_u", "_ui", "_e", "_ei", "_n", "_ni")

    def __init__(self, name: str, rng: np.random.Generator):
        self.name = name
        self.rng = rng
        self._u: list[float] = []
        self._ui = 0
        self._e: list[float] = []
        self._ei = 0
        self._n: list[float] = []
        self._ni = 0

    def uniform(self) -> float:
        """One U(0, 1) variate."""
        if self._ui == len(self._u):
            self._u = self.rng.random(_CHUNK).tolist()
            self._ui = 0
        self._ui += 1
        return self._u[self._ui - 1]

    def exponential(self, mean: float) -> float:
        """One exponential variate with the given mean (0 when the mean is 0)."""
        if mean <= 0.0:
            return 0.0
        if self._ei == len(self._e):
            self._e = self.rng.standard_exponential(_CHUNK).tolist()
            self._ei = 0
        self._ei += 1
        return self._e[self._ei - 1] * mean

    def normal(self) -> float:
        """One standard normal variate."""
        if self._ni == len(self._n):
            self._n = self.rng.standard_normal(_CHUNK).tolist()
            self._ni = 0
        self._ni += 1
        return self._n[self._ni - 1]

    def uniforms(self, n: int) -> list[float]:
        """``n`` U(0, 1) variates."""
        return [self.uniform() for _ in range(n)]


def make_stream(seed: int, replication: int, name: str) -> Stream:
    """The stream ``name`` of replication ``replication`` under ``seed``."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(int(replication), zlib.crc32(name.encode())))
    return Stream(name, np.random.default_rng(seq))
