"""What ``microvm_sdk.testing.Stubber`` is made of: the queue, the checks, the answers.

A stubber attaches to a client's runtime (``runtime.stub``), which then hands every call,
once validated and serialized, to :meth:`StubberBase._answer` instead of signing, sending
and retrying it. The answer is an HTTP response written from the queued result (or
error) and parsed by the client's own parser, so a stubbed call runs the same code as a
real one from the caller's arguments to the typed result or error, network excepted.

Everything a stub says is checked against the model when it is queued: the result must
be one the service could send (its output class, required members present, constraints
kept, and unchanged by a trip over the wire); the error fields must be the error's
members; expected parameters must be the operation's input members with valid values.
"""

from __future__ import annotations

import difflib
import threading
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import attrs

from microvm_sdk._core.metadata import EmptyOutput
from microvm_sdk._core.public import public_home
from microvm_sdk._core.validation import Check, Validator

if TYPE_CHECKING:
    from microvm_sdk._base_client import BaseClient
    from microvm_sdk._core.converter import WireConverter
    from microvm_sdk._core.http import HttpRequest, HttpResponse
    from microvm_sdk._core.pipeline import RuntimeCore
    from microvm_sdk._core.protocol import RestJsonProtocol
    from microvm_sdk._core.schema import Member, Operation, ServiceSchema, Shape

__all__ = ["ANY", "InvalidStubError", "StubAssertionError", "StubberBase"]

_HOME = "microvm_sdk.testing"
_REDACTED = "<sensitive>"


@public_home(_HOME)
class StubAssertionError(AssertionError):
    """A stubbed client was called in a way the test did not arrange.

    Raised by the client's call (no response queued, a different method queued next, or
    parameters other than the expected ones) and by
    ``Stubber.assert_no_pending_responses``.
    """


@public_home(_HOME)
class InvalidStubError(ValueError):
    """A stub the real service could not answer with, or that the model does not allow.

    Raised when the stub is queued (``add_response``, ``add_client_error``), never later.
    The message names each member and the rule it breaks.
    """


