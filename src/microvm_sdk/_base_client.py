"""The hand-written part of :class:`microvm_sdk.Client`: construction and shared plumbing.

The generated ``client.py`` adds one typed method per operation, paginator and waiter,
each a few lines that build the typed input and hand it to the methods here.
"""

from __future__ import annotations

import functools
import importlib
import platform
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from microvm_sdk._version import __version__

if TYPE_CHECKING:
    from types import TracebackType
    from typing import Self

    from microvm_sdk._core.paginator import Paginator
    from microvm_sdk._core.pipeline import ClientRuntime
    from microvm_sdk._core.schema import ServiceSchema
    from microvm_sdk._core.transport import Transport
    from microvm_sdk._core.waiter import WaitProgress
    from microvm_sdk.config import Config

T = TypeVar("T")
PageT = TypeVar("PageT")


def _load_schema(package: str) -> ServiceSchema:
    """The ``SCHEMA`` of the generated package ``package``.

    That is ``microvm_sdk``, or a package ``python -m microvm_sdk_codegen --package`` wrote.
    """
    schema: ServiceSchema = importlib.import_module(package + "._schema").SCHEMA
    return schema


class BaseClient:
    """Construction, configuration and the machinery behind the generated methods."""

    #: The service's name in ``AWS_ENDPOINT_URL_<NAME>`` and the config ``services`` section.
    SERVICE_ENV_NAME: ClassVar[str] = ""
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
        transport: Transport | None = None,
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
            endpoint_url: Send requests here instead of the AWS endpoint (for example a
                ``microvm_sdk.local.LocalServer``).
            aws_access_key_id: An access key id (with ``aws_secret_access_key``).
            aws_secret_access_key: The secret access key.
            aws_session_token: A session token for temporary credentials.
            botocore_session: A ``botocore.session.Session`` to take profile,
                configuration and credentials from.
            config: Timeouts, retries, endpoint variants, proxies and other options.
            verify: ``False`` to skip TLS certificate verification, or the path of a
                CA bundle.
            transport: An HTTP transport to use instead of the built-in one.

        Raises:
            ConfigurationError: No region is configured, or an option is invalid.
        """
        from microvm_sdk._core.aws_config import AwsSettings
        from microvm_sdk.config import Config

        config = config or Config()
        settings = AwsSettings.resolve(
            service_env_name=self.SERVICE_ENV_NAME,
            region_name=region_name,
            profile_name=profile_name,
            endpoint_url=endpoint_url,
            use_fips_endpoint=config.use_fips_endpoint,
            use_dualstack_endpoint=config.use_dualstack_endpoint,
            max_attempts=config.max_attempts,
            verify=verify,
            ca_bundle=config.ca_bundle,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            botocore_session=botocore_session,
        )
        agent = f"microvm-sdk/{__version__} Python/{platform.python_version()} {platform.system()}"
        if config.user_agent_extra:
            agent += " " + config.user_agent_extra
        self.config = config
        self._settings = settings
        self._user_agent = agent
        self._transport = transport
        self._runtime_instance: ClientRuntime | None = None
        self._lock = threading.Lock()

    @property
    def _runtime(self) -> ClientRuntime:
        """The call machinery, built on first use so that construction stays cheap."""
        runtime = self._runtime_instance
        if runtime is None:
            with self._lock:
                runtime = self._runtime_instance
                if runtime is None:
                    runtime = self._runtime_instance = self._build_runtime()
        return runtime

    def _build_runtime(self) -> ClientRuntime:
        from microvm_sdk._core.pipeline import ClientRuntime, TransportOptions

        config = self.config
        return ClientRuntime(
            schema=functools.partial(_load_schema, self._PACKAGE),
            settings=self._settings,
            user_agent=self._user_agent,
            transport_options=TransportOptions(
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                max_pool_connections=config.max_pool_connections,
                proxies=config.proxies,
                client_cert=config.client_cert,
            ),
            unsigned=config.unsigned,
            transport=self._transport,
        )

    # -- lifecycle --------------------------------------------------------------------

    @property
    def region(self) -> str:
        """The region requests are sent to."""
        return self._settings.region

    @property
    def endpoint_url(self) -> str:
        """The endpoint URL requests are sent to (resolved on first use)."""
        return self._runtime.endpoint_url

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region_name={self.region!r})"

    # -- dict-level entry point -------------------------------------------------------

    def call_wire(self, operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call an operation with a dict of parameters, for tools that work with dicts.

        Args:
            operation_name: The model's operation name, e.g. ``"CreateMicrovmImage"``.
            params: Parameters keyed by the model's member names (``"baseImageArn"``,
                ``"codeArtifact": {"uri": ...}``), as boto3 and the AWS CLI take them.

        Returns:
            The output in its wire form: camelCase keys, timestamps as epoch seconds.

        Raises:
            ParamValidationError: A parameter is unknown, of the wrong type, or breaks a
                constraint; nothing was sent.
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
        page_size: int | None,
        max_items: int | None,
        starting_token: str | None,
    ) -> Paginator[PageT, Any]:
        import attrs

        from microvm_sdk._core.paginator import Paginator

        schema = self._runtime.schema
        spec = schema.paginators[operation_name]
        operation = schema.operations[operation_name]
        in_shape = schema.shapes[operation.input or ""]
        out_shape = schema.shapes[operation.output or ""]
        token_in = _python_name(in_shape.members, spec.input_token)
        token_out = _python_name(out_shape.members, spec.output_token)
        items = _python_name(out_shape.members, spec.result_key)
        limit = _python_name(in_shape.members, spec.limit_key) if spec.limit_key else None

        def fetch(token: str | None, size: int | None) -> PageT:
            changes: dict[str, Any] = {token_in: token}
            if limit is not None and size is not None:
                changes[limit] = size
            request: Any = attrs.evolve(params, **changes)
            return self._invoke(operation_name, request, output_cls)

        return Paginator(
            fetch,
            get_token=lambda page: getattr(page, token_out),
            get_items=lambda page: getattr(page, items) or (),
            set_items=lambda page, kept: _with_items(page, items, kept),
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )

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
        from microvm_sdk._core.pipeline import codec_for
        from microvm_sdk._core.waiter import wait
        from microvm_sdk._failure_reasons import describer_for

        spec = importlib.import_module(self._PACKAGE + "._waiters").WAITERS[waiter_name]
        schema = self._runtime.schema
        operation = schema.operations[spec.operation]
        converter, _, _ = codec_for(schema)

        def poll() -> tuple[T, Mapping[str, Any], int]:
            output = self._invoke(spec.operation, params, output_cls)
            return output, converter.to_wire(output), operation.success_code

        describe = describer_for(waiter_name, self)
        return wait(
            spec,
            poll,
            timeout=timeout,
            min_delay=min_delay,
            max_delay=max_delay,
            max_attempts=max_attempts,
            callback=callback,
            describe_failure=describe,
            waiter_name=self._WAITER_METHODS.get(waiter_name, waiter_name),
        )


def _with_items(page: Any, field: str, kept: Any) -> Any:
    import attrs

    return attrs.evolve(page, **{field: tuple(kept)})


def _python_name(members: Any, model_name: str) -> str:
    for member in members:
        if member.model_name == model_name:
            return str(member.name)
    raise KeyError(model_name)
