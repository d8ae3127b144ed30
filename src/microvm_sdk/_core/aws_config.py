"""Region, profile, endpoint settings and credentials, resolved as botocore resolves them.

Two objects, built at different times:

* :class:`AwsSettings` is resolved when a client is constructed. It reads explicit
  arguments, environment variables and the shared config and credentials files
  (parsed as ``botocore.configloader`` parses them, by
  :mod:`microvm_sdk._core.shared_config`, and cached by path and modification time),
  and nothing else: no botocore, no network.
* :class:`CredentialSource` is asked for credentials when a request is signed. It builds
  botocore's credential chain on first use (environment, shared credentials, SSO,
  assume-role, credential process, container and instance metadata), then returns
  frozen credentials on every call, which refreshes expiring credentials.

Where this module differs from botocore, on purpose: ``AWS_REGION`` is read (before
``AWS_DEFAULT_REGION``, as the other AWS SDKs do), ``AWS_PROFILE`` wins over
``AWS_DEFAULT_PROFILE``, and an empty environment variable counts as unset.

Service facts (the name in ``AWS_ENDPOINT_URL_<NAME>`` and in the ``services``
section) come in as arguments.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from microvm_sdk._core import forks
from microvm_sdk._core.errors import ConfigurationError
from microvm_sdk._core.limits import APP_ID_MAX_LENGTH, MAX_ATTEMPTS, retry_mode_error
from microvm_sdk._core.records import Record, set_once

if TYPE_CHECKING:  # the rules engine is imported on the first call, not at construction
    from microvm_sdk._core.endpoints import Endpoint, EndpointResolver

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_RETRY_MODE",
    "AwsSettings",
    "CredentialSource",
    "FrozenCredentials",
]


#: Attempts per call when nothing configures it (boto3's standard mode).
DEFAULT_MAX_ATTEMPTS = 3
#: The retry mode when nothing configures it (the default of botocore 1.44).
DEFAULT_RETRY_MODE = "standard"

_DEFAULT_CONFIG_FILE = "~/.aws/config"
_DEFAULT_CREDENTIALS_FILE = "~/.aws/credentials"
_REGION_RE = re.compile(r"(?![0-9]+$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")

_NO_CREDENTIALS = (
    "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or add "
    "aws_access_key_id and aws_secret_access_key to the [{profile}] profile of the shared "
    "credentials file ({credentials_file}); or configure SSO, assume-role or "
    "credential_process for that profile in the shared config file ({config_file}); or "
    "pass aws_access_key_id= and aws_secret_access_key= (or botocore_session=) to the "
    "client; or run where a container or instance role provides them. To send requests "
    "without signing them, use Config(unsigned=True)."
)


class FrozenCredentials(NamedTuple):
    """One consistent set of credentials to sign a request with.

    The field names are botocore's (``ReadOnlyCredentials``), so botocore's signers
    accept it. ``repr`` hides the secret key and the token.
    """

    access_key: str
    secret_key: str
    token: str | None = None

    def __repr__(self) -> str:
        token = ", token=<redacted>" if self.token else ""
        return f"FrozenCredentials(access_key={self.access_key!r}, secret_key=<redacted>{token})"


class AwsSettings(Record):
    """Where and how a client sends requests, resolved once at construction.

    Build it with :meth:`resolve`.

    Attributes:
        region: The AWS region (``us-east-1``).
        profile: The named profile in effect, or ``None`` for the default profile when
            none was named.
        endpoint_url: An endpoint URL override, or ``None`` to let the endpoint rules
            choose from the region and the FIPS/dual-stack flags.
        endpoint_url_source: Where ``endpoint_url`` came from, for messages
            (``"AWS_ENDPOINT_URL"``, ``"argument endpoint_url"`` ...).
        use_fips_endpoint: Use the FIPS endpoint.
        use_dualstack_endpoint: Use the dual-stack endpoint.
        max_attempts: Total attempts per call.
        retry_mode: ``"standard"`` or ``"adaptive"``.
        verify: ``True`` to verify TLS with the default trust store, ``False`` not to
            verify, or the path of a CA bundle.
        static_credentials: Credentials given explicitly, if any.
        botocore_session: The botocore session given to the client, if any.
        user_agent_appid: The application id for the ``User-Agent`` header, if any.
    """

    __slots__ = (
        "botocore_session",
        "endpoint_url",
        "endpoint_url_source",
        "max_attempts",
        "profile",
        "region",
        "retry_mode",
        "static_credentials",
        "use_dualstack_endpoint",
        "use_fips_endpoint",
        "user_agent_appid",
        "verify",
    )
    _FIELDS = (
        "region",
        "profile",
        "endpoint_url",
        "endpoint_url_source",
        "use_fips_endpoint",
        "use_dualstack_endpoint",
        "max_attempts",
        "retry_mode",
        "verify",
        "static_credentials",
        "botocore_session",
        "user_agent_appid",
    )
    _NOT_SHOWN = frozenset({"static_credentials", "botocore_session"})
    _NOT_COMPARED = frozenset({"botocore_session"})

    region: str
    profile: str | None
    endpoint_url: str | None
    endpoint_url_source: str | None
    use_fips_endpoint: bool
    use_dualstack_endpoint: bool
    max_attempts: int
    retry_mode: str
    verify: bool | str
    static_credentials: FrozenCredentials | None
    botocore_session: Any
    user_agent_appid: str | None

    def __init__(
        self,
        *,
        region: str,
        profile: str | None = None,
        endpoint_url: str | None = None,
        endpoint_url_source: str | None = None,
        use_fips_endpoint: bool = False,
        use_dualstack_endpoint: bool = False,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_mode: str = DEFAULT_RETRY_MODE,
        verify: bool | str = True,
        static_credentials: FrozenCredentials | None = None,
        botocore_session: Any = None,
        user_agent_appid: str | None = None,
    ) -> None:
        set_once(self, "region", region)
        set_once(self, "profile", profile)
        set_once(self, "endpoint_url", endpoint_url)
        set_once(self, "endpoint_url_source", endpoint_url_source)
        set_once(self, "use_fips_endpoint", use_fips_endpoint)
        set_once(self, "use_dualstack_endpoint", use_dualstack_endpoint)
        set_once(self, "max_attempts", max_attempts)
        set_once(self, "retry_mode", retry_mode)
        set_once(self, "verify", verify)
        set_once(self, "static_credentials", static_credentials)
        set_once(self, "botocore_session", botocore_session)
        set_once(self, "user_agent_appid", user_agent_appid)

    @classmethod
    def resolve(
        cls,
        *,
        service_env_name: str,
        region_name: str | None = None,
        profile_name: str | None = None,
        endpoint_url: str | None = None,
        use_fips_endpoint: bool | None = None,
        use_dualstack_endpoint: bool | None = None,
        max_attempts: int | None = None,
        retry_mode: str | None = None,
        verify: bool | str | None = None,
        ca_bundle: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        botocore_session: Any = None,
        user_agent_appid: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> AwsSettings:
        """Resolve the settings from arguments, environment and shared config files.

        Precedence, first found wins:

        * region: ``region_name``; the botocore session's own ``region`` variable;
          ``AWS_REGION``; ``AWS_DEFAULT_REGION``; ``region`` in the profile.
        * profile: ``profile_name``; the botocore session's profile; ``AWS_PROFILE``;
          ``AWS_DEFAULT_PROFILE``; else the default profile.
        * endpoint URL (botocore's order): ``endpoint_url``; then, unless
          ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` (or ``ignore_configured_endpoint_urls``
          in the profile) is true: ``AWS_ENDPOINT_URL_<SERVICE>``; ``AWS_ENDPOINT_URL``;
          ``endpoint_url`` under the service's key in the profile's ``services``
          section; ``endpoint_url`` in the profile.
        * FIPS / dual-stack: the argument; ``AWS_USE_FIPS_ENDPOINT`` /
          ``AWS_USE_DUALSTACK_ENDPOINT``; ``use_fips_endpoint`` /
          ``use_dualstack_endpoint`` in the profile; ``False``.
        * max attempts: the argument; ``AWS_MAX_ATTEMPTS``; ``max_attempts`` in the
          profile; 3.
        * retry mode: the argument; ``AWS_RETRY_MODE``; ``retry_mode`` in the profile;
          ``"standard"``.
        * TLS verification: ``verify``; ``ca_bundle``; ``AWS_CA_BUNDLE``; ``ca_bundle``
          in the profile; ``REQUESTS_CA_BUNDLE``; the default trust store.
        * user-agent application id (botocore's order): ``user_agent_appid``; the
          botocore session's ``user_agent_appid`` variable; ``AWS_SDK_UA_APP_ID``;
          ``sdk_ua_app_id`` in the profile. A value longer than 50 characters from the
          environment or a profile is used with a warning, as botocore does.

        The profile's values are those of the shared config file (``AWS_CONFIG_FILE``,
        default ``~/.aws/config``) merged with the shared credentials file
        (``AWS_SHARED_CREDENTIALS_FILE``, default ``~/.aws/credentials``), as botocore
        merges them. When ``botocore_session`` is given, profile, files and session
        variables are the session's.

        Args:
            service_env_name: The service's name in environment variables and in the
                ``services`` section, e.g. ``"MY_SERVICE"`` (case and ``-``/``_``
                do not matter).
            region_name: An explicit region.
            profile_name: An explicit profile name.
            endpoint_url: An explicit endpoint URL.
            use_fips_endpoint: An explicit FIPS flag.
            use_dualstack_endpoint: An explicit dual-stack flag.
            max_attempts: Explicit total attempts per call.
            retry_mode: An explicit retry mode.
            verify: ``False`` to skip TLS verification, or a CA bundle path.
            ca_bundle: A CA bundle path (from client options).
            aws_access_key_id: An explicit access key id.
            aws_secret_access_key: An explicit secret access key.
            aws_session_token: An explicit session token.
            botocore_session: A ``botocore.session.Session`` to take the profile,
                configuration and credentials from.
            user_agent_appid: An explicit application id for the ``User-Agent`` header.
            environ: The environment to read; ``os.environ`` by default.

        Returns:
            The resolved settings.

        Raises:
            ConfigurationError: No region is configured, a value is invalid (a retry
                mode of ``"legacy"`` among them), a named profile does not exist, or a
                config file cannot be parsed.
        """
        env: Mapping[str, str] = os.environ if environ is None else environ
        _check_argument_types(
            profile_name=profile_name,
            endpoint_url=endpoint_url,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
        )
        if verify is not None and (not isinstance(verify, bool | str) or verify == ""):
            got = "''" if verify == "" else type(verify).__name__
            raise ConfigurationError(
                f"verify must be True, False or the path of a CA bundle, got {got}"
            )
        if botocore_session is not None:
            sources = _Sources.from_session(botocore_session, env, profile_name)
        else:
            sources = _Sources.from_files(env, profile_name)

        region, region_source = sources.first(
            ("argument region_name", region_name),
            ("botocore session", sources.instance.get("region")),
            ("AWS_REGION", sources.env("AWS_REGION")),
            ("AWS_DEFAULT_REGION", sources.env("AWS_DEFAULT_REGION")),
            (sources.where("region"), sources.scoped.get("region")),
        )
        if region is None:
            raise ConfigurationError(_no_region_message(sources))
        if not isinstance(region, str) or _REGION_RE.fullmatch(region) is None:
            raise ConfigurationError(
                f"region {region!r} (from {region_source}) is not a valid region name"
            )

        url, url_source = _resolve_endpoint_url(endpoint_url, sources, service_env_name)

        fips = sources.flag("use_fips_endpoint", "AWS_USE_FIPS_ENDPOINT", use_fips_endpoint)
        dualstack = sources.flag(
            "use_dualstack_endpoint", "AWS_USE_DUALSTACK_ENDPOINT", use_dualstack_endpoint
        )

        attempts, attempts_source = sources.first(
            ("argument max_attempts", max_attempts),
            ("botocore session", sources.instance.get("max_attempts")),
            ("AWS_MAX_ATTEMPTS", sources.env("AWS_MAX_ATTEMPTS")),
            (sources.where("max_attempts"), sources.scoped.get("max_attempts")),
        )
        resolved_attempts = (
            DEFAULT_MAX_ATTEMPTS if attempts is None else _attempts(attempts, attempts_source)
        )
        mode, mode_source = sources.first(
            ("argument retry_mode", retry_mode),
            ("botocore session", sources.instance.get("retry_mode")),
            ("AWS_RETRY_MODE", sources.env("AWS_RETRY_MODE")),
            (sources.where("retry_mode"), sources.scoped.get("retry_mode")),
        )
        if mode is None:
            mode = DEFAULT_RETRY_MODE
        else:
            problem = retry_mode_error(mode, str(mode_source))
            if problem is not None:
                raise ConfigurationError(problem)

        resolved_verify: bool | str
        if verify is not None:
            resolved_verify = verify
        else:
            bundle, _ = sources.first(
                ("ca_bundle", ca_bundle),
                ("botocore session", sources.instance.get("ca_bundle")),
                ("AWS_CA_BUNDLE", sources.env("AWS_CA_BUNDLE")),
                (sources.where("ca_bundle"), sources.scoped.get("ca_bundle")),
                ("REQUESTS_CA_BUNDLE", sources.env("REQUESTS_CA_BUNDLE")),
            )
            resolved_verify = True if bundle is None else str(bundle)

        app_id, app_id_source = sources.first(
            ("Config user_agent_appid", user_agent_appid),
            ("botocore session", sources.instance.get("user_agent_appid")),
            ("AWS_SDK_UA_APP_ID", sources.env("AWS_SDK_UA_APP_ID")),
            (sources.where("sdk_ua_app_id"), sources.scoped.get("sdk_ua_app_id")),
        )
        if app_id is not None:
            app_id = str(app_id)
            if len(app_id) > APP_ID_MAX_LENGTH:
                with forks.loading():  # only here: constructing a client need not import it
                    import logging

                logging.getLogger("microvm_sdk").warning(
                    "the user-agent application id from %s is longer than %d characters",
                    app_id_source,
                    APP_ID_MAX_LENGTH,
                )

        return cls(
            region=region,
            profile=sources.profile,
            endpoint_url=url,
            endpoint_url_source=url_source,
            use_fips_endpoint=fips,
            use_dualstack_endpoint=dualstack,
            max_attempts=resolved_attempts,
            retry_mode=str(mode),
            verify=resolved_verify,
            static_credentials=_static_credentials(
                aws_access_key_id, aws_secret_access_key, aws_session_token
            ),
            botocore_session=botocore_session,
            user_agent_appid=app_id,
        )

    def resolve_endpoint(self, resolver: EndpointResolver) -> Endpoint:
        """Resolve the endpoint for these settings with ``resolver``.

        As in botocore, an endpoint URL override turns the FIPS and dual-stack flags
        off rather than failing: the override names the exact endpoint to use.

        Raises:
            ConfigurationError: The endpoint rules refuse the settings.
        """
        custom = self.endpoint_url
        return resolver.resolve(
            region=self.region,
            use_fips=self.use_fips_endpoint and custom is None,
            use_dualstack=self.use_dualstack_endpoint and custom is None,
            endpoint=custom,
        )

    def credential_source(self) -> CredentialSource:
        """Return a new :class:`CredentialSource` for these settings (nothing resolved yet)."""
        return CredentialSource(
            static=self.static_credentials,
            botocore_session=self.botocore_session,
            profile=self.profile,
        )


class CredentialSource:
    """Credentials for signing, resolved on first use; thread-safe.

    In order: explicit static credentials; else the credentials of the given botocore
    session; else those of a botocore session built for ``profile`` on first use
    (botocore's full chain). Each :meth:`get` asks botocore's credentials object for
    frozen credentials, so refreshable credentials are refreshed before they expire.

    Args:
        static: Credentials to use as they are.
        botocore_session: A botocore session to take credentials from.
        profile: The profile for a botocore session built here (``None``: default).
    """

    def __init__(
        self,
        *,
        static: FrozenCredentials | None = None,
        botocore_session: Any = None,
        profile: str | None = None,
    ) -> None:
        self._static = static
        self._session = botocore_session
        self._profile = profile
        self._credentials: Any = None
        self._lock = threading.Lock()

    @property
    def method(self) -> str | None:
        """How the credentials were found, or ``None`` before the first :meth:`get`.

        ``"explicit"`` for static credentials, else botocore's name (``"env"``,
        ``"shared-credentials-file"``, ``"sso"``, ``"assume-role"`` ...).
        """
        if self._static is not None:
            return "explicit"
        credentials = self._credentials
        return None if credentials is None else getattr(credentials, "method", None)

    def get(self) -> FrozenCredentials:
        """Return the current credentials, resolving or refreshing them as needed.

        Raises:
            ConfigurationError: No credentials can be found, or botocore fails to load
                or refresh them (the botocore error is the ``__cause__``).
        """
        if self._static is not None:
            return self._static
        credentials = self._credentials
        if credentials is None:
            credentials = self._resolve()
        try:
            frozen = credentials.get_frozen_credentials()
        except Exception as exc:  # botocore's providers raise more than BotoCoreError
            raise ConfigurationError(f"cannot refresh credentials: {exc}") from exc
        return FrozenCredentials(frozen.access_key, frozen.secret_key, frozen.token)

    def get_frozen_credentials(self) -> FrozenCredentials:
        """Alias of :meth:`get`, the name botocore's credential objects use."""
        return self.get()

    def refresh_needed(self) -> bool:
        """Whether :meth:`get` may do I/O now: find the credentials, or refresh them.

        ``False`` means :meth:`get` returns at once (static credentials, or botocore
        credentials that are not due for a refresh), so an event loop may call it. It is
        botocore's ``refresh_needed()`` (the advisory window, 15 minutes before expiry),
        which is also when botocore's ``get_frozen_credentials()`` starts refreshing.
        """
        if self._static is not None:
            return False
        credentials = self._credentials
        if credentials is None:
            return True
        check = getattr(credentials, "refresh_needed", None)
        return bool(check()) if check is not None else False

    def _resolve(self) -> Any:
        with self._lock:
            if self._credentials is not None:
                return self._credentials
            session = self._session
            try:
                if session is None:
                    with forks.loading():  # never half imported in a forked child
                        import botocore.session  # type: ignore[import-untyped]

                    session = botocore.session.Session(profile=self._profile)
                credentials = session.get_credentials()
            except Exception as exc:
                # botocore's own errors, and also OSError from a credential_process
                # helper, ValueError from a malformed token cache file, ...
                profile = f" for profile {self._profile!r}" if self._profile else ""
                raise ConfigurationError(f"cannot load credentials{profile}: {exc}") from exc
            if credentials is None:
                raise ConfigurationError(
                    _NO_CREDENTIALS.format(
                        profile=self._profile or "default",
                        config_file=_session_path(session, "config_file"),
                        credentials_file=_session_path(session, "credentials_file"),
                    )
                )
            self._credentials = credentials
            return credentials


# Sources ------------------------------------------------------------------------------


class _Sources:
    """The places settings are read from: environment, session variables, profile."""

    def __init__(
        self,
        *,
        environ: Mapping[str, str],
        instance: Mapping[str, Any],
        profile: str | None,
        scoped: Mapping[str, Any],
        services: Mapping[str, Any],
        config_file: str,
        credentials_file: str,
    ) -> None:
        self.environ = environ
        self.instance = instance
        self.profile = profile
        self.scoped = scoped
        self.services = services
        self.config_file = config_file
        self.credentials_file = credentials_file

    @classmethod
    def from_files(cls, environ: Mapping[str, str], profile_name: str | None) -> _Sources:
        profile, profile_source = _first(
            ("argument profile_name", profile_name),
            ("AWS_PROFILE", _env(environ, "AWS_PROFILE")),
            ("AWS_DEFAULT_PROFILE", _env(environ, "AWS_DEFAULT_PROFILE")),
        )
        config_file = _env(environ, "AWS_CONFIG_FILE") or _DEFAULT_CONFIG_FILE
        credentials_file = _env(environ, "AWS_SHARED_CREDENTIALS_FILE") or _DEFAULT_CREDENTIALS_FILE
        config = _load_ini(config_file, profiles=True)
        credentials = _load_ini(credentials_file, profiles=False)
        name = "default" if profile is None else str(profile)
        config_profiles: Mapping[str, Any] = config.get("profiles", {})
        if profile is not None and name not in config_profiles and name not in credentials:
            raise ConfigurationError(
                f"profile {name!r} (from {profile_source}) was not found in the shared "
                f"config file ({_expand(config_file)}) or the shared credentials file "
                f"({_expand(credentials_file)})"
            )
        # botocore lays the credentials file's values over the config file's.
        scoped = {**config_profiles.get(name, {}), **credentials.get(name, {})}
        return cls(
            environ=environ,
            instance={},
            profile=None if profile is None else name,
            scoped=scoped,
            services=config.get("services", {}),
            config_file=_expand(config_file),
            credentials_file=_expand(credentials_file),
        )

    @classmethod
    def from_session(
        cls, session: Any, environ: Mapping[str, str], profile_name: str | None
    ) -> _Sources:
        from botocore.exceptions import BotoCoreError  # type: ignore[import-untyped]

        if profile_name is not None and profile_name != session.profile:
            raise ConfigurationError(
                f"profile_name={profile_name!r} conflicts with the botocore session's "
                f"profile {session.profile!r}; set the profile on the session"
            )
        try:
            scoped = session.get_scoped_config()
            full = session.full_config
        except BotoCoreError as exc:
            raise ConfigurationError(f"cannot read the botocore session's config: {exc}") from exc
        return cls(
            environ=environ,
            instance=session.instance_variables(),
            profile=session.profile,
            scoped=scoped,
            services=full.get("services", {}),
            config_file=_session_path(session, "config_file"),
            credentials_file=_session_path(session, "credentials_file"),
        )

    def env(self, name: str) -> str | None:
        return _env(self.environ, name)

    def where(self, key: str) -> str:
        return f"{key} in profile {self.profile or 'default'!r} of {self.config_file}"

    @staticmethod
    def first(*candidates: tuple[str, object]) -> tuple[Any, str | None]:
        return _first(*candidates)

    def flag(self, key: str, env_name: str, explicit: bool | None) -> bool:
        value, _ = _first(
            (key, explicit),
            ("botocore session", self.instance.get(key)),
            (env_name, self.env(env_name)),
            (self.where(key), self.scoped.get(key)),
        )
        return _ensure_boolean(value)


def _resolve_endpoint_url(
    explicit: str | None, sources: _Sources, service_env_name: str
) -> tuple[str | None, str | None]:
    if explicit is not None:
        return _checked_url(explicit, "argument endpoint_url"), "argument endpoint_url"
    ignore, _ = _first(
        ("botocore session", sources.instance.get("ignore_configured_endpoint_urls")),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", sources.env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")),
        ("profile", sources.scoped.get("ignore_configured_endpoint_urls")),
    )
    if _ensure_boolean(ignore):
        return None, None
    suffix = service_env_name.upper().replace("-", "_").replace(" ", "_")
    service_var = f"AWS_ENDPOINT_URL_{suffix}"
    for name in (service_var, "AWS_ENDPOINT_URL"):
        value = sources.env(name)
        if value:
            return _checked_url(value, name), name
    section_name = sources.scoped.get("services")
    if section_name:
        section = sources.services.get(section_name)
        if not section:
            raise ConfigurationError(
                f"profile {sources.profile or 'default'!r} uses the services section "
                f"{section_name!r}, which does not exist in {sources.config_file}"
            )
        key = suffix.lower()
        service = section.get(key, {})
        if not isinstance(service, Mapping):
            raise ConfigurationError(
                f"{key!r} in services section {section_name!r} of {sources.config_file} must "
                "be an indented block of settings"
            )
        value = service.get("endpoint_url")
        if value:
            where = f"endpoint_url for {key} in services section {section_name!r}"
            return _checked_url(value, where), where
    value = sources.scoped.get("endpoint_url")
    if value:
        where = sources.where("endpoint_url")
        return _checked_url(value, where), where
    return None, None


# Helpers ------------------------------------------------------------------------------


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value else None


def _first(*candidates: tuple[str, object]) -> tuple[Any, str | None]:
    for source, value in candidates:
        if value is not None and value != "":
            return value, source
    return None, None


def _ensure_boolean(value: object) -> bool:
    # botocore's rule: a bool as is, a string is true when it is "true" in any case.
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() == "true"


def _attempts(value: object, source: str | None) -> int:
    try:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if number is None and isinstance(value, str):
            number = int(value.strip())
    except ValueError:
        number = None
    if number is None or not 1 <= number <= MAX_ATTEMPTS:
        try:
            shown = repr(value)
        except ValueError:  # an int too long to print
            shown = "a very large integer"
        shown = shown if len(shown) <= 40 else f"{shown[:37]}..."
        raise ConfigurationError(
            f"max_attempts must be an integer >= 1 and <= {MAX_ATTEMPTS}, got {shown} from {source}"
        )
    return number


# An http(s) URL whose host is a name or IPv4 address of labels as botocore allows them
# (letters, digits and inner hyphens, 1-63 each, an optional final dot), an optional
# port and an optional path without blanks: what needs no second look (the lengths and
# the port's range aside), checked without importing urllib.parse at construction.
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}\.?")
_PLAIN_URL = re.compile(
    rf"https?://((?:{_LABEL}\.)*{_LABEL}\.?)(?::([0-9]{{1,5}}))?(?:/[^\x00-\x20\x7f?#]*)?"
)
_BLANK_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_MAX_HOST_NAME = 255


def _checked_url(url: str, source: str) -> str:
    """``url`` if it can be an endpoint URL, else a ``ConfigurationError`` saying why.

    The host follows botocore's rule for endpoint URLs (a host name of valid labels, an
    IPv4 address or a bracketed IPv6 address). Refused beyond botocore: blanks and control
    characters anywhere, user information, a query and a fragment (requests are signed
    for their own path and query; the endpoint's would be sent unsigned or dropped).
    """
    plain = _PLAIN_URL.fullmatch(url)
    if (
        plain is not None
        and len(plain.group(1)) <= _MAX_HOST_NAME
        and int(plain.group(2) or 0) <= 65535
    ):
        return url
    problem = _url_problem(url)
    if problem is None:
        return url
    if problem == "user information":
        # A user name or password in the URL would not be used (requests are signed with
        # AWS credentials) and would show up wherever the URL is printed.
        raise ConfigurationError(
            f"endpoint URL from {source} must not contain user information (user:password@)"
        )
    if problem == "query or fragment":
        # Not shown: a query may carry a token.
        shown = url.split("?", 1)[0].split("#", 1)[0]
        raise ConfigurationError(
            f"endpoint URL {shown!r}... (from {source}) must not have a query (?...) or "
            "a fragment (#...): give the scheme, host, port and path only"
        )
    raise ConfigurationError(f"endpoint URL {url!r} (from {source}) {problem}")


def _url_problem(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not a valid http:// or https:// URL"
    if _BLANK_OR_CONTROL.search(url):
        return "must not contain blanks or control characters"
    if "@" in parts.netloc:
        return "user information"
    if "?" in url or "#" in url:
        return "query or fragment"
    host = parts.hostname
    if ":" in host:  # a bracketed IPv6 address (urlsplit has checked the brackets)
        import ipaddress

        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return "has an invalid IPv6 address"
        return None
    if len(host) > _MAX_HOST_NAME or not _HOST_NAME.fullmatch(host):
        return (
            "has an invalid host name (letters, digits and hyphens in dot-separated "
            "labels of at most 63 characters, none starting or ending with a hyphen)"
        )
    return None


def _check_argument_types(**arguments: object) -> None:
    """Refuse a client argument that must be a string and is not.

    The value is not shown: some of these arguments are secrets.
    """
    for name, value in arguments.items():
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{name} must be a string, got {type(value).__name__}")


def _static_credentials(
    access_key: str | None, secret_key: str | None, token: str | None
) -> FrozenCredentials | None:
    if access_key is None and secret_key is None:
        if token is not None:
            raise ConfigurationError(
                "aws_session_token needs aws_access_key_id and aws_secret_access_key"
            )
        return None
    if not access_key or not secret_key:
        raise ConfigurationError(
            "aws_access_key_id and aws_secret_access_key must be given together"
        )
    return FrozenCredentials(access_key, secret_key, token or None)


def _no_region_message(sources: _Sources) -> str:
    profile = sources.profile or "default"
    section = "[default]" if profile == "default" else f"[profile {profile}]"
    return (
        "no AWS region configured: pass region_name= to the client, set AWS_REGION or "
        f"AWS_DEFAULT_REGION, add 'region = <region>' to the {section} section of the "
        f"shared config file ({sources.config_file}), or use --region on the command line"
    )


def _expand(path: str) -> str:
    return os.path.expanduser(os.path.expandvars(path))


def _session_path(session: Any, variable: str) -> str:
    try:
        return _expand(str(session.get_config_variable(variable)))
    except Exception:  # a foreign session object; the path is only for a message
        return variable


# Parsed files, cached by path, modification time and size.
_FILE_CACHE: dict[tuple[str, bool], tuple[tuple[int, int], dict[str, Any]]] = {}


def _load_ini(path: str, *, profiles: bool) -> dict[str, Any]:
    """Parse a shared config (``profiles=True``) or credentials file; ``{}`` if absent."""
    expanded = _expand(path)
    try:
        info = os.stat(expanded)
    except OSError:
        return {}
    if not stat.S_ISREG(info.st_mode):
        return {}
    key = (expanded, profiles)
    stamp = (info.st_mtime_ns, info.st_size)
    cached = _FILE_CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    from microvm_sdk._core import shared_config

    try:
        sections = shared_config.parse(expanded)
    except shared_config.ConfigFileError as exc:
        raise ConfigurationError(f"cannot parse {expanded}: {exc}") from None
    data: dict[str, Any] = shared_config.profile_map(sections) if profiles else sections
    _FILE_CACHE[key] = (stamp, data)
    return data
