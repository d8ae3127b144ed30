"""Request parsing and Coral-style validation, driven by the service schema.

Parsing turns the parts of an HTTP request into the parameters the backend receives
(keyed by model member names, values typed). A value of the wrong JSON type cannot be
read at all and fails there, with a ``SerializationException`` as the service's request
deserializer does. Validation then checks every constraint of the model and reports
every violation at once, in the wording AWS services built on Coral use::

    2 validation errors detected: Value null at 'buildRoleArn' failed to satisfy
    constraint: Member must not be null; Value 'bad name!' at 'name' failed to satisfy
    constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+
"""

from __future__ import annotations

import calendar
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_tz
from typing import Any
from urllib.parse import unquote

from microvm_sdk._core.schema import Member, Operation, ServiceSchema, Shape
from microvm_sdk.local._errors import EmulatedError

__all__ = [
    "RequestParser",
    "Validator",
    "compile_pattern",
    "java_hash_order",
    "parse_query",
    "validation_error",
]

_NUMBER_KINDS = frozenset({"integer", "long", "float", "double"})
_INTEGER_KINDS = frozenset({"integer", "long"})
_SIMPLE_KINDS = frozenset({"string", "boolean", "timestamp", "blob", *_NUMBER_KINDS})
_UNICODE_CLASS = re.compile(r"\\p\{(\w{1,2})\}")
# A "\ud800"-style escape: JSON text may spell a lone surrogate, which no UTF-8 can carry.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _serialization_error(message: str) -> EmulatedError:
    # The service's deserializer answers with a capitalised "Message" member.
    error = EmulatedError("SerializationException", 400, message)
    error.fields["Message"] = message
    return error


def _has_lone_surrogate(document: Any) -> bool:
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        return True
    return False


def validation_error(messages: Sequence[str]) -> EmulatedError:
    """Build the ``ValidationException`` that reports ``messages`` together.

    Args:
        messages: One ``Value ... failed to satisfy constraint: ...`` text per violation.

    Returns:
        The error, ready to raise or render.
    """
    count = len(messages)
    noun = "error" if count == 1 else "errors"
    text = f"{count} validation {noun} detected: " + "; ".join(messages)
    return EmulatedError("ValidationException", 400, text)


# --- patterns -------------------------------------------------------------------------


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    r"""Compile a model (Java) regular expression into a whole-string matcher.

    The service matches the whole value, as Java's ``Matcher.matches`` does. Python's
    ``re`` has no ``\\p{L}`` style Unicode classes; they are translated: every non-ASCII
    character of a referenced category is replaced, in the value, by a private marker
    character that the rewritten class accepts. ASCII characters are matched as written.

    Args:
        pattern: The model's pattern.

    Returns:
        A function telling whether a value satisfies the pattern.
    """
    tokens = list(dict.fromkeys(_UNICODE_CLASS.findall(pattern)))
    if not tokens:
        compiled = re.compile(pattern, re.DOTALL)
        return lambda value: compiled.fullmatch(value) is not None

    markers = {token: chr(0xF0000 + index) for index, token in enumerate(tokens)}

    def ascii_members(token: str) -> str:
        chars = [
            chr(code) for code in range(128) if unicodedata.category(chr(code)).startswith(token)
        ]
        return "".join(re.escape(c) for c in chars)

    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        body = ascii_members(token) + markers[token]
        start = match.start()
        # Inside a character class the members go in as they are, outside as a class.
        in_class = pattern.rfind("[", 0, start) > pattern.rfind("]", 0, start)
        return body if in_class else f"[{body}]"

    compiled = re.compile(_UNICODE_CLASS.sub(replace, pattern), re.DOTALL)
    marker_set = frozenset(markers.values())

    def translate(value: str) -> str:
        if value.isascii():
            return value
        out: list[str] = []
        for char in value:
            if char.isascii():
                out.append(char)
                continue
            if char in marker_set:
                out.append("\uffff")
                continue
            category = unicodedata.category(char)
            for token in tokens:
                if category.startswith(token):
                    out.append(markers[token])
                    break
            else:
                out.append(char)
        return "".join(out)

    return lambda value: compiled.fullmatch(translate(value)) is not None


# --- member order ---------------------------------------------------------------------


def _java_string_hash(text: str) -> int:
    value = 0
    data = text.encode("utf-16-be")
    for index in range(0, len(data), 2):
        value = (31 * value + ((data[index] << 8) | data[index + 1])) & 0xFFFFFFFF
    return value


