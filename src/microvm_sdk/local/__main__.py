"""Run the emulator in the foreground: ``python -m microvm_sdk.local --port 7878``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

DEFAULT_PORT = 7878
TOKEN_VARIABLE = "MICROVM_LOCAL_ADMIN_TOKEN"


def _parser(prog: str = "python -m microvm_sdk.local") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a local emulator of AWS Lambda MicroVMs until interrupted.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 makes the emulator "
        "reachable from other machines and the admin API require a token)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="JSON state file, loaded on start; every change is in it before it is answered",
    )
    parser.add_argument(
        "--profile",
        choices=("fast", "realistic", "manual"),
        default="realistic",
        help="timing of the service behaviour (default realistic)",
    )
    parser.add_argument("--region", default="us-east-1", help="default region")
    parser.add_argument("--access-key", default="test", help="access key id clients sign with")
    parser.add_argument("--secret-key", default="test", help="secret key clients sign with")
    parser.add_argument("--account-id", default="000000000000", help="emulated account id")
    parser.add_argument(
        "--no-verify-signatures",
        action="store_true",
        help="accept requests without checking their SigV4 signature",
    )
    parser.add_argument(
        "--live-fidelity",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="answer in the live service's shape (default); --no-live-fidelity answers "
        "in the model's shape, without nulls or unmodeled members",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name clients may use besides IP addresses and localhost "
        "(repeatable; '*' accepts any)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=256,
        help="connections open at once at most (default 256)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="close kept-alive connections idle this long (default 60)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="answer 408 to a client that takes longer to send one request (default 30)",
    )
    parser.epilog = (
        f"The admin token is read from {TOKEN_VARIABLE}; when it is set, or when the "
        "emulator listens beyond loopback, admin requests must carry "
        "'Authorization: Bearer <token>'."
    )
    return parser


def serve_main(argv: list[str] | None = None, *, prog: str | None = None) -> int:
    """Serve until SIGINT or SIGTERM; return the exit status.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when ``None``).
        prog: The program name usage and errors show (``microvm local serve``).

    Returns:
        ``0`` after a clean stop, ``1`` when the server could not start or stopped
        serving by itself.
    """
    parser = _parser(prog) if prog else _parser()
    args = parser.parse_args(argv)
    with _log_to_stderr():
        return _serve(args, parser)


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from microvm_sdk.local._persistence import StateFileError
    from microvm_sdk.local._server import LocalServer

    try:
        server = LocalServer(
            host=args.host,
            port=args.port,
            region=args.region,
            access_key=args.access_key,
            secret_key=args.secret_key,
            verify_signatures=not args.no_verify_signatures,
            profile=args.profile,
            state_file=args.state,
            account_id=args.account_id,
            live_fidelity=args.live_fidelity,
            allowed_hosts=args.allow_host,
            admin_token=os.environ.get(TOKEN_VARIABLE) or None,
            max_connections=args.max_connections,
            idle_timeout=args.idle_timeout,
            request_timeout=args.request_timeout,
        )
    except ValueError as exc:
        message = str(exc)
        for name in ("port", "max_connections", "idle_timeout", "request_timeout"):
            message = message.replace(f"{name} must", f"--{name.replace('_', '-')} must")
        parser.error(message)
    try:
        server.start()
    except StateFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    print(
        f"Lambda MicroVMs emulator listening on {server.endpoint_url} "
        f"(region {server.region}, access key {server.access_key!r}, "
        f"profile {server.profile})",
        flush=True,
    )
    _warn_if_exposed(server, generated_token=TOKEN_VARIABLE not in os.environ)
    status = 0
    try:
        while not stop.wait(0.5):
            if not server.running:
                print("error: the emulator stopped serving; see the log", file=sys.stderr)
                status = 1
                break
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stopped", flush=True)
    return status


@contextlib.contextmanager
def _log_to_stderr() -> Iterator[None]:
    """Show the emulator's warnings and errors on stderr (``WARNING: ...``) meanwhile."""
    log = logging.getLogger("microvm_sdk.local")
    if log.handlers or logging.getLogger().handlers:
        yield  # the program configured logging itself
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)


def _warn_if_exposed(server: Any, *, generated_token: bool) -> None:
    """Print how to reach the admin API when other machines can reach the emulator.

    The warning itself is logged by :class:`LocalServer` when it starts.
    """
    if server.loopback_only:
        return
    lines = []
    if generated_token:
        lines.append(f"The admin API requires this token (or set {TOKEN_VARIABLE}):")
        lines.append(f"  Authorization: Bearer {server.admin_token}")
    else:
        lines.append(f"The admin API requires the token from {TOKEN_VARIABLE}.")
    print("\n".join(lines), file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(serve_main())
