"""The shared config and credentials files (``~/.aws/config``, ``~/.aws/credentials``).

Read as botocore's ``configloader`` reads them (``raw_config_parse`` and
``build_profile_map``), with the same parser (the standard library's
``configparser.RawConfigParser``), without importing botocore: constructing a client
must stay cheap, and ``botocore.configloader`` brings ``botocore.exceptions`` and
botocore's vendored ``requests`` exceptions with it. The tests hold it to botocore's
loader, file for file.

What botocore does, and so what this module does:

* option names are lower-cased, section names kept as written; a ``[DEFAULT]`` section's
  settings appear in every section; a value may continue on indented lines;
* a value that starts on the line after its name is a nested block of ``name = value``
  lines (the ``s3 =`` and ``services`` style) and becomes a dict;
* in the config file, ``[default]`` and ``[profile NAME]`` are profiles (any section
  whose name starts with ``profile`` and splits, shell-style, into two words),
  ``[sso-session NAME]`` and ``[services NAME]`` likewise go to their own tables, and
  any other section is kept under its own name. In the credentials file every section
  is a profile named as written.

Parse errors name the file, the line and what is wrong, never the line's text (a
credentials file's lines hold secrets).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["ConfigFileError", "parse", "profile_map"]

_SHELL_SPECIAL = re.compile(r"[\"'\\]")
_SHELL_BLANKS = re.compile(r"[ \t\r\n]+")


class ConfigFileError(ValueError):
    """A shared config or credentials file that cannot be parsed (the message says why)."""


def parse(path: str) -> dict[str, dict[str, Any]]:
    """Every section of the file at ``path``: its settings, nested blocks as dicts.

    botocore's ``raw_config_parse``. A file that cannot be opened reads as empty, as
    ``configparser`` has it.

    Raises:
        ConfigFileError: The file is not a valid INI file, or not text.
    """
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read([path])
    except configparser.Error as exc:
        raise ConfigFileError(_describe(exc)) from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            f"byte {exc.start} is not text in the {exc.encoding} encoding"
        ) from None
    config: dict[str, dict[str, Any]] = {}
    for section in parser.sections():
        values: dict[str, Any] = {}
        for option in parser.options(section):
            value = parser.get(section, option)
            if value.startswith("\n"):
                value = _nested(value, section, option)
            values[option] = value
        config[section] = values
    return config


def profile_map(sections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The config file's sections sorted into tables, as botocore's ``build_profile_map``.

    Returns:
        ``{"profiles": {...}, "sso_sessions": {...}, "services": {...}}`` plus every
        other section under its own name.
    """
    profiles: dict[str, Any] = {}
    sso_sessions: dict[str, Any] = {}
    services: dict[str, Any] = {}
    result: dict[str, Any] = {}
    for key, values in sections.items():
        copied = {k: dict(v) if isinstance(v, dict) else v for k, v in values.items()}
        if key.startswith("profile"):
            _add_named(profiles, key, copied)
        elif key.startswith("sso-session"):
            _add_named(sso_sessions, key, copied)
        elif key.startswith("services"):
            _add_named(services, key, copied)
        elif key == "default":
            profiles[key] = copied
        else:
            result[key] = copied
    result["profiles"] = profiles
    result["sso_sessions"] = sso_sessions
    result["services"] = services
    return result


def _add_named(table: dict[str, Any], key: str, values: dict[str, Any]) -> None:
    """``[kind NAME]``: two shell-style words; anything else names nothing."""
    words = _shell_words(key)
    if words is not None and len(words) == 2:
        table[words[1]] = values


def _shell_words(text: str) -> list[str] | None:
    """``shlex.split(text)``, or ``None`` where it fails (an unclosed quote)."""
    if _SHELL_SPECIAL.search(text) is None:
        # No quote and no backslash: shlex splits on its four blanks and nothing else.
        stripped = text.strip(" \t\r\n")
        return _SHELL_BLANKS.split(stripped) if stripped else []
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return None


def _nested(value: str, section: str, option: str) -> dict[str, str]:
    """An indented block of ``name = value`` lines, as botocore's ``_parse_nested``."""
    parsed: dict[str, str] = {}
    for raw_line in value.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        key, sep, item = line.partition("=")
        if not sep:
            raise ConfigFileError(
                f"section [{section}], setting {option!r}: an indented line is not 'name = value'"
            )
        parsed[key.strip()] = item.strip()
    return parsed


def _describe(exc: Exception) -> str:
    """What is wrong and where, from a ``configparser`` error, without the line's text."""
    import configparser

    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno}: a setting before the first [section] header"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"line {exc.lineno}: section [{exc.section}] appears twice"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"line {exc.lineno}: setting {exc.option!r} appears twice in section [{exc.section}]"
    if isinstance(exc, configparser.ParsingError):
        lines = ", ".join(str(number) for number, _ in exc.errors)
        return f"line {lines}: neither a [section] header nor a 'name = value' setting"
    return type(exc).__name__
