"""Render ``microvm_sdk/errors.py``: the error tree plus one class per modeled error."""

from __future__ import annotations

from microvm_sdk_codegen.docs import docstring
from microvm_sdk_codegen.ir import ServiceIR, ShapeIR
from microvm_sdk_codegen.types import py_type

BASE_NAMES = (
    "ConfigurationError",
    "ConnectTimeoutError",
    "ConnectionError",
    "DeserializationError",
    "MicrovmError",
    "PaginationError",
    "ParamValidationError",
    "ReadTimeoutError",
    "SerializationError",
    "ServiceError",
    "TransportError",
    "UnknownServiceError",
    "WaiterError",
    "WaiterFailureError",
    "WaiterTimeoutError",
)


TREE = """::

    MicrovmError
    ├── ConfigurationError          region, credentials or endpoint cannot be resolved
    ├── ParamValidationError        input breaks a model constraint; nothing was sent
    ├── SerializationError          a value cannot be put on the wire
    ├── DeserializationError        a response cannot be read
    ├── TransportError              the request did not get an HTTP answer
    │   ├── ConnectionError
    │   ├── ConnectTimeoutError
    │   └── ReadTimeoutError
    ├── PaginationError             the service repeated a pagination token
    ├── WaiterError                 a waiter did not reach its success state
    │   ├── WaiterFailureError
    │   └── WaiterTimeoutError
    └── ServiceError                the service answered with an error
        ├── <one class per modeled error, below>
        └── UnknownServiceError     a code the model does not name
"""


def _error(service: ServiceIR, shape: ShapeIR) -> str:
    assert shape.error
    extra = [m for m in shape.members if m.name != "message"]
    lines = [f"\n\nclass {shape.class_name}(ServiceError):\n"]
    doc = shape.doc or f"The service answered ``{shape.error.code}``."
    facts = f"HTTP {shape.error.http_status}, {shape.error.fault} fault"
    if shape.error.retryable:
        facts += ", retryable" + (" (throttling)" if shape.error.throttling else "")
    lines.append(docstring(f"{doc}\n\n{facts}.", "    "))
    # Annotated, so that type checkers agree on the constants' types (``str``, not a
    # ``Literal`` inferred in the subclass).
    lines.append(f"\n    CODE: ClassVar[str] = {shape.error.code!r}\n")
    if shape.error.retryable:
        lines.append("    MODELED_RETRYABLE: ClassVar[bool] = True\n")
    if shape.error.throttling:
        lines.append("    MODELED_THROTTLING: ClassVar[bool] = True\n")
    if shape.members:
        # The keys boto3's ClientError.response gives the members (ServiceError.response).
        names = ", ".join(f"{m.name!r}: {m.model_name!r}" for m in shape.members)
        lines.append(f"    _MODEL_NAMES: ClassVar[dict[str, str]] = {{{names}}}\n")
    if not extra:
        return "".join(lines)
    params = "".join(
        f"        {m.name}: {py_type(service, m.target, 'models.')} | None = None,\n" for m in extra
    )
    lines.append(
        '\n    def __init__(\n        self,\n        message: str = "",\n        *,\n'
        f"{params}        **kwargs: Unpack[ServiceErrorOptions],\n    ) -> None:\n"
        "        super().__init__(message, **kwargs)\n"
    )
    for m in extra:
        annotation = f"{py_type(service, m.target, 'models.')} | None"
        lines.append(f"        self.{m.name}: {annotation} = {m.name}\n")
        if m.doc:
            lines.append(docstring(m.doc, "        "))
    lines.append(
        "\n    def modeled_fields(self) -> dict[str, Any]:\n"
        '        """Return the modeled members of this error beyond ``message``."""\n'
        "        return {" + ", ".join(f"{m.name!r}: self.{m.name}" for m in extra) + "}\n"
    )
    return "".join(lines)


def render(service: ServiceIR) -> str:
    errors = [s for s in service.shapes.values() if s.error]
    body = "".join(_error(service, s) for s in errors)
    names = sorted([*BASE_NAMES, "ServiceErrorOptions", *(s.class_name for s in errors)])
    uses_models = "models." in body
    typing_names = [n for n in ("Any", "ClassVar", "Unpack") if f"{n}]" in body or f"{n}[" in body]
    who = "microvm-sdk" if service.package == "microvm_sdk" else f"``{service.package}``"
    out = [
        f'"""Every exception {who} raises, all under one root.\n\n',
        "Errors the service answers with are ``ServiceError`` subclasses: one class per error\n",
        "the model names, ``UnknownServiceError`` for others.\n\n",
        TREE,
        '"""\n\n',
        "from __future__ import annotations\n\n",
        # typing.Unpack, not typing_extensions': typing is imported anyway, and
        # typing.get_type_hints() must find the name at run time.
        f"from typing import {', '.join(typing_names)}\n\n" if typing_names else "",
        f"from {service.package} import models\n" if uses_models else "",
        "from microvm_sdk._core.errors import (\n",
        *(f"    {n},\n" for n in BASE_NAMES),
        "    ServiceErrorOptions,\n",
        ")\n\n__all__ = [\n",
        *(f'    "{n}",\n' for n in names),
        "]\n",
        body,
        "\n\nMODELED_ERRORS: dict[str, type[ServiceError]] = {\n",
        *(f"    {s.error.code!r}: {s.class_name},\n" for s in errors if s.error),
        "}\n",
        '"""Modeled error classes by error code."""\n',
    ]
    return "".join(out)
