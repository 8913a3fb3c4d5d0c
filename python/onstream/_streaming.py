"""What every streaming object of the facade shares: snapshots, pickling, equality of state.

A facade class wraps one native object in ``self._inner`` (composition, never subclassing) and
inherits :class:`Streaming`, which gives it ``to_bytes()``, ``from_bytes()`` and pickling through
one format: the core's versioned snapshot. A restored object continues bit-for-bit.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, TypeVar

__all__ = ["NativeStreaming", "Streaming"]

S = TypeVar("S", bound="Streaming")


class NativeStreaming(Protocol):
    """The snapshot surface every native streaming class has."""

    def to_bytes(self) -> bytes: ...


class Streaming:
    """Mixin for facade classes that wrap a native streaming object in ``_inner``."""

    _native: ClassVar[Any]
    _inner: Any

    def to_bytes(self) -> bytes:
        """The object's whole state as a versioned snapshot (the format pickle uses too)."""
        data: bytes = self._inner.to_bytes()
        return data

    @classmethod
    def from_bytes(cls: type[S], data: bytes) -> S:
        """Restore an object from :meth:`to_bytes` output.

        Raises :class:`~onstream.SnapshotVersionError` for a format this build cannot read and
        :class:`~onstream.SnapshotError` for bytes that are not a snapshot of this class.
        """
        obj = cls.__new__(cls)
        obj._inner = cls._native.from_bytes(bytes(data))
        return obj

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return (type(self).from_bytes, (self.to_bytes(),))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Streaming)
        return self.to_bytes() == other.to_bytes()

    __hash__ = None  # type: ignore[assignment]  # mutable state: not hashable
