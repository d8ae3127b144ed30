"""The hand-written part of the clients: construction and the plumbing behind their methods.

:class:`BaseClient` holds what both flavours share: construction and settings, the
user agent, and what paginators and waiters need to know about an operation. Its two
thin subclasses add the drivers: :class:`SyncBaseClient` (blocking, under
:class:`microvm_sdk.Client`) and :class:`AsyncBaseClient` (asyncio, under
:class:`microvm_sdk.AsyncClient`). The generated ``client.py`` and ``async_client.py``
add one typed method per operation, paginator and waiter, each a few lines that build
the typed input and hand it to the methods here.

Nothing here imports ``asyncio`` at import time: the blocking client does not pay for it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import math
import os
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypedDict, TypeVar

from microvm_sdk._core import forks
from microvm_sdk._core.errors import ParamValidationError
from microvm_sdk._core.http import AsyncTransport, Transport
from microvm_sdk._core.lazy import LazyModule
from microvm_sdk._core.limits import count_problem, waiter_problems
from microvm_sdk._version import __version__
from microvm_sdk.config import Config

if TYPE_CHECKING:
    from microvm_sdk import hooks
else:
    # The hooks' types, imported when first used (a client's ``hooks`` built, or its
    # annotations resolved): ``import microvm_sdk`` does not pay for them.
    hooks = LazyModule("microvm_sdk.hooks")

if TYPE_CHECKING:
    # Only private methods' annotations use these (typing.get_type_hints() resolves the
    # public ones: the names above are imported at run time, all cheaply).
    import asyncio
    from contextlib import AbstractContextManager

    from opentelemetry.trace import Span, Tracer

    from microvm_sdk._core.async_pipeline import AsyncClientRuntime
    from microvm_sdk._core.aws_config import AwsSettings
    from microvm_sdk._core.hooks import _HookPoints
    from microvm_sdk._core.paginator import AsyncPaginator, Paginator
    from microvm_sdk._core.pipeline import ClientRuntime, RuntimeCore, TransportOptions
    from microvm_sdk._core.schema import Member, ServiceSchema
    from microvm_sdk._core.tracing import PageTrace
    from microvm_sdk._core.user_agent import UserAgent
    from microvm_sdk._core.waiter import WaiterSpec, WaitProgress, WaitSteps

T = TypeVar("T")
PageT = TypeVar("PageT")
TransportT = TypeVar("TransportT")
RuntimeT = TypeVar("RuntimeT", bound="RuntimeCore")
HooksT = TypeVar("HooksT", bound="_HookPoints")


def _load_schema(package: str) -> ServiceSchema:
    """The ``SCHEMA`` of the generated package ``package``.

    That is ``microvm_sdk``, or a package ``python -m microvm_sdk_codegen --package`` wrote.
    """
    schema: ServiceSchema = importlib.import_module(package + "._schema").SCHEMA
    return schema


class _RuntimeArgs(TypedDict):
    """What every runtime is built from, whatever its flavour."""

    schema: Callable[[], ServiceSchema]
    settings: AwsSettings
    user_agent: UserAgent
    transport_options: TransportOptions
    unsigned: bool
    tracing: bool
    version: str


@contextlib.contextmanager
def _options_of(method: str) -> Iterator[None]:
    """Name ``method`` in a ``ParamValidationError`` about its own options.

    Those are ``page_size``, ``starting_token``, ``timeout`` and the like; an operation's
    errors already name the operation.
    """
    try:
        yield
    except ParamValidationError as exc:
        if exc.operation is not None:
            raise
        raise ParamValidationError(exc.errors, operation=method) from None


class _PageKeys:
    """The members a paginated operation's pages are driven by (Python names)."""

    __slots__ = ("items", "limit", "limit_range", "output_cls", "token_in", "token_out")

    def __init__(self, schema: ServiceSchema, operation_name: str) -> None:
        spec = schema.paginators[operation_name]
        operation = schema.operations[operation_name]
        in_shape = schema.shapes[operation.input or ""]
        out_shape = schema.shapes[operation.output or ""]
        self.token_in = _python_name(in_shape.members, spec.input_token)
        self.token_out = _python_name(out_shape.members, spec.output_token)
        self.items = _python_name(out_shape.members, spec.result_key)
        self.limit = _python_name(in_shape.members, spec.limit_key) if spec.limit_key else None
        #: The page sizes the model allows: ``(min, max)``, ``max`` ``None`` when unbounded.
        self.limit_range: tuple[int, int | None] = (1, None)
        for member in in_shape.members:
            if member.name == self.limit:
                limit = schema.shapes[member.target]
                low = 1 if limit.min is None else max(1, math.ceil(limit.min))
                self.limit_range = (low, None if limit.max is None else math.floor(limit.max))
        self.output_cls: Any = out_shape.cls

    def check_page_size(self, page_size: int | None) -> None:
        """Refuse a ``page_size`` outside the range the model gives the operation's limit.

        Raises:
            ParamValidationError: ``page_size`` is out of range (nothing was sent).
        """
        if page_size is not None:
            problem = count_problem(page_size, *self.limit_range)
            if problem is not None:
                raise ParamValidationError([f"page_size: {problem}"])

    def request(self, params: Any, token: str | None, size: int | None) -> Any:
        """``params`` asking for the page at ``token``, ``size`` items long."""
        import attrs

        changes: dict[str, Any] = {self.token_in: token}
        if self.limit is not None and size is not None:
            changes[self.limit] = size
        return attrs.evolve(params, **changes)

    def next_token(self, page: Any) -> str | None:
        token: str | None = getattr(page, self.token_out)
        return token

    def page_items(self, page: Any) -> Any:
        return getattr(page, self.items) or ()

    def with_items(self, page: Any, kept: Any) -> Any:
        import attrs

        from microvm_sdk._core.metadata import copy_metadata

        # The trimmed copy is still the page the service sent: same response metadata.
        return copy_metadata(page, attrs.evolve(page, **{self.items: tuple(kept)}))


