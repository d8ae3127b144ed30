"""The driver: global options, dispatch to a command, errors to exit codes."""

from __future__ import annotations

import logging
import os
import platform
import sys
from collections.abc import Mapping
from typing import IO, Any

from microvm_sdk._version import __version__
from microvm_sdk.cli._errors import (
    EXIT_CONFIG,
    EXIT_INTERRUPTED,
    EXIT_OTHER,
    EXIT_SERVICE,
    EXIT_USAGE,
    CliError,
    UsageError,
    write_service_error,
)
from microvm_sdk.cli._globals import Context, build_global_parser

__all__ = ["run", "version_string"]

_LOG_FORMAT = "%(asctime)s - %(threadName)s - %(name)s - %(levelname)s - %(message)s"
_SPECIAL = ("wait", "local", "demo", "completion", "help")


def version_string() -> str:
    """``microvm-sdk/0.1.0 Python/3.11.7 Linux/6.1.0``."""
    return (
        f"microvm-sdk/{__version__} Python/{platform.python_version()} "
        f"{platform.system()}/{platform.release()}"
    )


def run(
    argv: list[str],
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
    client_factory: Any = None,
) -> int:
    """Run the CLI with ``argv`` (without the program name); return the exit code.

    The streams, the environment and the client factory can be replaced (tests).
    """
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    environ = os.environ if environ is None else environ
    error_format = "enhanced"
    color = "auto"
    operation = ""
    handler: tuple[logging.Handler, int] | None = None
    try:
        parser = build_global_parser()
        options, remaining = parser.parse_known_args(argv)
        if options.version:
            stdout.write(version_string() + "\n")
            return 0
        command_name = options.command
        if command_name is None or command_name == "help":
            from microvm_sdk.cli._help import top_help

            if command_name is None and not options.help and not remaining:
                raise UsageError("the following arguments are required: command", show_usage=True)
            stdout.write(top_help())
            return 0
        error_format = options.error_format or error_format
        color = options.color
        if options.debug:
            handler = _enable_debug(stderr, argv)
        from microvm_sdk.cli._config import load_settings

        settings = load_settings(options.profile, environ)
        context = Context(
            options=options,
            settings=settings,
            environ=environ,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            query=_compile_query(options.query),
            client_factory=client_factory,
        )
        error_format = context.error_format
        wants_help = options.help or remaining[:1] == ["help"]
        if command_name == "local":
            # The emulator's own options (--profile, --region ...) are not ours: hand it
            # everything that follows "local" untouched.
            return _run_local(argv[_command_index(argv) + 1 :], stdout)
        if command_name == "demo":
            from microvm_sdk.cli._demo import run_demo

            operation = "GetMicrovmImage"
            return run_demo(context, remaining)
        from microvm_sdk.cli._model import load_service_model

        model = load_service_model()
        if command_name == "wait":
            from microvm_sdk.cli._commands import WAITERS, run_wait

            if options.help and not remaining:
                remaining = ["help"]
            waiter = WAITERS.get(remaining[0]) if remaining else None
            operation = waiter.operation if waiter is not None else ""
            return run_wait(context, model, remaining)
        if command_name == "completion":
            from microvm_sdk.cli._completion import run_completion

            return run_completion(context, model, remaining)
        command = model.commands.get(command_name)
        if command is None:
            raise UsageError(
                _invalid_choice(command_name, [*model.commands, *_SPECIAL]), show_usage=True
            )
        if wants_help:
            from microvm_sdk.cli._help import command_help

            stdout.write(command_help(command, model))
            return 0
        operation = command.operation.name
        from microvm_sdk.cli._commands import run_operation

        return run_operation(context, command, model, remaining)
    except CliError as exc:
        exc.write(stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        stdout.write("\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_broken_pipe(stdout)
        return EXIT_OTHER
    except Exception as exc:  # every error becomes a message and an exit code
        return _report(exc, stderr, error_format=error_format, operation=operation, color=color)
    finally:
        if handler is not None:
            logger = logging.getLogger("microvm_sdk")
            logger.removeHandler(handler[0])
            logger.setLevel(handler[1])


_VALUE_OPTIONS = frozenset(
    {
        "--endpoint-url",
        "--output",
        "--query",
        "--profile",
        "--region",
        "--color",
        "--ca-bundle",
        "--cli-read-timeout",
        "--cli-connect-timeout",
        "--cli-binary-format",
        "--cli-error-format",
    }
)


def _command_index(argv: list[str]) -> int:
    """The position of the command word in ``argv`` (skipping global option values)."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in _VALUE_OPTIONS:
            index += 2
            continue
        if not word.startswith("-"):
            return index
        index += 1
    return len(argv)


def _compile_query(expression: str | None) -> Any:
    if expression is None:
        return None
    import jmespath  # type: ignore[import-untyped]
    from jmespath.exceptions import JMESPathError  # type: ignore[import-untyped]

    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise UsageError(f"Bad value for --query {expression}: {exc}") from None


def _invalid_choice(value: str, choices: list[str]) -> str:
    import difflib

    message = f"argument command: Invalid choice: {value!r}"
    close = difflib.get_close_matches(value, choices, cutoff=0.8)
    if close:
        message += ", maybe you meant: " + ", ".join(close)
    return message + " (run 'microvm help' for the list of commands)"


def _enable_debug(stderr: IO[str], argv: list[str]) -> tuple[logging.Handler, int]:
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    logger = logging.getLogger("microvm_sdk")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    log = logging.getLogger("microvm_sdk.cli")
    log.debug("CLI version: %s", version_string())
    # Option names only: values may be secrets (environment variables, hook payloads).
    log.debug("Options given: %s", " ".join(a for a in argv if a.startswith("--")))
    return handler, previous


def _silence_broken_pipe(stdout: IO[str]) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass


def _run_local(args: list[str], stdout: IO[str]) -> int:
    if not args or args[0] in ("help", "-h", "--help"):
        stdout.write(
            "usage: microvm local serve [options]\n\n"
            "Run the local Lambda MicroVMs emulator (see 'microvm local serve --help').\n"
        )
        return 0
    if args[0] != "serve":
        raise UsageError(f"argument local: Invalid choice: {args[0]!r}, valid choices are: serve")
    from microvm_sdk.local.__main__ import serve_main

    try:
        result = serve_main(args[1:], prog="microvm local serve")
    except SystemExit as exc:  # its argument parser exits on --help and on errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return int(result) if isinstance(result, int) else 0


def _report(
    exc: Exception, stderr: IO[str], *, error_format: str, operation: str, color: str
) -> int:
    from microvm_sdk.errors import (
        ConfigurationError,
        MicrovmError,
        ParamValidationError,
        ServiceError,
        TransportError,
        WaiterError,
    )

    logging.getLogger("microvm_sdk.cli").debug("Exception caught in main()", exc_info=True)
    if isinstance(exc, ServiceError):
        write_service_error(
            stderr,
            error_format=error_format,
            code=exc.code,
            message=exc.message,
            operation=operation or "unknown",
            fields=_error_fields(exc),
            color=color,
        )
        return EXIT_SERVICE
    if isinstance(exc, ParamValidationError):
        from microvm_sdk.cli._errors import UsageError as _Usage

        _Usage(*_translate_validation(exc.errors, operation)).write(stderr)
        return EXIT_USAGE
    if isinstance(exc, ConfigurationError):
        stderr.write(f"microvm: error: {_configuration_message(str(exc))}\n")
        return EXIT_CONFIG
    if isinstance(exc, TransportError):
        where = f" {exc.url}" if getattr(exc, "url", None) else ""
        stderr.write(f"microvm: error: could not reach the endpoint{where}: {exc}\n")
        return EXIT_OTHER
    if isinstance(exc, WaiterError | MicrovmError):
        stderr.write(f"microvm: error: {exc}\n")
        return EXIT_OTHER
    stderr.write(f"microvm: error: {type(exc).__name__}: {exc}\n")
    return EXIT_OTHER


_NO_REGION = (
    "You must specify a region: use --region, set AWS_REGION (or AWS_DEFAULT_REGION), "
    "or add 'region = <region>' to the profile in the shared config file"
)
_NO_CREDENTIALS = (
    "Unable to locate credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use "
    "--profile with a profile that has credentials (keys, SSO, assume-role or "
    "credential_process) in the shared config or credentials file. For the local "
    "emulator, use its keys (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test by "
    "default); --no-sign-request works only with an emulator started with "
    "--no-verify-signatures"
)


def _configuration_message(message: str) -> str:
    """The SDK's configuration error in command-line terms (options, not arguments)."""
    if message.startswith("no AWS region configured"):
        return _NO_REGION
    if message.startswith("no credentials found"):
        return _NO_CREDENTIALS
    for argument, option in _OPTIONS_OF_ARGUMENTS:
        message = message.replace(f"(from argument {argument})", f"(from {option})")
    return message


# The client arguments the command line's global options set, as the SDK's messages name
# their source ("region 'x' (from argument region_name) is not ...").
_OPTIONS_OF_ARGUMENTS = (
    ("region_name", "--region"),
    ("endpoint_url", "--endpoint-url"),
    ("profile_name", "--profile"),
)


def _error_fields(exc: Any) -> dict[str, Any]:
    """The error's modeled members (beyond the message) under their model names."""
    try:
        fields = dict(exc.modeled_fields())
    except Exception:
        return {}
    from microvm_sdk._schema import SCHEMA

    shape = SCHEMA.shapes.get(exc.code)
    if shape is None:
        return {key: value for key, value in fields.items() if value is not None}
    named: dict[str, Any] = {}
    for member in shape.members:
        value = fields.get(member.name)
        if value is not None and member.model_name != "message":
            named[member.model_name] = value
    return named


def _translate_validation(errors: tuple[str, ...], operation: str) -> list[str]:
    """Turn the SDK's ``snake.case.path: message`` lines into ``--option: path: message``."""
    if not operation:
        return list(errors)
    from microvm_sdk.cli._model import load_service_model

    model = load_service_model()
    try:
        command = model.command_for_operation(operation)
    except KeyError:
        return list(errors)
    lines: list[str] = []
    for error in errors:
        path, sep, message = error.partition(": ")
        head, _, rest = path.partition(".")
        argument = command.argument_for_python_name(head.split("[")[0])
        if not sep or argument is None:
            lines.append(error)
            continue
        wire_path = _wire_path(model, argument.shape, rest) if rest else ""
        lines.append(f"{argument.option}: {wire_path + ': ' if wire_path else ''}{message}")
    return lines


def _wire_path(model: Any, shape: Any, python_path: str) -> str:
    parts: list[str] = []
    for part in python_path.split("."):
        name, bracket, index = part.partition("[")
        if shape.kind in ("structure", "union"):
            member = next((m for m in shape.members if m.name == name), None)
            if member is None:
                parts.append(part)
                continue
            parts.append(member.model_name + (bracket + index if bracket else ""))
            shape = model.target(member)
            while bracket and shape.kind == "list":
                shape = model.list_member(shape)
                bracket = ""
        else:
            parts.append(part)
    return ".".join(parts)
