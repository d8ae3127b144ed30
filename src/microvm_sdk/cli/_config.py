"""CLI settings read from the environment and the shared config file.

Only the settings that shape the CLI's own behaviour are read here (output format,
timestamp format, pager, error format, auto-prompt). Region, credentials and endpoints
are the client's business. The file is read with :mod:`configparser`, so looking at
these settings stays cheap.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping

import attrs

from microvm_sdk.cli._errors import ConfigError

__all__ = ["CliSettings", "load_settings", "profile_name"]


@attrs.frozen
class CliSettings:
    """The settings of the selected profile that the CLI itself uses.

    Attributes:
        output: ``output`` (default output format), or ``None``.
        timestamp_format: ``cli_timestamp_format`` (``iso8601``, ``wire`` or ``none``).
        pager: ``cli_pager``, or ``None`` when not set.
        error_format: ``cli_error_format``, or ``None``.
        auto_prompt: ``cli_auto_prompt`` (``on``, ``on-partial``, ``off``), or ``None``.
        binary_format: ``cli_binary_format``, or ``None``.
    """

    output: str | None = None
    timestamp_format: str | None = None
    pager: str | None = None
    error_format: str | None = None
    auto_prompt: str | None = None
    binary_format: str | None = None


def profile_name(explicit: str | None, environ: Mapping[str, str]) -> str:
    """Return the profile in use: the option, ``AWS_PROFILE``, or ``default``."""
    if explicit:
        return explicit
    return environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "default"


def _config_path(environ: Mapping[str, str]) -> str:
    return os.path.expanduser(environ.get("AWS_CONFIG_FILE") or "~/.aws/config")


def _read_section(environ: Mapping[str, str], profile: str) -> Mapping[str, str]:
    path = _config_path(environ)
    if not os.path.isfile(path):
        return {}
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc}") from exc
    for section in (f"profile {profile}", profile) if profile != "default" else ("default",):
        if parser.has_section(section):
            return {key: value.strip() for key, value in parser.items(section)}
    return {}


def load_settings(profile: str | None, environ: Mapping[str, str]) -> CliSettings:
    """Read the CLI settings of ``profile`` (environment variables win).

    Raises:
        ConfigError: The config file exists but cannot be parsed.
    """
    section = _read_section(environ, profile_name(profile, environ))
    return CliSettings(
        output=environ.get("AWS_DEFAULT_OUTPUT") or section.get("output") or None,
        timestamp_format=section.get("cli_timestamp_format") or None,
        pager=section.get("cli_pager"),
        error_format=environ.get("AWS_CLI_ERROR_FORMAT") or section.get("cli_error_format"),
        auto_prompt=environ.get("AWS_CLI_AUTO_PROMPT") or section.get("cli_auto_prompt"),
        binary_format=section.get("cli_binary_format"),
    )