class BaseClient(Generic[TransportT, RuntimeT, HooksT]):
    """Construction, configuration and what both client flavours share."""

    #: The service's name in ``AWS_ENDPOINT_URL_<NAME>`` and the config ``services`` section.
    SERVICE_ENV_NAME: ClassVar[str] = ""
    #: The model's ``serviceId``: the service's name in spans.
    _SERVICE_ID: ClassVar[str] = ""
    #: Waiter method names by waiter name, for messages.
    _WAITER_METHODS: ClassVar[Mapping[str, str]] = {}
    #: The generated package holding this client's ``_schema`` and ``_waiters`` modules.
    _PACKAGE: ClassVar[str] = "microvm_sdk"

    def __init__(
        self,
        *,
        region_name: str | None = None,
        profile_name: str | None = None,
        endpoint_url: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        botocore_session: Any = None,
        config: Config | None = None,
        verify: bool | str | None = None,
        transport: TransportT | None = None,
    ) -> None:
        """Create a client. Nothing is sent and no credentials are looked up yet.

        Region, profile, credentials and endpoint are found the way boto3 finds them:
        explicit arguments first, then ``AWS_REGION``/``AWS_DEFAULT_REGION``,
        ``AWS_PROFILE``, the ``AWS_ENDPOINT_URL_*`` variables and the shared config and
        credentials files. Credentials are resolved on the first call and refreshed when
        they expire.

        Args:
            region_name: The AWS region, e.g. ``"us-east-1"``.
            profile_name: A profile of the shared config files.
            endpoint_url: Send requests here instead of the AWS endpoint.
                For example the ``endpoint_url`` of a ``microvm_sdk.local.LocalServer``.
            aws_access_key_id: An access key id (with ``aws_secret_access_key``).
            aws_secret_access_key: The secret access key.
            aws_session_token: A session token for temporary credentials.
            botocore_session: A botocore session to take profile, config and credentials from.
                A ``botocore.session.Session``.
            config: Timeouts, retries, endpoint variants, proxies and other options.
                A ``botocore.config.Config`` is translated (see ``Config.from_botocore``);
                its ``region_name`` is used when ``region_name`` is not given.
            verify: ``False`` skips TLS certificate verification; a path names a CA bundle.
            transport: An HTTP transport to use instead of the built-in one.
                A ``Transport`` (``send``/``close``) for ``Client``, an ``AsyncTransport``
                (``send_async``/``aclose``) for ``AsyncClient``.

        Raises:
            ConfigurationError: No region is configured, or an option is invalid.
        """
        from microvm_sdk._core.aws_config import AwsSettings

        self._set_up_flavour(transport)
        config_region: str | None = None
        if config is None:
            config = Config()
        elif not isinstance(config, Config):  # a botocore Config, translated, or an error
            from microvm_sdk._botocore_config import client_config

            config, config_region = client_config(config)
        if region_name is None:
            region_name = config_region
        settings = AwsSettings.resolve(
            service_env_name=self.SERVICE_ENV_NAME,
            region_name=region_name,
            profile_name=profile_name,
            endpoint_url=endpoint_url,
            use_fips_endpoint=config.use_fips_endpoint,
            use_dualstack_endpoint=config.use_dualstack_endpoint,
            max_attempts=config.max_attempts,
            retry_mode=config.retry_mode,
            verify=verify,
            ca_bundle=config.ca_bundle,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            botocore_session=botocore_session,
            user_agent_appid=config.user_agent_appid,
        )
        self.config = config
        self._settings = settings
        # Read now, like the other settings; the header is written on first use.
        self._execution_env = os.environ.get("AWS_EXECUTION_ENV")
        self._transport = transport
        self._runtime_instance: RuntimeT | None = None
        self._hooks: HooksT | None = None
        self._lock = threading.Lock()
        forks.track(self)

    def _set_up_flavour(self, transport: TransportT | None) -> None:
        """Check the flavour's arguments and load what its plain methods need."""

    def _after_fork(self) -> None:
        """In a forked child: a new lock (the runtime resets itself)."""
        self._lock = threading.Lock()

    @property
    def _runtime(self) -> RuntimeT:
        """The call machinery, built on first use so that construction stays cheap."""
        runtime = self._runtime_instance
        if runtime is None:
            with forks.loading(), self._lock:
                runtime = self._runtime_instance
                if runtime is None:
                    runtime = self._runtime_instance = self._build_runtime()
        return runtime

    def _build_runtime(self) -> RuntimeT:
        """Build the flavour's runtime from :meth:`_runtime_args` and the transport."""
        raise NotImplementedError

    def _new_hooks(self) -> HooksT:
        """The flavour's empty hook registry."""
        raise NotImplementedError

    def _hook_registry(self) -> HooksT:
        """The client's hooks, made on first use and handed to the runtime."""
        registry = self._hooks
        if registry is None:
            with self._lock:
                registry = self._hooks
                if registry is None:
                    registry = self._hooks = self._new_hooks()
                    runtime = self._runtime_instance
                    if runtime is not None:
                        runtime.hooks = registry
        return registry

    def _runtime_args(self) -> _RuntimeArgs:
        from microvm_sdk._core.pipeline import TransportOptions
        from microvm_sdk._core.user_agent import UserAgent

        config = self.config
        return _RuntimeArgs(
            schema=functools.partial(_load_schema, self._PACKAGE),
            settings=self._settings,
            user_agent=UserAgent(
                sdk_name="microvm-sdk",
                sdk_version=__version__,
                app_id=self._settings.user_agent_appid,
                retry_mode=self._settings.retry_mode,
                execution_env=self._execution_env,
                extra=config.user_agent_extra,
            ),
            transport_options=TransportOptions(
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                max_pool_connections=config.max_pool_connections,
                proxies=config.proxies,
                client_cert=config.client_cert,
            ),
            unsigned=config.unsigned,
            tracing=config.tracing,
            version=__version__,
        )

    # -- what both flavours show --------------------------------------------------------

    @property
    def region(self) -> str:
        """The region requests are sent to."""
        return self._settings.region

    @property
    def endpoint_url(self) -> str:
        """The endpoint URL requests are sent to (resolved on first use)."""
        return self._runtime.endpoint_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region_name={self.region!r})"

    # -- what the paginators and waiters of both flavours are made of -----------------

    def _waiter_specs(self) -> Mapping[str, WaiterSpec]:
        """The waiters of this client's generated package, by name."""
        specs: Mapping[str, WaiterSpec] = importlib.import_module(
            self._PACKAGE + "._waiters"
        ).WAITERS
        return specs

    def _page_keys(self, operation_name: str) -> _PageKeys:
        return _PageKeys(self._runtime.schema, operation_name)

    def _tracer(self) -> Tracer | None:
        """The tracer for spans, or ``None`` (see ``microvm_sdk._core.tracing``)."""
        from microvm_sdk._core.tracing import find_tracer

        return find_tracer(__version__) if self.config.tracing else None

    def _page_trace(self, method: str, operation_name: str) -> Callable[[], PageTrace | None]:
        """What makes the span of one walk through the paginator ``method``."""

        def start() -> PageTrace | None:
            from microvm_sdk._core.tracing import PageTrace

            tracer = self._tracer()
            if tracer is None:
                return None
            return PageTrace(
                tracer,
                f"{self._SERVICE_ID}.{method}",
                {
                    "cloud.region": self.region,
                    "code.function.name": method,
                    "microvm_sdk.operation": operation_name,
                },
            )

        return start

    def _wait_span(
        self, waiter_name: str, operation_name: str
    ) -> AbstractContextManager[Span | None]:
        """The span of one wait (a context manager; makes nothing without tracing)."""
        from microvm_sdk._core.tracing import traced

        method = self._WAITER_METHODS.get(waiter_name, waiter_name)
        return traced(
            self._tracer(),
            f"{self._SERVICE_ID}.{method}",
            {
                "cloud.region": self.region,
                "code.function.name": method,
                "microvm_sdk.waiter": waiter_name,
                "microvm_sdk.operation": operation_name,
            },
        )

    def _wait_steps(
        self,
        waiter_name: str,
        *,
        timeout: float | None,
        min_delay: float | None,
        max_delay: float | None,
        max_attempts: int | None,
        callback: Callable[[WaitProgress[T]], None] | None,
    ) -> tuple[WaitSteps[T], str, Callable[[T], tuple[T, Mapping[str, Any], int]]]:
        """The waiter's steps, the operation it polls, and what makes a poll's result.

        The steps ask for follow-up calls (the waiter's failure reason) by operation
        name and a dict of parameters: the flavour's ``invoke_wire`` answers them.
        """
        with forks.loading():  # imports nothing once a first call or warm-up has run
            from microvm_sdk._core.pipeline import codec_for
            from microvm_sdk._core.waiter import wait_steps

            spec = self._waiter_specs()[waiter_name]
            schema = self._runtime.schema
            converter, _, _ = codec_for(schema)
        success_code = schema.operations[spec.operation].success_code

        def polled(output: T) -> tuple[T, Mapping[str, Any], int]:
            return output, converter.to_wire(output), success_code

        method = self._WAITER_METHODS.get(waiter_name, waiter_name)
        with _options_of(method):
            steps: WaitSteps[T] = wait_steps(
                spec,
                timeout=timeout,
                min_delay=min_delay,
                max_delay=max_delay,
                max_attempts=max_attempts,
                callback=callback,
                waiter_name=method,
                lookups=True,
            )
        return steps, spec.operation, polled

    def _check_wait_options(
        self,
        waiter_name: str,
        timeout: object,
        min_delay: object,
        max_delay: object,
        max_attempts: object,
    ) -> None:
        """Refuse a waiter option out of its range before anything else happens."""
        problems = waiter_problems(
            timeout=timeout, min_delay=min_delay, max_delay=max_delay, max_attempts=max_attempts
        )
        if problems:
            method = self._WAITER_METHODS.get(waiter_name, waiter_name)
            raise ParamValidationError(problems, operation=method)


