"""The shared config and credentials files: read as botocore's config loader reads them.

botocore's ``configloader`` (``raw_config_parse`` and ``build_profile_map``) and its
session are the oracle: for generated files, and for the precedence of the files and
the environment, the SDK must see the same profiles, nested sections and values.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore import configloader  # type: ignore[import-untyped]
from botocore.exceptions import ConfigParseError  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microvm_sdk._core import shared_config
from microvm_sdk._core.aws_config import AwsSettings, _Sources
from microvm_sdk._core.errors import ConfigurationError

# -- generated files against botocore's loader --------------------------------------------

SECTION_NAMES = st.sampled_from(
    [
        "default",
        "DEFAULT",
        "Default",
        "profile dev",
        "profile  dev",
        "profile\tdev",
        "profile default",
        'profile "team a"',
        "profile 'team b'",
        'profile "unclosed',
        "profile a b",
        "profiledev x",
        "profile",
        "sso-session corp",
        "sso-session",
        "services local",
        'services "my svc"',
        "preview",
        "plugins",
        "profile dev ",
    ]
)
OPTION_NAMES = st.sampled_from(
    ["region", "Region", "REGION", "output", "endpoint_url", "services", "s3", "max_attempts"]
)
VALUES = st.sampled_from(
    [
        "us-east-1",
        " eu-west-1 ",
        "",
        "a = b",
        "x:y",
        "http://localhost:4566",
        "local",
        "${HOME}",
        "%(x)s",
        "true",
    ]
)
NESTED = st.lists(
    st.tuples(
        st.sampled_from(["endpoint_url", "Region", "addressing_style", "lambda_microvms"]),
        VALUES,
    ),
    max_size=3,
).map(lambda pairs: "\n" + "".join(f"  {k} = {v}\n" for k, v in pairs))
SETTINGS = st.one_of(
    st.tuples(OPTION_NAMES, st.sampled_from([" = ", "=", " : ", ":"]), VALUES).map("".join),
    st.tuples(OPTION_NAMES, st.just(" ="), NESTED).map("".join),
)
OTHER_LINES = st.sampled_from(["# a comment", "; a comment", "", "   ", "  continued value"])
BAD_LINES = st.sampled_from(["not a setting", "  bad nested line", "region = twice"])


def option_of(line: str) -> str:
    """The option a line sets (configparser lower-cases names), or the line itself."""
    if line[:1].isspace():
        return line
    cut = min((line.find(d) for d in "=:" if d in line), default=-1)
    return line[:cut].strip().lower() if cut >= 0 else line


# Mostly valid files (each option once per section, each section once), some broken.
LINES = st.one_of(SETTINGS, SETTINGS, OTHER_LINES)
SECTIONS = st.tuples(SECTION_NAMES, st.lists(LINES, max_size=4, unique_by=option_of)).map(
    lambda section: f"[{section[0]}]\n" + "".join(line + "\n" for line in section[1])
)
VALID = st.lists(SECTIONS, max_size=5, unique_by=lambda text: text.split("\n", 1)[0]).map("".join)
FILES = st.one_of(
    VALID,
    VALID,
    VALID,
    st.tuples(VALID, BAD_LINES).map(lambda p: p[0] + p[1] + "\n"),
    st.lists(SECTIONS, max_size=5).map("".join),
    st.tuples(SETTINGS, VALID).map(lambda p: p[0] + "\n" + p[1]),
)


def botocore_view(path: Path, profiles: bool) -> Any:
    try:
        raw = configloader.raw_config_parse(str(path))
    except ConfigParseError:
        return "error"
    return configloader.build_profile_map(raw) if profiles else raw


def our_view(path: Path, profiles: bool) -> Any:
    try:
        raw = shared_config.parse(str(path))
    except shared_config.ConfigFileError:
        return "error"
    return shared_config.profile_map(raw) if profiles else raw


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=FILES, profiles=st.booleans())
def test_generated_files_read_as_botocore_reads_them(
    tmp_path: Path, text: str, profiles: bool
) -> None:
    path = tmp_path / "config"
    path.write_text(text, encoding="utf-8")
    assert our_view(path, profiles) == botocore_view(path, profiles)


@pytest.mark.parametrize(
    "text",
    [
        "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n",
        # [profile default] and [default]: the later one wins, as in botocore.
        "[default]\nregion = a-1\n[profile default]\nregion = b-1\n",
        "[profile default]\nregion = b-1\n[default]\nregion = a-1\n",
        # A DEFAULT section's settings reach every section.
        "[DEFAULT]\noutput = json\n[default]\nregion = us-east-1\n[profile x]\n",
        # Nested blocks, continuation lines, both delimiters, comments.
        textwrap.dedent(
            """\
            [profile dev]
            services = local
            s3 =
              addressing_style = path
              signature_version = s3v4
            output : text
            note = first
              second
            # region = commented-out
            [services local]
            lambda_microvms =
              endpoint_url = http://localhost:4566
            [sso-session corp]
            sso_region = us-east-1
            [plugins]
            x = y
            """
        ),
        '[profile "with space"]\nregion = us-west-2\n',
    ],
    ids=["plain", "default-then-profile", "profile-then-default", "DEFAULT", "all", "quoted"],
)
def test_known_files_read_as_botocore_reads_them(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    for profiles in (True, False):
        assert our_view(path, profiles) == botocore_view(path, profiles)
        assert our_view(path, profiles) != "error"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("aws_secret_access_key = SECRETKEY\n[default]\n", "line 1: a setting before"),
        ("[default]\nSECRETKEY\n", "line 2: neither a [section] header"),
        ("[default]\nx = 1\n[default]\n", "line 3: section [default] appears twice"),
        ("[default]\nx = SECRETKEY\nX = 2\n", "line 3: setting 'x' appears twice"),
        ("[default]\ns3 =\n  SECRETKEY\n", "setting 's3': an indented line"),
        ("[default]\nregion = \udcff\n", "not text"),
    ],
)
def test_parse_errors_say_where_and_never_show_the_line(
    tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert botocore_view(path, False) == "error"  # botocore refuses these files too
    with pytest.raises(shared_config.ConfigFileError) as info:
        shared_config.parse(str(path))
    assert where in str(info.value)
    assert "SECRETKEY" not in str(info.value)


# -- the files and the environment, against a botocore session -----------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield tmp_path


CONFIG = """\
[default]
region = us-east-1
services = shared
[profile dev]
region = eu-west-1
output = json
services = shared
[profile creds-too]
region = ap-south-1
[services shared]
lambda_microvms =
  endpoint_url = http://localhost:4566
