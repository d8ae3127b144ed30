"""Render ``microvm_sdk/testing/_stubber.py``: ``Stubber`` with one overload per method.

The overloads tie each method name (a ``Literal``) to the operation's output class and
input class, so that a type checker rejects a stubbed result of the wrong type, a result
for a method that does not exist, and expected parameters of another operation. The
behaviour is hand-written, in ``microvm_sdk.testing._base.StubberBase``.
"""

from __future__ import annotations

from microvm_sdk_codegen.ir import OperationIR, ServiceIR

_ERROR_ARGS = (
    '        service_error_code: str = "",\n'
    '        service_message: str = "",\n'
    "        http_status_code: int | None = None,\n"
    "        *,\n"
    "        service_error_meta: Mapping[str, object] | None = None,\n"
)
_ERROR_TAIL = (
    "        response_meta: Mapping[str, object] | None = None,\n"
    "        modeled_fields: Mapping[str, object] | None = None,\n"
)


def _expected(op: OperationIR) -> str:
    typed = f"models.{op.input} | " if op.input else ""
    return f"{typed}Mapping[str, object] | None"


def _response_overload(op: OperationIR) -> str:
    result = f"models.{op.output}" if op.output else "models.EmptyOutput | None"
    return (
        "\n    @overload\n"
        "    def add_response(\n"
        "        self,\n"
        f'        method_name: Literal["{op.python_name}"],\n'
        f"        result: {result},\n"
        f"        expected_params: {_expected(op)} = None,\n"
        "    ) -> None: ...\n"
    )


def _error_overload(op: OperationIR) -> str:
    return (
        "\n    @overload\n"
        "    def add_client_error(\n"
        "        self,\n"
        f'        method_name: Literal["{op.python_name}"],\n'
        + _ERROR_ARGS
        + f"        expected_params: {_expected(op)} = None,\n"
        + _ERROR_TAIL
        + "    ) -> None: ...\n"
    )


_CLASS_DOC = '''\
    """Answer a client's calls with queued results and errors, checked against the model.

    For unit tests: while active (``with Stubber(client):``), every call of ``client``
    (a ``Client`` or an ``AsyncClient``) is validated and serialized as usual, then answered
    with the next queued response instead of being signed and sent: nothing touches the
    network, and no credentials are needed. The response is written as the service would
    write it and parsed by the client's own parser, so a call returns what it would
    return from the real service (lists come back as tuples, timestamps in UTC), and a
    queued error raises its typed exception. Stubbed calls are not retried.

    Queue responses in the order the code under test makes its calls. A call that finds
    no response, the next response queued for another method, or parameters other than
    the expected ones raises ``StubAssertionError``; a stub the service could not answer
    with raises ``InvalidStubError`` when it is queued.
    """
'''

_INIT = '''
    def __init__(self, client: Client | AsyncClient) -> None:
        """Prepare to stub ``client``; nothing changes until ``activate()`` (or ``with``).

        Args:
            client: The ``Client`` or ``AsyncClient`` whose calls to answer.
        """
        super().__init__(client)
'''

_ADD_RESPONSE = '''
    def add_response(self, method_name: str, result: Any, expected_params: Any = None) -> None:
        """Queue the result of the next call, which must be of ``method_name``.

        Args:
            method_name: The client method, e.g. ``"get_microvm_image"``.
            result: What the call returns.
                An instance of the method's output class (the type checker knows which),
                or ``None`` for a method without output.
            expected_params: The parameters the call must be made with.
                A mapping of the method's keyword argument names to values (``ANY``
                matches any value; a parameter left out must not be passed), or an
                instance of the method's input class. ``None`` checks nothing.

        Raises:
            InvalidStubError: The result is not one the service could send.
                Another class, a required member missing, a constraint broken; or the
                expected parameters are not the method's, or break the model.
        """
        self._add_response(method_name, result, expected_params)
'''

_ADD_ERROR = '''
    def add_client_error(
        self,
        method_name: str,
        service_error_code: str = "",
        service_message: str = "",
        http_status_code: int | None = None,
        *,
        service_error_meta: Mapping[str, object] | None = None,
        expected_params: Any = None,
        response_meta: Mapping[str, object] | None = None,
        modeled_fields: Mapping[str, object] | None = None,
    ) -> None:
        """Queue an error answer to the next call, which must be of ``method_name``.

        The call raises the exception the client raises for that answer: the modeled
        error's class (``errors.ResourceNotFoundException``) with its fields, or
        ``errors.UnknownServiceError`` for a code the model does not name.

        Args:
            method_name: The client method, e.g. ``"get_microvm_image"``.
            service_error_code: The error code, e.g. ``"ResourceNotFoundException"``.
            service_message: The error message.
            http_status_code: The HTTP status.
                By default the model's status of the error, or 400 for a code the model
                does not name.
            service_error_meta: Further members of the error body, sent as they are.
            expected_params: The parameters the call must be made with.
                As for ``add_response``.
            response_meta: ``{"RequestId": ..., "HTTPHeaders": {...}}``, as boto3's.
                A request id and headers for the response.
            modeled_fields: The error's modeled members by Python name.
                For example ``{"resource_id": "..."}``.

        Raises:
            InvalidStubError: The error is not one the service could send.
                For example a field the error does not have, a status other than the
                model's, or expected parameters that are not the method's.
        """
        self._add_client_error(
            method_name,
            service_error_code,
            service_message,
            http_status_code,
            service_error_meta=service_error_meta,
            expected_params=expected_params,
            response_meta=response_meta,
            modeled_fields=modeled_fields,
        )
'''


def render(service: ServiceIR) -> str:
    """``testing/_stubber.py``: the typed ``Stubber``."""
    operations = list(service.operations.values())
    return (
        '"""The typed ``Stubber``: one ``add_response`` and ``add_client_error`` overload '
        'per method."""\n\n'
        "from __future__ import annotations\n\n"
        "from collections.abc import Mapping\n"
        "from typing import TYPE_CHECKING, Any, Literal, overload\n\n"
        "from microvm_sdk._core.lazy import LazyModule\n"
        "from microvm_sdk._core.public import public_home\n"
        "from microvm_sdk.async_client import AsyncClient\n"
        "from microvm_sdk.client import Client\n"
        "from microvm_sdk.testing._base import StubberBase\n\n"
        "if TYPE_CHECKING:\n"
        "    from microvm_sdk import models\n"
        "else:\n"
        "    # Imported on first use (see docs/decisions/0012-lazy-submodules-and-runtime-\n"
        "    # annotations.md).\n"
        '    models = LazyModule("microvm_sdk.models")\n\n'
        '__all__ = ["Stubber"]\n\n\n'
        '@public_home("microvm_sdk.testing")\n'
        "class Stubber(StubberBase):\n"
        + _CLASS_DOC
        + _INIT
        + "".join(_response_overload(op) for op in operations)
        + _ADD_RESPONSE
        + "".join(_error_overload(op) for op in operations)
        + _ADD_ERROR
    )
