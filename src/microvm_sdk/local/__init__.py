"""A local emulator of AWS Lambda MicroVMs for tests, demos and offline work.

:class:`LocalServer` serves the service's REST-JSON API on a loopback port; boto3, the
AWS CLI and this SDK work against it unchanged. It checks SigV4 signatures, validates
requests as the service does, and can inject faults (:attr:`LocalServer.faults`).

Example:
    >>> from microvm_sdk.local import LocalServer
    >>> with LocalServer() as server:  # doctest: +SKIP
    ...     print(server.endpoint_url)

The pytest plugin (loaded automatically when this package is installed) provides the
``microvm_local`` and ``microvm_local_session`` fixtures.
"""

from __future__ import annotations

from microvm_sdk._core.public import public_home
from microvm_sdk.local._backend import Backend, BehaviourConfig, BuildRule, decode_auth_token
from microvm_sdk.local._clock import VirtualClock
from microvm_sdk.local._errors import EmulatedError, RequestContext
from microvm_sdk.local._faults import FaultDecision, FaultInjector, FaultRule
from microvm_sdk.local._persistence import StateFileError
from microvm_sdk.local._server import (
    ADMIN_PREFIX,
    BackendProtocol,
    ClientKwargs,
    Credentials,
    LocalServer,
)
from microvm_sdk.local._timing import PROFILES, Timing

__all__ = [
    "ADMIN_PREFIX",
    "PROFILES",
    "Backend",
    "BackendProtocol",
    "BehaviourConfig",
    "BuildRule",
    "ClientKwargs",
    "Credentials",
    "EmulatedError",
    "FaultDecision",
    "FaultInjector",
    "FaultRule",
    "LocalServer",
    "RequestContext",
    "StateFileError",
    "Timing",
    "VirtualClock",
    "decode_auth_token",
    "serve_main",
]


# This package is the public home of the classes above: tracebacks, repr and docs name
# them microvm_sdk.local.X. Setting it here holds however a class is reached, because
# importing any microvm_sdk.local._module runs this file first.
for _cls in (
    Backend,
    BackendProtocol,
    BehaviourConfig,
    BuildRule,
    ClientKwargs,
    Credentials,
    EmulatedError,
    FaultDecision,
    FaultInjector,
    FaultRule,
    LocalServer,
    RequestContext,
    StateFileError,
    Timing,
    VirtualClock,
):
    public_home(__name__)(_cls)
del _cls


def serve_main(argv: list[str] | None = None) -> int:
    """Run the emulator in the foreground until interrupted (``python -m microvm_sdk.local``).

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when ``None``).

    Returns:
        The process exit status.
    """
    from microvm_sdk.local.__main__ import serve_main as run

    return run(argv)