class _AnyValue:
    """Equal to every value: an expected parameter whose value does not matter."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "ANY"


#: An expected parameter that matches any value (``expected_params={"client_token": ANY}``).
ANY: Final[Any] = _AnyValue()


@attrs.frozen(kw_only=True)
class _Queued:
    """One queued answer."""

    method_name: str
    operation: Operation
    response: HttpResponse
    expected: Mapping[str, Any] | None


class _ResultValidator(Validator):
    """Checks results: a union member this SDK does not know is something a service sends."""

    def _union(self, shape: Shape) -> Check:
        check = super()._union(shape)
        unknown = shape.unknown_cls
        if unknown is None:
            return check

        def check_result(value: Any, path: str, out: list[str], sensitive: bool) -> None:
            if not isinstance(value, unknown):
                check(value, path, out, sensitive)

        return check_result


class StubberBase:
    """The service-independent part of ``Stubber``; see ``microvm_sdk.testing``.

    Args:
        client: A ``Client`` or an ``AsyncClient``; nothing is sent while the stubber is
            active.
    """

    def __init__(self, client: BaseClient[Any, Any, Any]) -> None:
        self._client = client
        self._queue: deque[_Queued] = deque()
        self._lock = threading.Lock()
        self._active = False

    # -- life cycle -------------------------------------------------------------------

    def activate(self) -> None:
        """Answer the client's calls from the queue from now on (``with`` does this).

        Raises:
            StubAssertionError: Another stubber is active on the same client.
        """
        runtime = self._runtime
        if runtime.stub is not None and runtime.stub is not self:
            raise StubAssertionError("another Stubber is already active on this client")
        runtime.stub = self
        self._active = True

    def deactivate(self) -> None:
        """Stop answering the client's calls: they go to the network again."""
        runtime = self._runtime
        if runtime.stub is self:
            runtime.stub = None
        self._active = False

    def __enter__(self) -> Self:
        self.activate()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.deactivate()

    def assert_no_pending_responses(self) -> None:
        """Check that every queued response was used.

        Raises:
            StubAssertionError: Responses are left; the message lists their methods.
        """
        with self._lock:
            pending = [queued.method_name for queued in self._queue]
        if pending:
            raise StubAssertionError(
                f"{len(pending)} queued response(s) not used: {', '.join(pending)}"
            )

    # -- queueing ---------------------------------------------------------------------

    def _add_response(self, method_name: str, result: Any, expected_params: Any) -> None:
        from microvm_sdk.testing._responses import result_response

        operation = self._operation(method_name)
        converter, protocol = self._codec()
        expected = self._expected(operation, expected_params)
        schema = self._runtime.schema
        output = schema.shapes[operation.output] if operation.output else None
        if output is None:
            if isinstance(result, EmptyOutput):
                result = None  # what the call returns; its metadata is the stub's own
            if result is not None:
                raise InvalidStubError(
                    f"{method_name}: the operation has no output; stub it with None or "
                    f"EmptyOutput(), got {type(result).__name__}"
                )
        else:
            problems = _ResultValidator(schema).problems(result, output.name)
            if problems:
                raise InvalidStubError(
                    f"{method_name}: the service could not send this result:\n  "
                    + "\n  ".join(problems)
                )
        try:
            response = result_response(schema, converter, operation, result)
            parsed = protocol.parse(operation, response, output.cls if output else None)
        except Exception as exc:  # a value the wire cannot carry
            raise InvalidStubError(f"{method_name}: the result cannot be sent: {exc}") from None
        if output is not None and converter.to_wire(parsed) != converter.to_wire(result):
            raise InvalidStubError(  # pragma: no cover - a gap in the response writer
                f"{method_name}: the result does not survive the wire: it would arrive as "
                f"{parsed!r}"
            )
        self._push(
            _Queued(
                method_name=method_name, operation=operation, response=response, expected=expected
            )
        )

    def _add_client_error(
        self,
        method_name: str,
        service_error_code: str,
        service_message: str,
        http_status_code: int | None,
        *,
        service_error_meta: Mapping[str, Any] | None,
        expected_params: Any,
        response_meta: Mapping[str, Any] | None,
        modeled_fields: Mapping[str, Any] | None,
    ) -> None:
        from microvm_sdk.testing._responses import error_response

        operation = self._operation(method_name)
        converter, protocol = self._codec()
        expected = self._expected(operation, expected_params)
        schema = self._runtime.schema
        shape = schema.shapes.get(service_error_code)
        error_info = shape.error if shape is not None else None
        fields = dict(modeled_fields or {})
        where = f"{method_name}: {service_error_code or 'the error'}"
        if error_info is None:
            if fields:
                raise InvalidStubError(
                    f"{where} is not an error of the model, so it has no modeled_fields; "
                    "use service_error_meta for members of the error body"
                )
            status = 400 if http_status_code is None else http_status_code
        else:
            assert shape is not None
            status = error_info.http_status if http_status_code is None else http_status_code
            if status != error_info.http_status:
                raise InvalidStubError(
                    f"{where}: the service sends it with HTTP {error_info.http_status}, "
                    f"not {status}"
                )
            self._check_error_fields(where, shape, service_message, fields)
        if not 400 <= status <= 599:
            raise InvalidStubError(f"{where}: http_status_code must be 400-599, got {status}")
        headers = _response_headers(where, response_meta)
        try:
            response = error_response(
                schema,
                converter,
                code=service_error_code,
                status=status,
                message=service_message,
                fields=fields,
                extra_body=dict(service_error_meta or {}),
                headers=headers,
            )
            protocol.error(response)
        except Exception as exc:
            raise InvalidStubError(f"{where}: the error cannot be sent: {exc}") from None
        self._push(
            _Queued(
                method_name=method_name, operation=operation, response=response, expected=expected
            )
        )

    def _check_error_fields(
        self, where: str, shape: Shape, message: str, fields: Mapping[str, Any]
    ) -> None:
        assert shape.cls is not None
        names = {m.name for m in shape.members if m.name != "message"}
        unknown = [name for name in fields if name not in names]
        if unknown:
            raise InvalidStubError(
                f"{where}: not members of the error: {', '.join(map(repr, unknown))}"
                f" ({_members_hint(shape, unknown, skip='message')})"
            )
        error = shape.cls(message, **fields)
        problems = Validator(self._runtime.schema).problems(error, shape.name)
        if problems:
            raise InvalidStubError(
                f"{where}: the service could not send this error:\n  " + "\n  ".join(problems)
            )

    def _expected(self, operation: Operation, expected_params: Any) -> Mapping[str, Any] | None:
        """Check ``expected_params`` against the operation's input; return them by name."""
        if expected_params is None:
            return None
        schema = self._runtime.schema
        where = f"{operation.python_name}: expected_params"
        if operation.input is None:
            if expected_params:
                raise InvalidStubError(f"{where}: the operation takes no parameters")
            return {}
        shape = schema.shapes[operation.input]
        assert shape.cls is not None
        if isinstance(expected_params, shape.cls):
            given = {m.name: getattr(expected_params, m.name) for m in shape.members}
            given = {name: value for name, value in given.items() if value is not None}
        elif isinstance(expected_params, Mapping):
            given = dict(expected_params)
        else:
            raise InvalidStubError(
                f"{where} must be a {shape.cls.__name__} or a mapping of parameter names to "
                f"values, got {type(expected_params).__name__}"
            )
        names = {m.name for m in shape.members}
        unknown = [key for key in given if key not in names]
        if unknown:
            raise InvalidStubError(
                f"{where}: not parameters of {operation.python_name}: "
                f"{', '.join(map(repr, unknown))} ({_members_hint(shape, unknown)})"
            )
        probe = shape.cls(
            **{
                m.name: None if given.get(m.name) is ANY else given.get(m.name)
                for m in shape.members
            }
        )
        problems = [
            problem
            for problem in Validator(schema).problems(probe, shape.name)
            if not _is_missing(problem, given, shape)
        ]
        if problems:
            raise InvalidStubError(
                f"{where} break the model (use ANY for a parameter whose value does not "
                "matter):\n  " + "\n  ".join(problems)
            )
        return given

    def _push(self, queued: _Queued) -> None:
        with self._lock:
            self._queue.append(queued)

    # -- answering (called by the client's runtime) -----------------------------------

    def _answer(self, operation: Operation, params: Any, request: HttpRequest) -> HttpResponse:
        """The queued response to a call, after checking it is the call expected.

        Args:
            operation: The operation called.
            params: Its typed input as the caller built it.
            request: The serialized request (validated; never sent).

        Raises:
            StubAssertionError: The call is not the one expected.
                No response is queued, the next one is for another method, or the
                parameters are not the expected ones. The queue is left as it was.
        """
        with self._lock:
            if not self._queue:
                raise StubAssertionError(
                    f"unexpected call of {operation.python_name}: no response is queued "
                    "(add_response or add_client_error first)"
                )
            queued = self._queue[0]
            if queued.operation.name != operation.name:
                raise StubAssertionError(
                    f"{operation.python_name} was called, but the next queued response is "
                    f"for {queued.method_name}"
                )
            if queued.expected is not None:
                differences = self._differences(operation, queued.expected, params)
                if differences:
                    raise StubAssertionError(
                        f"{operation.python_name} was called with other parameters than "
                        "expected:\n  " + "\n  ".join(differences)
                    )
            self._queue.popleft()
        return queued.response

    def _differences(
        self, operation: Operation, expected: Mapping[str, Any], params: Any
    ) -> list[str]:
        if operation.input is None:
            return []
        schema = self._runtime.schema
        converter, _ = self._codec()
        out = []
        for member in schema.shapes[operation.input].members:
            want = expected.get(member.name)
            got = getattr(params, member.name, None)
            if want is ANY or (want is None and member.idempotency_token):
                continue  # an SDK-made token is compared only when the test names one
            if _wire(converter, member, want) == _wire(converter, member, got):
                continue
            if schema.shapes[member.target].sensitive:
                out.append(f"{member.name}: expected {_REDACTED}, got {_REDACTED}")
            else:
                out.append(f"{member.name}: expected {want!r}, got {got!r}")
        return out

    # -- what the client knows ---------------------------------------------------------

    @property
    def _runtime(self) -> RuntimeCore:
        runtime: RuntimeCore = self._client._runtime
        return runtime

    def _codec(self) -> tuple[WireConverter, RestJsonProtocol]:
        from microvm_sdk._core.pipeline import codec_for

        converter, _, protocol = codec_for(self._runtime.schema)
        return converter, protocol

    def _operation(self, method_name: str) -> Operation:
        schema: ServiceSchema = self._runtime.schema
        for operation in schema.operations.values():
            if operation.python_name == method_name:
                return operation
        names = sorted(op.python_name for op in schema.operations.values())
        by_model = {op.name: op.python_name for op in schema.operations.values()}
        hint = by_model.get(str(method_name)) or next(
            iter(difflib.get_close_matches(str(method_name), names, n=1)), None
        )
        raise InvalidStubError(
            f"{method_name!r} is not a method of the client"
            + (f"; did you mean {hint!r}?" if hint else "")
        )


