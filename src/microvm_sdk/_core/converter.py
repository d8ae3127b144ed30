"""Wire <-> object conversion for one service schema: fast functions, cattrs as the rules.

:class:`WireConverter` is what the protocol, the Stubber and the CLI use. Calls go to
the per-shape functions of :mod:`microvm_sdk._core.shape_functions` (built from the
schema on first use, without cattrs); whatever those decline or cannot read as they are
goes to :class:`~microvm_sdk._core.cattrs_converter.CattrsConverter`, the reference,
which is built (importing cattrs) the first time it is needed. That is error correction
of a response the service got wrong, an input built from a dict of parameters, and
values the functions do not cover. Both give the same results: the functions raise
instead of guessing, and tests compare the two over every shape of the model.

So an ordinary call neither imports cattrs nor compiles anything (decision 0033).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from microvm_sdk._core import forks
from microvm_sdk._core.schema import ServiceSchema, Shape
from microvm_sdk._core.shape_functions import ShapeFunctions
from microvm_sdk._core.wire_values import member_key

if TYPE_CHECKING:
    from microvm_sdk._core.cattrs_converter import CattrsConverter

__all__ = ["WireConverter", "member_key"]

T = TypeVar("T")


class WireConverter:
    """Convert model objects to wire dicts and back, for one service schema."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self._functions = ShapeFunctions(schema)
        self._reference: CattrsConverter | None = None

    @property
    def reference(self) -> CattrsConverter:
        """The cattrs converter that holds the rules, built on first use."""
        found = self._reference
        if found is None:
            with forks.loading():
                from microvm_sdk._core.cattrs_converter import CattrsConverter

                found = self._reference = CattrsConverter(self.schema)
        return found

    def to_wire(self, obj: Any) -> dict[str, Any]:
        """Return the wire dict (JSON-ready) of a model object's body members.

        Members of an input bound outside the body (URI, query, headers) are left out;
        those of an output (headers, status code) are included under their model names.
        """
        write = self._functions.writer(obj.__class__)
        if write is not None:
            try:
                result: dict[str, Any] = write(obj)
                return result
            except Exception:  # the reference decides (and raises)
                pass
        return self.reference.to_wire(obj)

    def value_to_wire(self, value: Any, target: str | None = None) -> Any:
        """Return the wire form of any model value (object, enum, list, timestamp, ...).

        ``target`` names the value's shape, for values that need it (a timestamp with a
        format of its own, a document).
        """
        can, write = self._functions.value_writer(target) if target else (False, None)
        if can:
            if write is None:
                return value
            try:
                return write(value)
            except Exception:  # the reference decides (and raises)
                pass
        return self.reference.value_to_wire(value, target)

    def from_wire(self, data: Any, cls: type[T]) -> T:
        """Read a wire dict into ``cls``, correcting what the service got wrong.

        Raises:
            DeserializationError: The data cannot be read even after error correction.
        """
        read = self._functions.reader(cls)
        if read is not None:
            try:
                result: T = read(data, None)
                return result
            except Exception:  # the reference corrects, or raises
                pass
        return self.reference.from_wire(data, cls)

    def input_from_params(self, params: Mapping[str, Any], shape: Shape) -> Any:
        """Build the input object of ``shape`` from a dict keyed by model member names.

        Strict (no error correction): a value of the wrong type or an unknown key raises
        ``ParamValidationError``. Missing required members are left ``None`` for the
        validator to report with the others.
        """
        return self.reference.input_from_params(params, shape)

    def value_from_wire(self, data: Any, target: str) -> Any:
        """Read a wire value of the shape named ``target`` (scalars, lists, maps, classes)."""
        # Lists and maps read here are plain lists and dicts: the reference's rule.
        if self.schema.shapes[target].kind not in ("list", "map"):
            read = self._functions.value_reader(target)
            if read is not None:
                try:
                    return read(data, None)
                except Exception:  # the reference decides (and raises)
                    pass
        return self.reference.value_from_wire(data, target)
