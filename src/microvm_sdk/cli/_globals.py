"""The global options (``--region``, ``--output`` ...) and the context a command runs in."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import IO, Any

import attrs

from microvm_sdk.cli._arguments import ArgumentParser
from microvm_sdk.cli._config import CliSettings
from microvm_sdk.cli._errors import ERROR_FORMATS
from microvm_sdk.cli._output import OUTPUT_FORMATS

__all__ = ["Context", "build_global_parser"]


def build_global_parser() -> ArgumentParser:
    """The parser of the options every command accepts, before or after the command."""
    parser = ArgumentParser(prog="microvm", add_help=False, allow_abbrev=False)
    add = parser.add_argument
    add("--debug", action="store_true", default=False)
    add("--endpoint-url", dest="endpoint_url")
    add("--no-verify-ssl", dest="verify_ssl", action="store_false", default=True)
    add("--no-paginate", dest="paginate", action="store_false", default=True)
    add("--output", choices=OUTPUT_FORMATS)
    add("--query")
    add("--profile")
    add("--region")
    add("--version", action="store_true", default=False)
    add("--color", choices=("on", "off", "auto"), default="auto")
    add("--no-sign-request", dest="sign_request", action="store_false", default=True)
    add("--ca-bundle", dest="ca_bundle")
    add("--cli-read-timeout", dest="read_timeout", type=int)
    add("--cli-connect-timeout", dest="connect_timeout", type=int)
    add("--cli-binary-format", dest="binary_format", choices=("base64", "raw-in-base64-out"))
    add("--no-cli-pager", dest="no_pager", action="store_true", default=False)
    prompt = parser.add_mutually_exclusive_group()
    prompt.add_argument("--cli-auto-prompt", dest="auto_prompt", action="store_true", default=None)
    prompt.add_argument("--no-cli-auto-prompt", dest="auto_prompt", action="store_false")
    add("--cli-error-format", dest="error_format", choices=ERROR_FORMATS)
    add("-h", "--help", dest="help", action="store_true", default=False)
    add("command", nargs="?")
    return parser


@attrs.define
class Context:
    """Everything a command needs besides its own options.

    Attributes:
        options: The parsed global options.
        settings: CLI settings of the profile.
        environ: The environment.
        stdin: Standard input.
        stdout: Standard output.
        stderr: Standard error.
        query: The compiled ``--query`` expression, or ``None``.
        client_factory: Builds the client; tests replace it.
        progress_lines: Without a terminal, report each poll of a wait on its own line
            (``microvm demo``) instead of staying quiet.
    """

    options: argparse.Namespace
    settings: CliSettings
    environ: Mapping[str, str]
    stdin: IO[str]
    stdout: IO[str]
    stderr: IO[str]
    query: Any = None
    client_factory: Any = None
    progress_lines: bool = False

    @property
    def output(self) -> str:
        """The output format: ``--output``, the profile's ``output``, or ``json``."""
        chosen = self.options.output or self.settings.output or "json"
        return chosen if chosen in OUTPUT_FORMATS else "json"

    @property
    def timestamp_format(self) -> str:
        """``cli_timestamp_format`` (default ``iso8601``)."""
        return self.settings.timestamp_format or "iso8601"

    @property
    def error_format(self) -> str:
        """``--cli-error-format``, the profile's ``cli_error_format``, or ``enhanced``."""
        chosen = self.options.error_format or self.settings.error_format or "enhanced"
        return chosen if chosen in ERROR_FORMATS else "enhanced"