def java_hash_order(names: Sequence[str]) -> list[str]:
    """Order names as a Java ``HashMap`` built from them (in this order) iterates them.

    The service reports the violations of a structure's members in this order: it
    reproduces the recorded ``baseImageArn, codeArtifact, buildRoleArn`` sequence of
    missing members of CreateMicrovmImage.

    Args:
        names: The names, in insertion order.

    Returns:
        The names in iteration order.
    """
    capacity = 16
    while len(names) > capacity * 0.75:
        capacity *= 2
    mask = capacity - 1

    def bucket(name: str) -> int:
        code = _java_string_hash(name)
        return (code ^ (code >> 16)) & mask

    order = {name: index for index, name in enumerate(names)}
    return sorted(names, key=lambda name: (bucket(name), order[name]))


# --- value rendering ------------------------------------------------------------------


def _java_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e7:
            return f"{value:.1f}"
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _bound(value: float, kind: str) -> str:
    if kind in _INTEGER_KINDS or kind in ("string", "list", "map", "blob"):
        return str(int(value))
    return _java_text(float(value))


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


# --- parsing --------------------------------------------------------------------------


def parse_query(raw_query: str) -> dict[str, list[str]]:
    """Split a raw query string into decoded values by decoded key (``+`` stays ``+``)."""
    values: dict[str, list[str]] = {}
    if not raw_query:
        return values
    for item in raw_query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        values.setdefault(unquote(key), []).append(unquote(value))
    return values


def _parse_timestamp_text(text: str) -> float | None:
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        http = parsedate_tz(text)
        if http is None:
            return None
        return float(calendar.timegm(http[:9]) - (http[9] or 0))
    if parsed.tzinfo is None:
        return float(calendar.timegm(parsed.timetuple())) + parsed.microsecond / 1e6
    return parsed.timestamp()


