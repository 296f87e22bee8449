"""Named random streams, one per source of randomness.

Each stream is spawned from ``numpy.random.SeedSequence(seed, spawn_key=(replication,
crc32(name)))``: a stream's numbers depend only on the seed, the replication and its own
name. Adding a stream never shifts another, and replication *i* of every scenario sees the
same numbers (common random numbers). There is no module-level generator.

A change's own draws (its defect and flaw, what each check finds, its hand-offs, its
incidents, the fixes it spawns) come from a :class:`KeyedStream` keyed by the change's
*lineage* (its arrival number, or the change it fixes plus a count), so that the same
arrival meets the same dice in every scenario however many other changes, fixes and
rollbacks happened before it: common random numbers that do not drift over a year.
"""
from __future__ import annotations

import hashlib
import math
import zlib

import numpy as np

__all__ = ["Stream", "make_stream", "KeyedStream"]

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


_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15


def _splitmix64(z: int) -> int:
    z = (z + _GAMMA) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class KeyedStream:
    """A counter-based stream keyed by ``(seed, replication, *key)``: draw *k* of a key is
    the same number in every run that asks for it, whatever else was drawn before.

    SplitMix64 (Steele, Lea and Flood, 2014) of the key's hash plus a counter: cheap to
    create (one per change and per sub-stream) and statistically sound for simulation.
    :meth:`child` gives an independent stream for one purpose of the same change.
    """

    __slots__ = ("_key", "_n", "_path")

    def __init__(self, seed: int, replication: int, *key: object):
        self._path = (int(seed), int(replication), *key)
        digest = hashlib.blake2b(repr(self._path).encode(), digest_size=8).digest()
        self._key = int.from_bytes(digest, "little")
        self._n = 0

    def child(self, *key: object) -> "KeyedStream":
        """The stream of ``key`` under this one (e.g. a change's incidents, its fixes)."""
        return KeyedStream(*self._path, *key)

    def uniform(self) -> float:
        """One U(0, 1) variate (never exactly 1)."""
        self._n += 1
        return (_splitmix64((self._key + self._n * _GAMMA) & _MASK) >> 11) * (1.0 / (1 << 53))

    def exponential(self, mean: float) -> float:
        """One exponential variate with the given mean (0 when the mean is 0)."""
        if mean <= 0.0:
            return 0.0
        return -mean * math.log1p(-self.uniform())

    def uniforms(self, n: int) -> list[float]:
        """``n`` U(0, 1) variates."""
        return [self.uniform() for _ in range(n)]
