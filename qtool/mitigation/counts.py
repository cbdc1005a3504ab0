"""Measurement histograms ("counts"): parsing, validation, packing, and fidelity.

A histogram maps bit strings to shot counts.  Keys follow Qiskit's convention: the rightmost
character is bit 0 (qubit / clbit 0), spaces between classical registers are dropped, and hex
keys such as ``"0x5"`` (Qiskit's raw result format) need the number of bits from the caller
or from the result header (``memory_slots``).  Internally a histogram is *packed* into
``keys: uint64[m]`` (bit ``i`` of a key = bit ``i`` of the string, so at most 64 bits) sorted
ascending, ``counts: int64[m]`` (all > 0) and ``num_bits`` -- the form the Hamming-space
kernels of :mod:`qtool._ext._qcluster` work on.

Bad input raises :class:`qtool.errors.InputError` that names the file when one is known.
"""
from __future__ import annotations

import json
import numbers
import os
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

import numpy as np

from qtool.errors import InputError

__all__ = ["Counts", "pack_counts", "unpack_counts", "hellinger_fidelity", "load_counts"]

MAX_BITS = 64


@dataclass(frozen=True, eq=False)
class Counts:
    """A validated, packed histogram.

    Attributes
    ----------
    keys : uint64[m], strictly increasing; bit ``i`` of a key is bit ``i`` of the string.
    counts : int64[m], every entry > 0.
    num_bits : width of the bit strings (1..64).
    """

    keys: np.ndarray
    counts: np.ndarray
    num_bits: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], num_bits: int | None = None, *,
                  file: str | None = None) -> "Counts":
        keys, counts, n = pack_counts(data, num_bits, file=file)
        return cls(keys, counts, n)

    @classmethod
    def from_qiskit_result(cls, result: Mapping[str, Any] | str | os.PathLike, index: int = 0,
                           num_bits: int | None = None, *, file: str | None = None
                           ) -> "Counts":
        """The histogram of experiment ``index`` of a Qiskit result (a dict, as from
        ``Result.to_dict()``, or the path of its JSON file; ``file`` names a dict's source in
        errors)."""
        if not isinstance(result, Mapping):
            file = os.fspath(result)
            result = _read_json(file, "Qiskit result JSON")
        try:
            exp = result["results"][index]
            data = exp["data"]["counts"]
        except (KeyError, IndexError, TypeError):
            raise InputError(f"no results[{index}].data.counts in the Qiskit result",
                             file=file) from None
        if num_bits is None:
            header = exp.get("header") or {}
            if isinstance(header.get("memory_slots"), int):
                num_bits = header["memory_slots"]
            elif isinstance(header.get("creg_sizes"), list):
                try:
                    num_bits = sum(int(size) for _, size in header["creg_sizes"])
                except (TypeError, ValueError):
                    num_bits = None
        return cls.from_dict(data, num_bits, file=file)

    @property
    def shots(self) -> int:
        return int(self.counts.sum())

    def to_dict(self) -> dict[str, int]:
        return unpack_counts(self.keys, self.counts, self.num_bits)

    def probabilities(self) -> dict[str, float]:
        total = self.shots
        return {s: c / total for s, c in self.to_dict().items()}


def _read_json(file: str, what: str):
    try:
        with open(file, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {what}: {exc}", file=file) from None


def load_counts(source: Mapping[str, Any] | str | os.PathLike, num_bits: int | None = None,
                *, index: int = 0) -> Counts:
    """A :class:`Counts` from a counts dict, a Qiskit result dict, or a JSON file of either."""
    if isinstance(source, Counts):
        return source
    if isinstance(source, Mapping):
        if "results" in source:
            return Counts.from_qiskit_result(source, index, num_bits)
        return Counts.from_dict(source, num_bits)
    file = os.fspath(source)
    obj = _read_json(file, "counts JSON")
    if isinstance(obj, Mapping) and "results" in obj:
        return Counts.from_qiskit_result(obj, index, num_bits, file=file)
    if not isinstance(obj, Mapping):
        raise InputError("counts JSON must be an object of bit string -> count", file=file)
    return Counts.from_dict(obj, num_bits, file=file)


def _count_value(value: Any, key: str, file: str | None) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, numbers.Real)):
        raise InputError(f"count of {key!r} is not an integer: {value!r}", file=file)
    if not isinstance(value, numbers.Integral) and not float(value).is_integer():
        raise InputError(f"count of {key!r} is not an integer: {value!r}", file=file)
    value = int(value)
    if value < 0:
        raise InputError(f"count of {key!r} is negative: {value}", file=file)
    return value