class RequestParser:
    """Read an operation's input from the parts of an HTTP request."""

    def __init__(self, schema: ServiceSchema) -> None:
        self._schema = schema
        self._body_members: dict[str, tuple[Member, ...]] = {}

    def _shape(self, name: str) -> Shape:
        return self._schema.shapes[name]

    def has_body(self, operation: Operation) -> bool:
        """Tell whether the operation's input has members in the JSON body."""
        return bool(self._members_in(operation, "body"))

    def _members_in(self, operation: Operation, location: str) -> tuple[Member, ...]:
        key = f"{operation.name}:{location}"
        members = self._body_members.get(key)
        if members is None:
            members = ()
            if operation.input is not None:
                shape = self._shape(operation.input)
                members = tuple(m for m in shape.members if m.location == location)
            self._body_members[key] = members
        return members

    def parse(
        self,
        operation: Operation,
        labels: Mapping[str, str],
        raw_query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        """Return the operation's parameters keyed by model member name.

        Args:
            operation: The matched operation.
            labels: Percent-decoded URI label values by label name.
            raw_query: The raw query string.
            headers: Request headers, lower-case names.
            body: The request body.

        Returns:
            The parameters: labels and query values converted to their types, JSON body
            members as decoded JSON (timestamps as epoch seconds). Absent members and
            JSON nulls are left out.

        Raises:
            EmulatedError: ``SerializationException`` when a value cannot be read.
        """
        params: dict[str, Any] = {}
        if operation.input is None:
            return params
        shape = self._shape(operation.input)
        query: dict[str, list[str]] | None = None
        for member in shape.members:
            location = member.location
            if location == "uri":
                if member.wire_name in labels:
                    params[member.model_name] = self._from_text(labels[member.wire_name], member)
            elif location == "querystring":
                if query is None:
                    query = parse_query(raw_query)
                self._read_query(member, query, params, shape)
            elif location == "header":
                text = headers.get(member.wire_name.lower())
                if text is not None:
                    target = self._shape(member.target)
                    if target.kind == "list":
                        item = self._member_for_text(target.member or "String", member)
                        params[member.model_name] = [
                            self._from_text(part.strip(), item) for part in text.split(",")
                        ]
                    else:
                        params[member.model_name] = self._from_text(text, member)
        if self.has_body(operation):
            document = self._decode_body(body)
            for member in self._members_in(operation, "body"):
                if member.wire_name in document and document[member.wire_name] is not None:
                    params[member.model_name] = self._json_value(
                        self._shape(member.target),
                        document[member.wire_name],
                        _lower_first(member.model_name),
                    )
        return params

    def _read_query(
        self,
        member: Member,
        query: Mapping[str, list[str]],
        params: dict[str, Any],
        shape: Shape,
    ) -> None:
        target = self._shape(member.target)
        if target.kind == "map":
            bound = {m.wire_name for m in shape.members if m.location == "querystring"}
            value_shape = self._shape(target.value or "String")
            entries = {k: v for k, v in query.items() if k not in bound}
            if entries:
                if value_shape.kind == "list":
                    params[member.model_name] = dict(entries)
                else:
                    params[member.model_name] = {k: v[0] for k, v in entries.items()}
            return
        values = query.get(member.wire_name)
        if values is None:
            return
        if target.kind == "list":
            item = self._member_for_text(target.member or "String", member)
            params[member.model_name] = [self._from_text(v, item) for v in values]
        else:
            params[member.model_name] = self._from_text(values[0], member)

    @staticmethod
    def _member_for_text(target: str, parent: Member) -> Member:
        return Member(
            name=parent.name,
            model_name=parent.model_name,
            wire_name=parent.wire_name,
            target=target,
            location=parent.location,
        )

    def _from_text(self, text: str, member: Member) -> Any:
        kind = self._shape(member.target).kind
        if kind == "string":
            return text
        if kind in _INTEGER_KINDS:
            try:
                return int(text.strip())
            except ValueError:
                raise _serialization_error(
                    f"Value '{text}' at '{_lower_first(member.model_name)}' "
                    "could not be read as an integer"
                ) from None
        if kind in ("float", "double"):
            try:
                return float(text)
            except ValueError:
                raise _serialization_error(
                    f"Value '{text}' at '{_lower_first(member.model_name)}' "
                    "could not be read as a number"
                ) from None
        if kind == "boolean":
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            raise _serialization_error(
                f"Value '{text}' at '{_lower_first(member.model_name)}' "
                "could not be read as a boolean"
            )
        if kind == "timestamp":
            parsed = _parse_timestamp_text(text)
            if parsed is None:
                raise _serialization_error(
                    f"Value '{text}' at '{_lower_first(member.model_name)}' "
                    "could not be read as a timestamp"
                )
            return parsed
        return text

    @staticmethod
    def _decode_body(body: bytes) -> dict[str, Any]:
        if not body.strip():
            return {}
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _serialization_error(f"Could not parse the request body as JSON: {exc}") from None
        except RecursionError:
            # Over-deep nesting (100,000 "["): a client error, not a crash.
            raise _serialization_error(
                "Could not parse the request body as JSON: it is nested too deeply"
            ) from None
        if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(document):
            raise _serialization_error(
                "Could not parse the request body as JSON: a string holds an unpaired "
                "UTF-16 surrogate escape"
            )
        if not isinstance(document, dict):
            raise _serialization_error("Expected a JSON object as the request body")
        return document

    def _json_value(self, shape: Shape, value: Any, path: str) -> Any:
        kind = shape.kind
        if kind == "string":
            if isinstance(value, str):
                return value
            return self._type_error(path, "a string", value)
        if kind in _INTEGER_KINDS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return self._type_error(path, "an integer", value)
            if isinstance(value, float):
                if not value.is_integer():
                    return self._type_error(path, "an integer", value)
                return int(value)
            return value
        if kind in ("float", "double"):
            if isinstance(value, bool):
                return self._type_error(path, "a number", value)
            if isinstance(value, int | float):
                return value
            if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
                return float(value)
            return self._type_error(path, "a number", value)
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            return self._type_error(path, "a boolean", value)
        if kind == "timestamp":
            if isinstance(value, bool):
                return self._type_error(path, "a timestamp", value)
            if isinstance(value, int | float):
                return float(value)
            if isinstance(value, str):
                parsed = _parse_timestamp_text(value)
                if parsed is not None:
                    return parsed
            return self._type_error(path, "a timestamp", value)
        if kind == "blob":
            if isinstance(value, str):
                return value
            return self._type_error(path, "a base64 string", value)
        if kind == "list":
            if not isinstance(value, list):
                return self._type_error(path, "a list", value)
            item = self._shape(shape.member or "String")
            return [
                None if v is None else self._json_value(item, v, f"{path}.{i}.member")
                for i, v in enumerate(value, start=1)
            ]
        if kind == "map":
            if not isinstance(value, dict):
                return self._type_error(path, "a map", value)
            item = self._shape(shape.value or "String")
            return {
                k: None if v is None else self._json_value(item, v, f"{path}.{k}")
                for k, v in value.items()
            }
        # structure or union
        if not isinstance(value, dict):
            if not shape.members:
                raise _serialization_error("Expected null")
            return self._type_error(path, "an object", value)
        out: dict[str, Any] = {}
        for member in shape.members:
            if member.wire_name in value and value[member.wire_name] is not None:
                out[member.wire_name] = self._json_value(
                    self._shape(member.target),
                    value[member.wire_name],
                    f"{path}.{_lower_first(member.model_name)}",
                )
        return out

    @staticmethod
    def _type_error(path: str, expected: str, value: Any) -> Any:
        got = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(
            type(value), "an object" if isinstance(value, dict) else "a list"
        )
        raise _serialization_error(f"Expected {expected} at '{path}' but found {got}")


# --- validation -----------------------------------------------------------------------


class Validator:
    """Check parameters against the constraints of the model, Coral style."""

    def __init__(self, schema: ServiceSchema) -> None:
        self._schema = schema
        self._patterns: dict[str, Callable[[str], bool]] = {}
        self._sensitive: dict[str, bool] = {}
        self._order: dict[str, tuple[tuple[Member, str], ...]] = {}

    def _shape(self, name: str) -> Shape:
        return self._schema.shapes[name]

    def validate(self, shape_name: str | None, params: Mapping[str, Any]) -> list[str]:
        """Return one message per violated constraint (empty when the input is valid).

        Args:
            shape_name: The input shape of the operation.
            params: The parameters, keyed by model member name.

        Returns:
            The messages, in the order the service reports them.
        """
        errors: list[str] = []
        if shape_name is not None:
            self._structure(self._shape(shape_name), params, "", errors, top=True)
        return errors

    # ordering and rendering

    def _members(self, shape: Shape) -> tuple[tuple[Member, str], ...]:
        ordered = self._order.get(shape.name)
        if ordered is None:
            paths = {_lower_first(m.model_name): m for m in shape.members}
            ordered = tuple((paths[p], p) for p in java_hash_order(list(paths)))
            self._order[shape.name] = ordered
        return ordered

    def _is_sensitive(self, shape: Shape) -> bool:
        known = self._sensitive.get(shape.name)
        if known is not None:
            return known
        self._sensitive[shape.name] = False  # guards recursion
        result = shape.sensitive
        if not result:
            children = [shape.member, shape.key, shape.value, *(m.target for m in shape.members)]
            result = any(self._is_sensitive(self._shape(c)) for c in children if c)
        self._sensitive[shape.name] = result
        return result

    def _value_text(self, shape: Shape, value: Any) -> str:
        if value is None:
            return "Value null"
        if self._is_sensitive(shape):
            return "Value"
        return f"Value '{_java_text(value)}'"

    def _fail(self, errors: list[str], shape: Shape, value: Any, path: str, rule: str) -> None:
        errors.append(
            f"{self._value_text(shape, value)} at '{path}' failed to satisfy constraint: {rule}"
        )

    def _matcher(self, shape: Shape) -> Callable[[str], bool]:
        matcher = self._patterns.get(shape.name)
        if matcher is None:
            matcher = self._patterns[shape.name] = compile_pattern(shape.pattern or "")
        return matcher

    # constraints of simple shapes

    def _rules(self, shape: Shape) -> list[str]:
        """Every constraint a simple shape declares, in the service's order."""
        rules: list[str] = []
        noun = "length" if shape.kind == "string" else "value"
        if shape.kind in ("string", *_NUMBER_KINDS):
            if shape.max is not None:
                rules.append(
                    f"Member must have {noun} less than or equal to {_bound(shape.max, shape.kind)}"
                )
            if shape.min is not None:
                rules.append(
                    f"Member must have {noun} greater than or equal to "
                    f"{_bound(shape.min, shape.kind)}"
                )
        if shape.kind == "string" and shape.pattern:
            rules.append(f"Member must satisfy regular expression pattern: {shape.pattern}")
        if shape.enum:
            rules.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        return rules

    def _broken_rules(self, shape: Shape, value: Any) -> list[str]:
        """The constraints of a simple shape that ``value`` breaks."""
        broken: list[str] = []
        kind = shape.kind
        if kind == "string" and isinstance(value, str):
            if shape.max is not None and len(value) > shape.max:
                broken.append(
                    f"Member must have length less than or equal to {_bound(shape.max, kind)}"
                )
            if shape.min is not None and len(value) < shape.min:
                broken.append(
                    f"Member must have length greater than or equal to {_bound(shape.min, kind)}"
                )
            if shape.pattern and not self._matcher(shape)(value):
                broken.append(f"Member must satisfy regular expression pattern: {shape.pattern}")
            if shape.enum and value not in shape.enum:
                broken.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        elif kind in _NUMBER_KINDS and isinstance(value, int | float):
            if isinstance(value, float) and math.isnan(value):
                return broken
            if shape.max is not None and value > shape.max:
                broken.append(
                    f"Member must have value less than or equal to {_bound(shape.max, kind)}"
                )
            if shape.min is not None and value < shape.min:
                broken.append(
                    f"Member must have value greater than or equal to {_bound(shape.min, kind)}"
                )
        return broken

    # traversal

    def _structure(
        self,
        shape: Shape,
        value: Mapping[str, Any],
        prefix: str,
        errors: list[str],
        *,
        top: bool = False,
    ) -> None:
        for member, name in self._members(shape):
            key = member.model_name if top else member.wire_name
            item = value.get(key)
            path = f"{prefix}.{name}" if prefix else name
            target = self._shape(member.target)
            if item is None:
                if member.required:
                    self._fail(errors, target, None, path, "Member must not be null")
                continue
            self._value(target, item, path, errors)

    def _value(self, shape: Shape, value: Any, path: str, errors: list[str]) -> None:
        kind = shape.kind
        if kind in _SIMPLE_KINDS:
            for rule in self._broken_rules(shape, value):
                self._fail(errors, shape, value, path, rule)
        elif kind == "list":
            self._list(shape, value, path, errors)
        elif kind == "map":
            self._map(shape, value, path, errors)
        elif kind == "union":
            present = [m for m in shape.members if value.get(m.wire_name) is not None]
            if len(present) != 1:
                self._fail(errors, shape, value, path, "Member must have exactly one member set")
                return
            member = present[0]
            self._value(
                self._shape(member.target),
                value[member.wire_name],
                f"{path}.{_lower_first(member.model_name)}",
                errors,
            )
        elif kind == "structure":
            self._structure(shape, value, path, errors)

    def _size_rules(self, shape: Shape, size: int) -> list[str]:
        broken: list[str] = []
        if shape.max is not None and size > shape.max:
            broken.append(
                f"Member must have length less than or equal to {_bound(shape.max, 'list')}"
            )
        if shape.min is not None and size < shape.min:
            broken.append(
                f"Member must have length greater than or equal to {_bound(shape.min, 'list')}"
            )
        return broken

    def _list(self, shape: Shape, value: list[Any], path: str, errors: list[str]) -> None:
        for rule in self._size_rules(shape, len(value)):
            self._fail(errors, shape, value, path, rule)
        item_shape = self._shape(shape.member or "String")
        if item_shape.kind in _SIMPLE_KINDS:
            if any(v is None or self._broken_rules(item_shape, v) for v in value):
                rules = [*self._rules(item_shape), "Member must not be null"]
                self._fail(
                    errors,
                    shape,
                    value,
                    path,
                    f"Member must satisfy constraint: [{', '.join(rules)}]",
                )
            return
        for index, item in enumerate(value, start=1):
            item_path = f"{path}.{index}.member"
            if item is None:
                self._fail(errors, item_shape, None, item_path, "Member must not be null")
            else:
                self._value(item_shape, item, item_path, errors)

    def _map(self, shape: Shape, value: dict[str, Any], path: str, errors: list[str]) -> None:
        for rule in self._size_rules(shape, len(value)):
            self._fail(errors, shape, value, path, rule)
        key_shape = self._shape(shape.key or "String")
        if any(self._broken_rules(key_shape, k) for k in value):
            rules = ", ".join(self._rules(key_shape))
            self._fail(errors, shape, value, path, f"Map keys must satisfy constraint: [{rules}]")
        value_shape = self._shape(shape.value or "String")
        if value_shape.kind in _SIMPLE_KINDS:
            if any(v is None or self._broken_rules(value_shape, v) for v in value.values()):
                rules = ", ".join([*self._rules(value_shape), "Member must not be null"])
                self._fail(
                    errors, shape, value, path, f"Map value must satisfy constraint: [{rules}]"
                )
            return
        for key, item in value.items():
            item_path = f"{path}.{key}"
            if item is None:
                self._fail(errors, value_shape, None, item_path, "Member must not be null")
            else:
                self._value(value_shape, item, item_path, errors)
