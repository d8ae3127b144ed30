"""Render ``microvm_sdk/client.py`` and ``async_client.py``: ``Client`` and ``AsyncClient``.

Both classes come from the same IR through the same functions; a flavour switch decides
what differs (``def`` or ``async def``, ``await``, ``Paginator`` or ``AsyncPaginator``).
Every method is a few lines: build the typed input from keyword arguments and hand it to
the hand-written machinery of ``SyncBaseClient`` or ``AsyncBaseClient``. Models are
imported inside the methods so that ``import microvm_sdk`` and client construction do
not pay for loading them; an ``AsyncClient`` method first awaits ``self._ready()``, which
imports them (and everything else a first call needs) in a worker thread, so that the
import in the method only looks them up.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from microvm_sdk_codegen.docs import docstring, entry
from microvm_sdk_codegen.ir import MemberIR, OperationIR, ServiceIR
from microvm_sdk_codegen.types import py_type

Flavour = Literal["sync", "async"]

WAIT_ARGS = (
    (
        "timeout",
        "float | None",
        "Seconds to wait in all, 0 to 365 days (default: the waiter's own).",
    ),
    ("min_delay", "float | None", "Smallest delay between polls, in seconds (0 to 365 days)."),
    ("max_delay", "float | None", "Largest delay between polls, in seconds (0 to 365 days)."),
    (
        "max_attempts",
        "int | None",
        "Most polls to make, 1 to 1,000,000 (default: no limit but the timeout).",
    ),
)
PAGE_ARGS = (
    ("page_size", "int | None", "Items per page to ask the service for."),
    ("max_items", "int | None", "The most items to return over all pages (0 or more)."),
    (
        "starting_token",
        "str | None",
        "Where to start: the ``resume_token`` of an earlier paginator.",
    ),
)


def _wrap(text: str, indent: str) -> str:
    # The first line of an Args/Raises entry stands alone: it is all an editor shows.
    return entry(text, indent)


def _first_paragraph(text: str) -> str:
    """The first paragraph on one line; a paragraph that announces a list keeps the list."""
    paragraphs = text.split("\n\n")
    first = " ".join(paragraphs[0].split())
    if first.endswith(":"):
        items = [" ".join(p.split())[2:] for p in paragraphs[1:] if p.startswith("- ")]
        if items:
            first += " " + "; ".join(items) + "."
    return first


def _params(service: ServiceIR, members: list[MemberIR]) -> str:
    ordered = sorted(members, key=lambda m: not m.required)
    out = []
    for member in ordered:
        annotation = py_type(service, member.target, "models.")
        if member.required:
            out.append(f"        {member.name}: {annotation},\n")
        else:
            out.append(f"        {member.name}: {annotation} | None = None,\n")
    return "".join(out)


def _args_doc(
    service: ServiceIR, members: list[MemberIR], extra: tuple[tuple[str, str, str], ...] = ()
) -> list[str]:
    lines = []
    for member in sorted(members, key=lambda m: not m.required):
        text = _first_paragraph(member.doc) or f"The ``{member.model_name}`` member."
        if member.idempotency_token:
            text += (
                " A UUID is generated when omitted and reused on every retry of this "
                "call; pass your own to make retries of your own idempotent."
            )
        lines.append(_wrap(f"{member.name}: {text}", "    "))
    for name, _, text in extra:
        lines.append(_wrap(f"{name}: {text}", "    "))
    return lines


def _raises(service: ServiceIR, op: OperationIR) -> list[str]:
    lines = [
        "    ParamValidationError: An argument breaks the model's constraints; nothing was sent."
    ]
    for error in op.errors:
        doc = _first_paragraph(service.shapes[error].doc) or "The service answered with it."
        lines.append(_wrap(f"{error}: {doc}", "    "))
    lines.append("    ServiceError: Any other error the service answers with.")
    lines.append("    TransportError: No response could be had, after retries.")
    return lines


def _members(service: ServiceIR, op: OperationIR) -> list[MemberIR]:
    return list(service.shapes[op.input].members) if op.input else []


def _construct(
    service: ServiceIR,
    op: OperationIR,
    skip: frozenset[str] | set[str] = frozenset(),
    *,
    tokens: bool = False,
) -> str:
    """The expression that builds the typed input from the method's arguments.

    With ``tokens``, an omitted idempotency token is filled here, as the input is built
    (the runtime fills tokens only for inputs made elsewhere).
    """
    if not op.input:
        return "None"
    args = ", ".join(
        f"{m.name}=_uuid4() if {m.name} is None else {m.name}"
        if tokens and m.idempotency_token
        else f"{m.name}={m.name}"
        for m in _members(service, op)
        if m.name not in skip
    )
    return f"models.{op.input}({args})"


def _has_tokens(service: ServiceIR) -> bool:
    return any(
        m.idempotency_token for op in service.operations.values() for m in _members(service, op)
    )


def _ready(flavour: Flavour) -> str:
    """The first lines of an async method body: first-use work off the event loop."""
    return "        await self._ready()\n" if flavour == "async" else ""


def _operation(service: ServiceIR, op: OperationIR, flavour: Flavour) -> str:
    members = _members(service, op)
    # An operation without a modeled output returns an EmptyOutput: its response metadata.
    returns = f"models.{op.output}" if op.output else "models.EmptyOutput"
    output_cls = returns
    doc = [op.doc or f"Call ``{op.name}``.", "", "Args:", *_args_doc(service, members)]
    if not members:
        doc = [op.doc or f"Call ``{op.name}``."]
    doc += [
        "",
        "Returns:",
        f"    The ``{op.output}`` of the call."
        if op.output
        else "    An ``EmptyOutput``: the call's ``response_metadata`` only.",
        "",
        "Raises:",
        *_raises(service, op),
    ]
    star = "        *,\n" if members else ""
    define, wait = ("async def", "await ") if flavour == "async" else ("def", "")
    return (
        f"\n    {define} {op.python_name}(\n        self,\n{star}{_params(service, members)}"
        f"    ) -> {returns}:\n"
        + docstring("\n".join(doc), "        ")
        + _ready(flavour)
        + "        from microvm_sdk import models\n\n"
        + f"        return {wait}self._invoke("
        + f"{op.name!r}, {_construct(service, op, tokens=True)}, {output_cls})\n"
    )


def _page_args(service: ServiceIR, op: OperationIR) -> tuple[tuple[str, str, str], ...]:
    """``PAGE_ARGS``, ``page_size`` saying the range the model gives the page limit."""
    limit_key = service.paginators[op.name].limit_key
    limit = next((m for m in _members(service, op) if m.model_name == limit_key), None)
    if limit is None:
        return PAGE_ARGS
    shape = service.shapes[limit.target]
    low = 1 if shape.min is None else max(1, math.ceil(shape.min))
    size = f"{low} or more" if shape.max is None else f"{low} to {math.floor(shape.max)}"
    text = f"Items per page to ask the service for ({size})."
    return (("page_size", "int | None", text), *PAGE_ARGS[1:])


def _paginator(service: ServiceIR, op: OperationIR, flavour: Flavour) -> str:
    pag = service.paginators[op.name]
    members = [
        m for m in _members(service, op) if m.model_name not in (pag.input_token, pag.limit_key)
    ]
    output = service.shapes[op.output or ""]
    result = next(m for m in output.members if m.model_name == pag.result_key)
    item = py_type(service, result.target, "models.")
    item = item.removeprefix("Sequence[").removesuffix("]")
    how = (
        "Iterate the paginator" if flavour == "sync" else "Iterate the paginator with ``async for``"
    )
    doc = [
        f"Page through ``{op.python_name}`` lazily.",
        "",
        f"{how} for pages, or call ``.items()`` for the items of every page "
        "(no request is sent until iteration starts).",
        "",
        "Args:",
        *_args_doc(service, members, _page_args(service, op)),
        "",
        "Returns:",
        f"    A paginator of ``{op.output}`` pages and ``{item.removeprefix('models.')}`` items.",
        "",
        "Raises:",
        "    ParamValidationError: ``page_size`` or ``max_items`` is outside its range;"
        " nothing was sent.",
    ]
    skip = {m.name for m in _members(service, op)} - {m.name for m in members}
    params = _params(service, members) + "".join(
        f"        {name}: {annotation} = None,\n" for name, annotation, _ in PAGE_ARGS
    )
    options = (
        f"            method={'paginate_' + op.python_name!r},\n"
        "            page_size=page_size,\n            max_items=max_items,\n"
        "            starting_token=starting_token,\n        )\n"
    )
    if flavour == "sync":
        body = (
            "        from microvm_sdk import models\n\n"
            f"        return self._paginate(\n            {op.name!r},\n"
            f"            {_construct(service, op, skip)},\n            models.{op.output},\n"
            + options
        )
        kind = "paginators.Paginator"
    else:
        # The typed input is made at the first fetch, after the first-use work.
        body = (
            f"        async def request() -> models.{op.input}:\n"
            "            await self._ready()\n"
            "            from microvm_sdk import models\n\n"
            f"            return {_construct(service, op, skip)}\n\n"
            f"        return self._paginate(\n            {op.name!r},\n            request,\n"
            + options
        )
        kind = "paginators.AsyncPaginator"
    return (
        f"\n    def paginate_{op.python_name}(\n        self,\n        *,\n{params}"
        f"    ) -> {kind}[models.{op.output}, {item}]:\n"
        + docstring("\n".join(doc), "        ")
        + body
    )


def _waiter(
    service: ServiceIR, name: str, spec: dict[str, Any], method: str, flavour: Flavour
) -> str:
    op = service.operations[str(spec["operation"])]
    members = _members(service, op)
    succeeds_on_error = any(
        a.get("matcher") == "error" and a.get("state") == "success" for a in spec["acceptors"]
    )
    output = f"models.{op.output}"
    returns = f"{output} | None" if succeeds_on_error else output
    description = str(spec.get("description") or f"Wait with the {name} waiter.")
    doc = [
        description,
        "",
        f"Polls ``{op.python_name}`` with backoff (see docs/waiters.md for the defaults) "
        "until the wanted state is reached.",
        "",
        "Args:",
        *_args_doc(service, members, WAIT_ARGS),
        _wrap(
            "callback: Called after every poll with a ``WaitProgress`` (attempt, elapsed, "
            "state, output, next delay): hang progress output on it.",
            "    ",
        ),
        "",
        "Returns:",
        f"    The ``{op.output}`` of the last poll"
        + (" (``None`` when the resource is gone)." if succeeds_on_error else "."),
        "",
        "Raises:",
        _wrap(
            "WaiterFailureError: The resource reached a state the wanted one cannot follow "
            + (
                "(the message says which, with the reasons the service gives for it)."
                if "failureReason" in spec
                else "(the message says which)."
            ),
            "    ",
        ),
        "    WaiterTimeoutError: The timeout or attempt budget ran out first.",
        "    ServiceError: A non-retryable error answered a poll.",
        "    ParamValidationError: An option is outside its range; nothing was polled.",
    ]
    params = (
        _params(service, members)
        + "".join(f"        {arg}: {annotation} = None,\n" for arg, annotation, _ in WAIT_ARGS)
        + f"        callback: Callable[[waiters.WaitProgress[{output}]], None] | None = None,\n"
    )
    wait = "await " if flavour == "async" else ""
    body = (
        f"        result = {wait}self._wait(\n            {name!r},\n"
        f"            {_construct(service, op)},\n            {output},\n"
        "            timeout=timeout,\n            min_delay=min_delay,\n"
        "            max_delay=max_delay,\n            max_attempts=max_attempts,\n"
        "            callback=callback,\n        )\n"
    )
    if succeeds_on_error:
        body += "        return result\n"
    else:
        body += (
            "        assert result is not None  # only error-matching waiters end "
            "without output\n        return result\n"
        )
    define = "async def" if flavour == "async" else "def"
    return (
        f"\n    {define} {method}(\n        self,\n        *,\n{params}    ) -> {returns}:\n"
        + docstring("\n".join(doc), "        ")
        + _ready(flavour)
        + "        from microvm_sdk import models\n\n"
        + body
    )


def render(service: ServiceIR) -> str:
    """``client.py``: the blocking ``Client``."""
    return _render(service, "sync")


def render_async(service: ServiceIR) -> str:
    """``async_client.py``: ``AsyncClient``, the same methods as coroutines."""
    return _render(service, "async")


def _render(service: ServiceIR, flavour: Flavour) -> str:
    meta = service.metadata
    env_name = meta["serviceId"].upper().replace(" ", "_").replace("-", "_")
    methods = [_operation(service, op, flavour) for op in service.operations.values()]
    methods += [
        _paginator(service, service.operations[name], flavour) for name in service.paginators
    ]
    waiters = service.waiters.get("waiters", {})
    methods += [
        _waiter(service, name, spec, service.waiter_methods[name], flavour)
        for name, spec in waiters.items()
    ]
    title = f"{meta.get('serviceFullName', meta['serviceId'])} (API {meta['apiVersion']})"
    if flavour == "sync":
        cls, base, module = "Client", "SyncBaseClient", "client"
        usage = (
            "Every operation is a method with typed keyword arguments that returns a typed\n"
            "output. The client is thread-safe and a context manager (``close()`` releases\n"
            "its connections). See ``BaseClient.__init__`` for the constructor's arguments."
        )
        header = f"The {meta['serviceId']} client: one typed method per operation."
    else:
        cls, base, module = "AsyncClient", "AsyncBaseClient", "async client"
        usage = (
            "The asyncio twin of ``Client``: the same methods, arguments and typed\n"
            "outputs, as coroutines (``await client.get_microvm_image(...)``); paginators\n"
            "are iterated with ``async for``. One client is safe for many tasks at once on\n"
            "one event loop, and an async context manager (``await client.close()``\n"
            "releases its connections). See ``BaseClient.__init__`` for the constructor's\n"
            "arguments."
        )
        header = f"The {meta['serviceId']} {module}: one typed coroutine method per operation."
    class_doc = (
        f"A{'n' if flavour == 'async' else ''} {'asyncio ' if flavour == 'async' else ''}"
        f"client for {title}.\n\n{_first_paragraph(service.doc)}\n\n{usage}"
    )
    waiter_methods = "".join(f"        {n!r}: {m!r},\n" for n, m in service.waiter_methods.items())
    source = (
        f'"""{header}"""\n\n'
        "from __future__ import annotations\n\n"
        "from collections.abc import Callable, Mapping, Sequence\n"
        "from typing import TYPE_CHECKING, ClassVar\n\n"
        f"from microvm_sdk._base_client import {base}\n"
        "from microvm_sdk._core.lazy import LazyModule\n"
        + ("from microvm_sdk._core.tokens import uuid4 as _uuid4\n" if _has_tokens(service) else "")
        + "\n"
        "if TYPE_CHECKING:\n"
        "    import datetime\n\n"
        "    from microvm_sdk import models, paginators, waiters\n"
        "else:\n"
        "    # Imported on first use; typing.get_type_hints() resolves annotations through\n"
        "    # these (docs/decisions/0012-lazy-submodules-and-runtime-annotations.md).\n"
        '    datetime = LazyModule("datetime")\n'
        '    models = LazyModule("microvm_sdk.models")\n'
        '    paginators = LazyModule("microvm_sdk.paginators")\n'
        '    waiters = LazyModule("microvm_sdk.waiters")\n\n'
        f'__all__ = ["{cls}"]\n\n\n'
        f"class {cls}({base}):\n"
        + docstring(class_doc, "    ")
        + f"\n    SERVICE_ENV_NAME: ClassVar[str] = {env_name!r}\n"
        f"    _SERVICE_ID: ClassVar[str] = {meta['serviceId']!r}\n"
        f"    _WAITER_METHODS: ClassVar[Mapping[str, str]] = {{\n{waiter_methods}    }}\n"
        + "".join(methods)
    )
    return _for_package(source, service.package)


def _for_package(source: str, package: str) -> str:
    """Point a client generated into another package at that package's modules.

    The client imports its models from its own package (the runtime's paginators and
    waiters stay ``microvm_sdk``'s), and ``_PACKAGE`` tells ``BaseClient`` where to find
    the schema and waiters. ``microvm_sdk`` is the default.
    """
    if package == "microvm_sdk":
        return source
    replacements = (
        (
            "    from microvm_sdk import models, paginators, waiters\n",
            f"    from microvm_sdk import paginators, waiters\n    from {package} import models\n",
        ),
        ('LazyModule("microvm_sdk.models")', f'LazyModule("{package}.models")'),
        ("from microvm_sdk import models\n", f"from {package} import models\n"),
    )
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    marker = "    SERVICE_ENV_NAME: ClassVar[str] = "
    return source.replace(marker, f"    _PACKAGE: ClassVar[str] = {package!r}\n{marker}", 1)