def pack_counts(data: Mapping[str, Any], num_bits: int | None = None, *,
                file: str | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate a bit string -> count mapping and pack it to ``(keys, counts, num_bits)``.

    Binary keys must all have the same length (after dropping spaces) and, when given, equal
    ``num_bits``.  Hex keys (``"0x..."``) need ``num_bits`` and must fit in it.  Keys that
    denote the same string have their counts added; zero counts are dropped.  Raises
    :class:`InputError` for an empty histogram or one without shots, a negative or
    non-integer count, differing lengths, or characters other than 0/1.
    """
    if not isinstance(data, Mapping):
        raise InputError("counts must be a mapping of bit string -> count", file=file)
    if not data:
        raise InputError("the counts are empty", file=file)
    if num_bits is not None and not 1 <= num_bits <= MAX_BITS:
        raise InputError(f"num_bits must be 1..{MAX_BITS}, got {num_bits}", file=file)
    width = num_bits
    merged: dict[int, int] = {}
    for raw, value in data.items():
        if not isinstance(raw, str):
            raise InputError(f"bit string {raw!r} is not a string", file=file)
        count = _count_value(value, raw, file)
        text = raw.strip()
        if text[:2].lower() == "0x":
            if num_bits is None:
                raise InputError(f"hex key {raw!r} needs num_bits", file=file)
            try:
                key = int(text[2:], 16)
            except ValueError:
                raise InputError(f"bad hex key {raw!r}", file=file) from None
            if key >> num_bits:
                raise InputError(f"hex key {raw!r} does not fit in {num_bits} bits", file=file)
        else:
            bits = text.replace(" ", "")
            if not bits or bits.strip("01"):
                raise InputError(f"bit string {raw!r} has characters other than 0 and 1",
                                 file=file)
            if width is None:
                width = len(bits)
            if len(bits) != width:
                raise InputError(f"bit string {raw!r} has {len(bits)} bits, expected {width}",
                                 file=file)
            key = int(bits, 2)
        merged[key] = merged.get(key, 0) + count
    if width is None or not 1 <= width <= MAX_BITS:
        raise InputError(f"bit strings must have 1..{MAX_BITS} bits", file=file)
    items = sorted((k, c) for k, c in merged.items() if c > 0)
    if not items:
        raise InputError("the counts hold no shots", file=file)
    keys = np.array([k for k, _ in items], dtype=np.uint64)
    counts = np.array([c for _, c in items], dtype=np.int64)
    return keys, counts, int(width)


def unpack_counts(keys: np.ndarray, values: np.ndarray, num_bits: int) -> dict:
    """``{bit string: value}`` from packed keys (rightmost character = bit 0)."""
    return {format(int(k), f"0{num_bits}b"): (v.item() if hasattr(v, "item") else v)
            for k, v in zip(np.asarray(keys, np.uint64).tolist(), values)}


def hellinger_fidelity(p: Mapping[str, float] | np.ndarray,
                       q: Mapping[str, float] | np.ndarray) -> float:
    """``(sum_x sqrt(p(x) q(x)))**2`` of the two distributions, each normalised first.

    This is the squared Bhattacharyya coefficient, the convention of
    ``qiskit.quantum_info.hellinger_fidelity``.  Takes two dicts (missing keys are 0) or two
    arrays of the same shape.
    """
    if isinstance(p, Mapping) or isinstance(q, Mapping):
        if not (isinstance(p, Mapping) and isinstance(q, Mapping)):
            raise TypeError("hellinger_fidelity needs two dicts or two arrays")
        support = sorted(set(p) | set(q))
        a = np.array([float(p.get(s, 0.0)) for s in support])
        b = np.array([float(q.get(s, 0.0)) for s in support])
    else:
        a = np.asarray(p, dtype=float).ravel()
        b = np.asarray(q, dtype=float).ravel()
        if np.shape(p) != np.shape(q):
            raise ValueError("hellinger_fidelity needs arrays of the same shape")
    if np.any(a < 0) or np.any(b < 0):
        raise ValueError("probabilities must be >= 0")
    sa, sb = a.sum(), b.sum()
    if sa <= 0 or sb <= 0:
        raise ValueError("a distribution has no mass")
    bc = float(np.sqrt(a / sa * (b / sb)).sum())
    return min(bc * bc, 1.0)