class SyncBaseClient(BaseClient[Transport, "ClientRuntime", "hooks.Hooks"]):
    """The blocking flavour: :class:`microvm_sdk.Client` is generated on top of it."""

    def _build_runtime(self) -> ClientRuntime:
        from microvm_sdk._core.pipeline import ClientRuntime

        runtime = ClientRuntime(**self._runtime_args(), transport=self._transport)
        runtime.hooks = self._hooks
        return runtime

    def _new_hooks(self) -> hooks.Hooks:
        return hooks.Hooks()

    @property
    def hooks(self) -> hooks.Hooks:
        """Functions called at fixed points of every attempt of every call.

        Before signing (to add headers), after signing, after the response (status,
        headers, timing) and on retry (reason, delay); see ``microvm_sdk.hooks``.
        """
        return self._hook_registry()

    # -- lifecycle --------------------------------------------------------------------

    def close(self) -> None:
        """Close pooled connections. The client reconnects if it is used again."""
        runtime = self._runtime_instance
        if runtime is not None:
            runtime.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- dict-level entry point -------------------------------------------------------

    def call_wire(self, operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call an operation with a dict of parameters, for tools that work with dicts.

        Args:
            operation_name: The model's operation name, e.g. ``"CreateMicrovmImage"``.
            params: Parameters keyed by the model's member names, as boto3 takes them.
                For example ``"baseImageArn"`` and ``"codeArtifact": {"uri": ...}``.

        Returns:
            The output in its wire form: camelCase keys, timestamps as epoch seconds.

        Raises:
            ParamValidationError: The call is not valid; nothing was sent.
                ``operation_name`` is not one of the model's operations, ``params`` is not
                a mapping, or a parameter is unknown, mistyped or out of bounds. As in
                every ``ParamValidationError``, a line's path names members in Python
                (``max_results``) and ``operation`` is the method's name
                (``list_microvm_images``).
            ServiceError: The service answered with an error.
        """
        return self._runtime.invoke_wire(operation_name, params)

    # -- used by the generated methods ------------------------------------------------

    def _invoke(self, operation_name: str, params: Any, output_cls: type[T] | None) -> T:
        return self._runtime.invoke(operation_name, params, output_cls)

    def _paginate(
        self,
        operation_name: str,
        params: Any,
        output_cls: type[PageT],
        *,
        method: str,
        page_size: int | None,
        max_items: int | None,
        starting_token: str | None,
    ) -> Paginator[PageT, Any]:
        with forks.loading():
            from microvm_sdk._core.paginator import Paginator

            keys = self._page_keys(operation_name)

        def fetch(token: str | None, size: int | None) -> PageT:
            return self._invoke(operation_name, keys.request(params, token, size), output_cls)

        with _options_of(method):
            keys.check_page_size(page_size)
            paginator: Paginator[PageT, Any] = Paginator(
                fetch,
                get_token=keys.next_token,
                get_items=keys.page_items,
                set_items=keys.with_items,
                page_size=page_size,
                max_items=max_items,
                starting_token=starting_token,
            )
        paginator._trace = self._page_trace(method, operation_name)
        return paginator

    def _wait(
        self,
        waiter_name: str,
        params: Any,
        output_cls: type[T],
        *,
        timeout: float | None,
        min_delay: float | None,
        max_delay: float | None,
        max_attempts: int | None,
        callback: Callable[[WaitProgress[T]], None] | None,
    ) -> T | None:
        self._check_wait_options(waiter_name, timeout, min_delay, max_delay, max_attempts)
        with forks.loading():
            from microvm_sdk._core.waiter import compile_expressions, drive_wait

            compile_expressions([self._waiter_specs()[waiter_name]])  # imports JMESPath
        steps, operation, polled = self._wait_steps(
            waiter_name,
            timeout=timeout,
            min_delay=min_delay,
            max_delay=max_delay,
            max_attempts=max_attempts,
            callback=callback,
        )

        def poll() -> tuple[T, Mapping[str, Any], int]:
            return polled(self._invoke(operation, params, output_cls))

        with self._wait_span(waiter_name, operation):
            return drive_wait(steps, poll, lookup=self._runtime.invoke_wire)


class AsyncBaseClient(BaseClient[AsyncTransport, "AsyncClientRuntime", "hooks.AsyncHooks"]):
    """The asyncio flavour: :class:`microvm_sdk.AsyncClient` is generated on top of it.

    The first call of a client does its first-use work (imports, converter, endpoint,
    signer, transport) in a worker thread, once, however many tasks make first calls at
    the same time; until then nothing else touches the event loop's thread but the
    coroutines here.
    """

    def _set_up_flavour(self, transport: AsyncTransport | None) -> None:
        """Refuse a blocking transport; import the paginator module now.

        ``paginate_*`` methods are plain functions that build an ``AsyncPaginator``
        without awaiting: its (small) module is imported here, with the rest of the
        synchronous construction (which reads the shared config file), so that they
        never import on the event loop.
        """
        if transport is not None and not callable(getattr(transport, "send_async", None)):
            from microvm_sdk._core.errors import ConfigurationError

            raise ConfigurationError(
                f"transport: {type(transport).__name__} is not an asyncio transport;"
                " AsyncClient needs one with 'async def send_async(request)' and"
                " 'async def aclose()'"
            )
        # The paginators' module and their spans', and the hooks' types (``client.hooks``
        # may first be read on the event loop): see above.
        from microvm_sdk._core import paginator, tracing  # noqa: F401

        importlib.import_module("microvm_sdk.hooks")

        # The first-use work: which loop runs it and how far it is (see _ready).
        self._warming: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None
        self._warm = False

    def _after_fork(self) -> None:
        """In a forked child: warm up again, off the child's event loop, on first use.

        The runtime prepares itself again there (new credentials, signer, retry state),
        and the parent's warm-up future belongs to a loop and a worker thread the child
        does not have.
        """
        super()._after_fork()
        self._warming = None
        self._warm = False

    def _build_runtime(self) -> AsyncClientRuntime:
        from microvm_sdk._core.async_pipeline import AsyncClientRuntime

        runtime = AsyncClientRuntime(**self._runtime_args(), transport=self._transport)
        runtime.hooks = self._hooks
        return runtime

    def _new_hooks(self) -> hooks.AsyncHooks:
        return hooks.AsyncHooks()

    @property
    def hooks(self) -> hooks.AsyncHooks:
        """Functions called at fixed points of every attempt of every call.

        Before signing (to add headers), after signing, after the response (status,
        headers, timing) and on retry (reason, delay); hooks may be coroutine functions.
        See ``microvm_sdk.hooks``.
        """
        return self._hook_registry()

    def _warm_up(self) -> None:
        """First-use work, in a worker thread: build the runtime and what it imports.

        Includes what the waiters need (their specs, JMESPath and compiled expressions),
        a few milliseconds that a first waiter would otherwise spend on the loop.
        """
        with forks.loading():
            self._runtime.warm_up()
            from microvm_sdk._core.waiter import compile_expressions

            compile_expressions(self._waiter_specs().values())

    async def _ready(self) -> None:
        """Return once :meth:`_warm_up` has run (off the event loop) for this client."""
        if self._warm:
            return
        import asyncio  # already imported by whoever runs this coroutine

        loop = asyncio.get_running_loop()
        # A loading section: the first executor job imports the executor's modules.
        with forks.loading(), self._lock:
            warming = self._warming
            if warming is None or warming[0] is not loop or _failed(warming[1]):
                future = loop.run_in_executor(None, self._warm_up)
                future.add_done_callback(_retrieve)
                warming = self._warming = (loop, future)
        # Shielded: a caller cancelled while waiting leaves the work to the others.
        await asyncio.shield(warming[1])
        self._warm = True

    # -- lifecycle --------------------------------------------------------------------

    async def close(self) -> None:
        """Close pooled connections. The client reconnects if it is used again."""
        runtime = self._runtime_instance
        if runtime is not None:
            await runtime.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- dict-level entry point -------------------------------------------------------

    async def call_wire(self, operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call an operation with a dict of parameters, for tools that work with dicts.

        Args:
            operation_name: The model's operation name, e.g. ``"CreateMicrovmImage"``.
            params: Parameters keyed by the model's member names, as boto3 takes them.
                For example ``"baseImageArn"`` and ``"codeArtifact": {"uri": ...}``.

        Returns:
            The output in its wire form: camelCase keys, timestamps as epoch seconds.

        Raises:
            ParamValidationError: The call is not valid; nothing was sent.
                ``operation_name`` is not one of the model's operations, ``params`` is not
                a mapping, or a parameter is unknown, mistyped or out of bounds. As in
                every ``ParamValidationError``, a line's path names members in Python
                (``max_results``) and ``operation`` is the method's name
                (``list_microvm_images``).
            ServiceError: The service answered with an error.
        """
        await self._ready()
        return await self._runtime.invoke_wire(operation_name, params)

    # -- used by the generated methods ------------------------------------------------

    async def _invoke(self, operation_name: str, params: Any, output_cls: type[T] | None) -> T:
        # Callers (the generated methods, paginators, waiters) have awaited _ready().
        return await self._runtime.invoke(operation_name, params, output_cls)

    def _paginate(
        self,
        operation_name: str,
        request: Callable[[], Awaitable[Any]],
        *,
        method: str,
        page_size: int | None,
        max_items: int | None,
        starting_token: str | None,
    ) -> AsyncPaginator[Any, Any]:
        """An async paginator whose typed input ``request()`` makes (after warm-up).

        Nothing is built before the first fetch: the paginator may be made before the
        client's first-use work has run, and that work must not run on the event loop.
        """
        from microvm_sdk._core.paginator import AsyncPaginator

        found: list[_PageKeys] = []

        def keys() -> _PageKeys:
            if not found:
                page_keys = self._page_keys(operation_name)
                with _options_of(method):
                    page_keys.check_page_size(page_size)  # the model is loaded by now
                found.append(page_keys)
            return found[0]

        async def fetch(token: str | None, size: int | None) -> Any:
            params = await request()
            page_keys = keys()
            return await self._invoke(
                operation_name, page_keys.request(params, token, size), page_keys.output_cls
            )

        with _options_of(method):
            paginator: AsyncPaginator[Any, Any] = AsyncPaginator(
                fetch,
                get_token=lambda page: keys().next_token(page),
                get_items=lambda page: keys().page_items(page),
                set_items=lambda page, kept: keys().with_items(page, kept),
                page_size=page_size,
                max_items=max_items,
                starting_token=starting_token,
            )
        paginator._trace = self._page_trace(method, operation_name)
        return paginator

    async def _wait(
        self,
        waiter_name: str,
        params: Any,
        output_cls: type[T],
        *,
        timeout: float | None,
        min_delay: float | None,
        max_delay: float | None,
        max_attempts: int | None,
        callback: Callable[[WaitProgress[T]], None] | None,
    ) -> T | None:
        self._check_wait_options(waiter_name, timeout, min_delay, max_delay, max_attempts)
        await self._ready()
        from microvm_sdk._core.waiter import drive_wait_async

        steps, operation, polled = self._wait_steps(
            waiter_name,
            timeout=timeout,
            min_delay=min_delay,
            max_delay=max_delay,
            max_attempts=max_attempts,
            callback=callback,
        )

        async def poll() -> tuple[T, Mapping[str, Any], int]:
            return polled(await self._invoke(operation, params, output_cls))

        with self._wait_span(waiter_name, operation):
            return await drive_wait_async(steps, poll, lookup=self._runtime.invoke_wire)


def _failed(future: asyncio.Future[None]) -> bool:
    """Whether ``future`` ended without a result (an error, or cancelled with its loop)."""
    return future.done() and (future.cancelled() or future.exception() is not None)


def _retrieve(future: asyncio.Future[None]) -> None:
    """Mark the warm-up's error as seen, even when every caller was cancelled."""
    if not future.cancelled():
        future.exception()


def _python_name(members: tuple[Member, ...], model_name: str) -> str:
    for member in members:
        if member.model_name == model_name:
            return str(member.name)
    raise KeyError(model_name)
