"""Run the emulator in the foreground: ``python -m microvm_sdk.local --port 7878``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

DEFAULT_PORT = 7878


def _parser(prog: str = "python -m microvm_sdk.local") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a local emulator of AWS Lambda MicroVMs until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument("--state", metavar="FILE", help="JSON state file, loaded and kept")
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
        action="store_true",
        help="send explicit nulls and the unmodeled members the live service sends",
    )
    return parser


def serve_main(argv: list[str] | None = None, *, prog: str | None = None) -> int:
    """Serve until SIGINT or SIGTERM; return the exit status.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when ``None``).
        prog: The program name usage and errors show (``microvm local serve``).

    Returns:
        ``0`` after a clean stop, ``1`` when the server could not start.
    """
    from microvm_sdk.local._server import LocalServer

    args = (_parser(prog) if prog else _parser()).parse_args(argv)
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
    )
    try:
        server.start()
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
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve_main())