def _wire(converter: WireConverter, member: Member, value: Any) -> Any:
    """A parameter in its wire form, so that a list equals a tuple and 1.0 equals 1."""
    if value is None:
        return None
    try:
        return converter.value_to_wire(value, member.target)
    except Exception:  # not a value of the member's type: compare it as it is
        return value


def _is_missing(problem: str, given: Mapping[str, Any], shape: Shape) -> bool:
    """A top-level "missing required member" problem for a parameter given as ANY."""
    name, _, rule = problem.partition(": ")
    return rule == "missing required member" and given.get(name) is ANY and "." not in name


def _members_hint(shape: Shape, unknown: list[str], skip: str = "") -> str:
    by_model = {m.model_name: m.name for m in shape.members}
    names = sorted(m.name for m in shape.members if m.name != skip)
    for key in unknown:
        if key in by_model:
            return f"Python names are used: {key!r} is {by_model[key]!r}"
        close = difflib.get_close_matches(key, names, n=1)
        if close:
            return f"did you mean {close[0]!r}?"
    return "members: " + ", ".join(names)


def _response_headers(where: str, response_meta: Mapping[str, Any] | None) -> dict[str, str]:
    """Headers from a boto3-style ``ResponseMetadata`` (``RequestId``, ``HTTPHeaders``)."""
    headers: dict[str, str] = {}
    for key, value in (response_meta or {}).items():
        if key == "RequestId":
            headers["x-amzn-RequestId"] = str(value)
        elif key == "HTTPHeaders" and isinstance(value, Mapping):
            headers.update({str(name): str(text) for name, text in value.items()})
        else:
            raise InvalidStubError(
                f"{where}: response_meta takes 'RequestId' and 'HTTPHeaders', got {key!r}"
            )
    return headers
