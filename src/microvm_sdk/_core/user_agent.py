"""The ``User-Agent`` header in the format every AWS SDK sends (``ua/2.1``).

Services attribute traffic by it: which SDK and version, which botocore, the operating
system, the language and its version, the retry mode, and the application (``app/``).
The header is written the way botocore writes its own, token by token, so that AWS's
metrics read ours the same way::

    microvm-sdk/0.1.0 md/Botocore#1.44.8 ua/2.1 os/linux#6.1.0 md/arch#x86_64
    lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#standard app/my-app <extra>

Component texts are cleaned as botocore cleans them: a character outside
``A-Za-z0-9!$%&'*+-.^_`|~,`` (and ``#`` in a value) becomes ``-``. The extra text
(``Config.user_agent_extra``) is appended as it is. Built once per client, when it first
calls (botocore's version is known only once botocore is imported).
"""

from __future__ import annotations

import platform

__all__ = ["UserAgent", "sanitize"]

_ALLOWED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$%&'*+-.^_`|~,"
)
_OS_FAMILIES = {
    "windows": "windows",
    "linux": "linux",
    "darwin": "macos",
    "macos": "macos",
    "android": "android",
    "ios": "ios",
    "watchos": "watchos",
    "tvos": "tvos",
}


def sanitize(text: str, *, allow_hash: bool) -> str:
    """Replace every character a user-agent component may not hold with ``-``."""
    return "".join(c if c in _ALLOWED or (allow_hash and c == "#") else "-" for c in text)


def _component(prefix: str, name: str, value: str | None = None) -> str:
    head = f"{sanitize(prefix, allow_hash=True)}/{sanitize(name, allow_hash=False)}"
    return f"{head}#{sanitize(value, allow_hash=True)}" if value else head


class UserAgent:
    """What the ``User-Agent`` header is made of, resolved when the client is built.

    Args:
        sdk_name: The SDK's name (``microvm-sdk``).
        sdk_version: The SDK's version.
        app_id: The application's id (``Config.user_agent_appid``, ``AWS_SDK_UA_APP_ID``,
            ``sdk_ua_app_id``), or ``None``.
        retry_mode: The retry mode in effect.
        execution_env: ``AWS_EXECUTION_ENV`` (set by AWS compute environments), or ``None``.
        extra: Text appended as it is (``Config.user_agent_extra``), or ``None``.
    """

    __slots__ = ("app_id", "execution_env", "extra", "retry_mode", "sdk_name", "sdk_version")

    def __init__(
        self,
        *,
        sdk_name: str,
        sdk_version: str,
        app_id: str | None = None,
        retry_mode: str | None = None,
        execution_env: str | None = None,
        extra: str | None = None,
    ) -> None:
        self.sdk_name = sdk_name
        self.sdk_version = sdk_version
        self.app_id = app_id
        self.retry_mode = retry_mode
        self.execution_env = execution_env
        self.extra = extra

    def header(self, botocore_version: str | None = None) -> str:
        """The header's value.

        Args:
            botocore_version: botocore's version; read from botocore (importing it)
                when not given.
        """
        if botocore_version is None:
            import botocore  # type: ignore[import-untyped]

            botocore_version = str(botocore.__version__)
        system = platform.system()
        release = platform.release()
        family = _OS_FAMILIES.get(system.lower())
        parts = [
            _component(self.sdk_name, self.sdk_version),
            _component("md", "Botocore", botocore_version),
            "ua/2.1",
        ]
        if family is not None:
            parts.append(_component("os", family, release))
        else:
            parts += [_component("os", "other"), _component("md", system or "unknown", release)]
        machine = platform.machine()
        if machine:
            parts.append(_component("md", "arch", machine.lower()))
        parts.append(_component("lang", "python", platform.python_version()))
        implementation = platform.python_implementation()
        if implementation:
            parts.append(_component("md", "pyimpl", implementation))
        if self.execution_env:
            parts.append(_component("exec-env", self.execution_env))
        if self.retry_mode:
            parts.append(_component("cfg", "retry-mode", self.retry_mode))
        if self.app_id:
            parts.append("app/" + sanitize(self.app_id, allow_hash=True))
        if self.extra:
            parts.append(self.extra)
        return " ".join(parts)
