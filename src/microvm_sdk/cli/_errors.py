"""Exit codes, the CLI's own exceptions, and how errors are written to stderr.

The exit codes are the AWS CLI v2 ones:

====  =====================================================================
0     success
130   interrupted (Ctrl-C)
252   the command line is wrong: unknown option, malformed value, a value that
      breaks a model constraint, a missing required option; nothing was sent
253   configuration: region, credentials, profile, endpoint
254   the service answered with an error
255   anything else (connection trouble, a waiter that failed or timed out)
====  =====================================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import IO, Any

__all__ = [
    "EXIT_CONFIG",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OTHER",
    "EXIT_SERVICE",
    "EXIT_USAGE",
    "ERROR_FORMATS",
    "CliError",
    "ConfigError",
    "OtherError",
    "UsageError",
    "write_service_error",
]

EXIT_OK = 0
EXIT_INTERRUPTED = 130
EXIT_USAGE = 252
EXIT_CONFIG = 253
EXIT_SERVICE = 254
EXIT_OTHER = 255

ERROR_FORMATS = ("legacy", "json", "yaml", "text", "table", "enhanced")

USAGE_TEXT = (
    "usage: microvm [options] <command> [parameters]\n"
    "To see help text, you can run:\n"
    "\n"
    "  microvm help\n"
    "  microvm <command> help\n"
)


class CliError(Exception):
    """An error the CLI reports with a message and an exit code.

    Attributes:
        exit_code: The process exit code.
        lines: The message, one line per item (a validation error has several).
        show_usage: Whether the usage banner precedes the message.
    """

    exit_code = EXIT_OTHER

    def __init__(self, *lines: str, show_usage: bool = False) -> None:
        self.lines: tuple[str, ...] = tuple(lines)
        self.show_usage = show_usage
        super().__init__("\n".join(lines))

    def write(self, stream: IO[str]) -> None:
        """Write the error as the CLI shows it."""
        if self.show_usage:
            stream.write("\n" + USAGE_TEXT + "\n")
        for line in self.lines:
            stream.write(f"microvm: error: {line}\n")


class UsageError(CliError):
    """The command line is wrong; nothing was sent (exit code 252)."""

    exit_code = EXIT_USAGE


class ConfigError(CliError):
    """Region, credentials, profile or endpoint cannot be resolved (exit code 253)."""

    exit_code = EXIT_CONFIG


class OtherError(CliError):
    """Any other failure (exit code 255)."""

    exit_code = EXIT_OTHER


def _error_document(
    code: str, message: str, fields: Mapping[str, Any], operation: str
) -> dict[str, Any]:
    document: dict[str, Any] = {"Code": code, "Message": message}
    for key, value in fields.items():
        if key not in ("message", "Message") and value is not None:
            document[key] = value
    return document


def write_service_error(
    stream: IO[str],
    *,
    error_format: str,
    code: str,
    message: str,
    operation: str,
    fields: Mapping[str, Any],
    color: str = "off",
) -> None:
    """Write a service error in one of the ``--cli-error-format`` styles.

    Args:
        stream: Where to write (stderr).
        error_format: ``legacy``, ``json``, ``yaml``, ``text``, ``table`` or ``enhanced``.
        code: The error code (``ResourceNotFoundException``).
        message: The service's message.
        operation: The operation's model name (``GetMicrovmImage``).
        fields: The error's other modeled members, by wire name.
        color: The ``--color`` setting, for the table style.
    """
    headline = f"An error occurred ({code}) when calling the {operation} operation: {message}"
    document = _error_document(code, message, fields, operation)
    if error_format == "legacy":
        stream.write(f"\n{headline}\n")
        return
    if error_format == "json":
        stream.write(json.dumps(document, indent=4, ensure_ascii=False) + "\n")
        return
    if error_format in ("yaml", "text", "table"):
        from microvm_sdk.cli import _output

        settings = _output.OutputSettings(output=error_format, color=color)
        _output.write_document(document, settings, stream, title="Error")
        return
    # enhanced (the default)
    stream.write(f"microvm: [ERROR]: {headline}\n")
    details = {k: v for k, v in document.items() if k not in ("Code", "Message")}
    if details:
        stream.write("\nAdditional error details:\n")
        for key, value in details.items():
            if isinstance(value, Mapping | Sequence) and not isinstance(value, str):
                shown = (
                    '<complex value> Use "--cli-error-format json" or another format '
                    "to see the full details."
                )
                stream.write(f"{key}: {shown}\n")
            else:
                stream.write(f"{key}: {value}\n")
