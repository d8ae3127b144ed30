"""Values read from files: ``file://path`` (text) and ``fileb://path`` (bytes).

As in AWS CLI v2, ``http://`` and ``https://`` values are taken literally (the CLI
never downloads a parameter value).
"""

from __future__ import annotations

import os

__all__ = ["ParamFileError", "load_paramfile"]

_PREFIXES = ("file://", "fileb://")


class ParamFileError(Exception):
    """A ``file://`` or ``fileb://`` value names a file that cannot be read."""


def load_paramfile(value: object) -> str | bytes | None:
    """Return the contents a ``file://`` / ``fileb://`` value points to, else ``None``.

    The path may use ``~`` and environment variables.

    Raises:
        ParamFileError: The file cannot be read, or a ``file://`` file is not text.
    """
    if not isinstance(value, str):
        return None
    for prefix in _PREFIXES:
        if value.startswith(prefix):
            path = os.path.expandvars(os.path.expanduser(value[len(prefix) :]))
            try:
                if prefix == "fileb://":
                    with open(path, "rb") as handle:
                        return handle.read()
                with open(path, encoding="utf-8") as handle:
                    return handle.read()
            except UnicodeDecodeError as exc:
                raise ParamFileError(
                    f"unable to load paramfile ({path}): its contents are not UTF-8 text; "
                    "use the fileb:// prefix for binary files"
                ) from exc
            except OSError as exc:
                raise ParamFileError(f"unable to load paramfile {value}: {exc}") from exc
    return None