[sso-session corp]
sso_region = us-east-1
"""
CREDENTIALS = """\
[default]
aws_access_key_id = AKDEFAULT
[creds-too]
region = ca-central-1
aws_access_key_id = AKCREDS
[creds-only]
region = sa-east-1
"""


@pytest.mark.parametrize("profile", [None, "dev", "creds-too", "creds-only"])
@pytest.mark.parametrize("where", ["default-paths", "env-paths"])
def test_profiles_and_files_match_a_botocore_session(
    env: Path, monkeypatch: pytest.MonkeyPatch, profile: str | None, where: str
) -> None:
    """[profile x] against [default], a credentials file's profile laid over the config
    file's, nested services sections, and the files found at their default paths or
    through AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, with AWS_PROFILE naming the
    profile: the scoped values and the services table are botocore's."""
    import botocore.session  # type: ignore[import-untyped]

    if where == "default-paths":
        folder = env / "home" / ".aws"
        folder.mkdir(parents=True)
        config, credentials = folder / "config", folder / "credentials"
    else:
        config, credentials = env / "custom-config", env / "custom-credentials"
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    config.write_text(CONFIG)
    credentials.write_text(CREDENTIALS)
    if profile is not None:
        monkeypatch.setenv("AWS_PROFILE", profile)
    session = botocore.session.Session()
    ours = _Sources.from_files(os.environ, None)
    assert dict(ours.scoped) == session.get_scoped_config()
    assert dict(ours.services) == session.full_config["services"]
    settings = AwsSettings.resolve(service_env_name="LAMBDA_MICROVMS")
    assert settings.region == session.get_config_variable("region")
    if profile in (None, "dev"):
        assert settings.endpoint_url == "http://localhost:4566"


def test_environment_region_overrides_the_files_as_in_botocore(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.session

    config = env / "config"
    config.write_text(CONFIG)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(env / "none"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert (
        AwsSettings.resolve(service_env_name="X").region
        == botocore.session.Session().get_config_variable("region")
        == "us-west-2"
    )


def test_an_unparsable_file_is_a_configuration_error_naming_it(env: Path) -> None:
    config = env / "config"
    config.write_text("[default]\nregion = us-east-1\n[default]\n")
    os.environ["AWS_CONFIG_FILE"] = str(config)
    try:
        with pytest.raises(ConfigurationError, match=r"cannot parse .*config: line 3: section"):
            AwsSettings.resolve(service_env_name="X")
    finally:
        del os.environ["AWS_CONFIG_FILE"]


def test_constructing_a_client_imports_no_botocore(tmp_path: Path) -> None:
    """Reading the shared config needs no botocore: construction stays cheap.

    Nor ``logging`` (needed only to warn) or the botocore ``Config`` translator (needed
    only when given one): each added milliseconds to the first construction.
    """
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n[profile x]\nregion = y\n")
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AK\n")
    script = textwrap.dedent(
        """
        import sys
        import microvm_sdk
        client = microvm_sdk.Client()
        print(client.region, sorted(m for m in sys.modules if m.split(".")[0] == "botocore"))
        print("logging" in sys.modules, "microvm_sdk._botocore_config" in sys.modules)
        """
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environ.update(
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["us-east-1", "[]", "False", "False"]
