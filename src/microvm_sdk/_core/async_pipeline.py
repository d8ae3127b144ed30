"""The asyncio driver of a call: :meth:`RuntimeCore.attempts` with awaited sends and sleeps.

:class:`AsyncClientRuntime` runs the same sans-I/O retry loop as the blocking
:class:`~microvm_sdk._core.pipeline.ClientRuntime`; only sending, sleeping and the work
that may block are different:

* **First use** (importing the models, botocore's signer and the transport; building the
  converter; resolving the endpoint) runs in a worker thread, once: :meth:`warm_up`.
* **Credentials** are taken on the event loop only when that cannot block (static ones,
  or botocore's that are not due for a refresh); finding or refreshing them (files, a
  credential process, STS, SSO, instance metadata, behind botocore's blocking lock) runs
  in a worker thread, one refresh at a time for all the tasks that need it.
* A cancelled call stops where it is: the transport closes the connection it was using,
  and the steps of the retry loop are closed. Retry-quota tokens taken for a retry that
  never ran are not given back (as when a blocking call is interrupted).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from microvm_sdk._core.hooks import Notify
from microvm_sdk._core.http import HttpRequest
from microvm_sdk._core.pipeline import AttemptSteps, RuntimeCore, TransportOptions, codec_for
from microvm_sdk._core.steps import Sleep
from microvm_sdk._core.tracing import OPENTELEMETRY

if TYPE_CHECKING:
    from microvm_sdk._core.async_transport import AsyncTransport
    from microvm_sdk._core.aws_config import AwsSettings, CredentialSource, FrozenCredentials
    from microvm_sdk._core.http import HttpResponse
    from microvm_sdk._core.schema import ServiceSchema
    from microvm_sdk._core.user_agent import UserAgent

__all__ = ["AsyncClientRuntime"]

T = TypeVar("T")


class AsyncClientRuntime(RuntimeCore):
    """What every call of one ``AsyncClient`` shares, and the asyncio driver of its calls.

    Safe for many tasks at once on one event loop.

    Args:
        schema: The service, or a function returning it (called in :meth:`warm_up`).
        settings: Region, endpoint and credential settings.
        user_agent: What the ``User-Agent`` header is made of, or its value.
        transport_options: How to build the default transport.
        unsigned: Send requests unsigned.
        tracing: Record OpenTelemetry spans when the application uses OpenTelemetry.
        version: The SDK's version (for spans).
        transport: An asyncio transport to use instead of the default one.
        sleep: The coroutine function that waits between attempts (tests inject a fake);
            :func:`asyncio.sleep` by default.
    """

    def __init__(
        self,
        *,
        schema: ServiceSchema | Callable[[], ServiceSchema],
        settings: AwsSettings,
        user_agent: UserAgent | str,
        transport_options: TransportOptions | None = None,
        unsigned: bool = False,
        tracing: bool = True,
        version: str = "",
        transport: AsyncTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            schema=schema,
            settings=settings,
            user_agent=user_agent,
            transport_options=transport_options,
            unsigned=unsigned,
            tracing=tracing,
            version=version,
        )
        self._transport = transport
        self._sleep = sleep
        self._refreshing: asyncio.Future[FrozenCredentials] | None = None

    def _after_fork(self) -> None:
        """In a forked child: prepare again, and forget the parent's credential refresh."""
        super()._after_fork()
        self._refreshing = None

    def _build_transport(self, options: TransportOptions) -> None:
        if self._transport is None:
            from microvm_sdk._core.async_transport import AsyncStreamTransport

            self._transport = AsyncStreamTransport(
                connect_timeout=options.connect_timeout,
                read_timeout=options.read_timeout,
                max_pool_connections=options.max_pool_connections,
                verify=self.settings.verify,
                proxies=options.proxies,
                client_cert=options.client_cert,
            )

    def warm_up(self) -> None:
        """Do, in the calling thread, everything a first call would do before sending.

        Loads the schema (and with it the models), builds the converter, resolves the
        endpoint, creates the signer and the transport, and imports botocore's signer.
        Blocking: call it in a worker thread, never on the event loop.

        The converter's cattrs reference is built too, although ordinary calls do not
        use it: error correction and ``call_wire`` do, and they run on the event loop,
        where nothing may be imported.
        """
        converter, _, _ = codec_for(self.schema)
        converter.reference  # noqa: B018 - built here, off the event loop
        self._prepare()
        assert self._signer is not None
        self._signer.load()
        from microvm_sdk._core import paginator, waiter  # noqa: F401 - imported for later

    async def aclose(self) -> None:
        """Release pooled connections. The runtime reconnects if used again."""
        transport = self._transport
        if transport is not None:
            await transport.aclose()

    # -- calls ------------------------------------------------------------------------

    async def invoke(self, operation_name: str, params: Any, output_cls: type[T] | None) -> T:
        """Run one operation with a typed input object; return the typed output.

        Call :meth:`warm_up` (in a worker thread) first.

        Raises:
            ParamValidationError: ``params`` breaks a model constraint (nothing is sent).
            ServiceError: The service answered with an error (after any retries).
            TransportError: No answer after any retries.
        """
        trace = None
        if self.tracing and OPENTELEMETRY in sys.modules:
            trace = self.trace_call(operation_name)  # the call's span, now current
        try:
            operation, request, protocol = self.request_for(operation_name, params)
            stub = self.stub
            if stub is not None:  # a test's Stubber: no credentials, no network
                response, attempts = self.stubbed(stub, operation, params, request), 1
            else:
                source = self._credentials
                if source is None or not source.refresh_needed():
                    credentials = None if source is None else source.get()
                else:
                    credentials = await self._refreshed_credentials(source)
                response, attempts = await self._drive(
                    self.attempts(operation, request, credentials, trace)
                )
            result: T = self.finish(operation, protocol, response, attempts, output_cls)
        except BaseException as error:
            if trace is not None:
                trace.close(error)
            raise
        if trace is not None:
            trace.close(None)
        return result

    async def invoke_wire(self, operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Run one operation with a dict of parameters keyed by model member names.

        The asyncio twin of ``ClientRuntime.invoke_wire``; call :meth:`warm_up` first.
        """
        params_obj, output_cls = self.wire_call(operation_name, params)
        return self.to_wire(await self.invoke(operation_name, params_obj, output_cls))

    async def _refreshed_credentials(self, source: CredentialSource) -> FrozenCredentials:
        """Find or refresh credentials in a worker thread, one refresh for all waiting calls.

        botocore's refresh may block (files, a process, the network, its refresh lock): it
        never runs on the event loop.
        """
        refreshing = self._refreshing
        loop = asyncio.get_running_loop()
        if refreshing is None or refreshing.done() or refreshing.get_loop() is not loop:
            refreshing = self._refreshing = loop.run_in_executor(None, source.get)
            refreshing.add_done_callback(_retrieve)
        # Shielded: a caller cancelled while waiting leaves the refresh to the others.
        return await asyncio.shield(refreshing)

    async def _drive(self, steps: AttemptSteps) -> tuple[HttpResponse, int]:
        """Run the steps of one call: send, sleep, call (and await) hooks.

        Whatever doing a step raised is thrown back into the steps.
        """
        transport = self._transport
        assert transport is not None
        try:
            step = next(steps)
            while True:
                reply: HttpResponse | None = None
                try:
                    if isinstance(step, HttpRequest):
                        reply = await transport.send_async(step)
                    elif isinstance(step, Sleep):
                        await self._sleep(step.seconds)
                    else:
                        assert isinstance(step, Notify)
                        await step.run_async()
                except BaseException as exc:
                    step = steps.throw(exc)
                else:
                    step = steps.send(reply)
        except StopIteration as done:
            final: tuple[HttpResponse, int] = done.value
            return final
        finally:
            steps.close()


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a shared future's error as seen, even when every waiter was cancelled."""
    if not future.cancelled():
        future.exception()
