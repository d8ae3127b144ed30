"""``microvm demo``: build an image on an in-process emulator, with visible progress.

No AWS account and no configuration are needed: the demo starts
:class:`microvm_sdk.local.LocalServer` with realistic timing on a loopback port, creates
an image with the SDK, waits for it while showing the build's progress, prints the
image and stops the emulator.

The waiter's delays are chosen for the emulator, not for the live service: the
emulator's timing profile says how long a build takes, and the demo polls its
in-process emulator often enough (at most a second apart) to report CREATED within
about a second of the build's end. The live service's waiter delays (5 s, growing to
30 s) would report a 16-second build after about half a minute.
"""

from __future__ import annotations

from typing import Any

from microvm_sdk.cli._arguments import ArgumentParser, seconds
from microvm_sdk.cli._errors import OtherError, UsageError
from microvm_sdk.cli._globals import Context

__all__ = ["run_demo"]

_BUILD_ROLE = "arn:aws:iam::{account}:role/microvm-demo-build"
_MAX_POLL_DELAY = 1.0
_MIN_POLL_DELAY = 0.02
_CODE_URI = "s3://microvm-demo-{account}/app.zip"


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog="microvm demo", add_help=False, allow_abbrev=False)
    parser.add_argument("--name", default="demo-app")
    parser.add_argument("--code-uri", dest="code_uri")
    parser.add_argument("--timing", choices=("realistic", "fast"), default="realistic")
    parser.add_argument(
        "--wait-timeout", dest="wait_timeout", type=seconds(zero=True), default=300.0
    )
    parser.add_argument("--wait-delay", dest="wait_delay", type=seconds(zero=False))
    return parser


def build_seconds(timing: str) -> float:
    """How long the emulator's timing profile takes to build an image, start to end."""
    from microvm_sdk.local._timing import timing_profile

    steps = timing_profile(timing)
    return steps.build_queue + steps.build_run + steps.version_settle + steps.image_settle


def poll_delay(timing: str) -> float:
    """The demo's fixed delay between polls: a 30th of the build, at most one second."""
    return min(_MAX_POLL_DELAY, max(_MIN_POLL_DELAY, build_seconds(timing) / 30))


def run_demo(context: Context, args: list[str]) -> int:
    """Run the demo; return 0 when the image was built."""
    if args[:1] in (["help"], ["-h"], ["--help"]) or context.options.help:
        context.stdout.write(
            "usage: microvm demo [--name NAME] [--code-uri S3_URI] [--timing realistic|fast]\n\n"
            "Start the local emulator in this process, create a MicroVM image with the SDK,\n"
            "wait for the build with progress, and print the image. No AWS account needed.\n"
            "A --code-uri containing 'fail' makes the build fail, to show the failure report.\n"
        )
        return 0
    options, unknown = _parser().parse_known_args(args)
    if unknown:
        raise UsageError(f"Unknown options: {', '.join(unknown)}", show_usage=True)

    from microvm_sdk import Client
    from microvm_sdk.cli._commands import WAITERS, wait_for
    from microvm_sdk.cli._model import load_service_model
    from microvm_sdk.cli._output import OutputSettings, shape_output, write_result
    from microvm_sdk.local import LocalServer

    model = load_service_model()
    err = context.stderr
    with LocalServer(profile=options.timing) as server:
        delay = options.wait_delay if options.wait_delay is not None else poll_delay(options.timing)
        err.write(
            f"Started a local Lambda MicroVMs emulator at {server.endpoint_url} "
            f"({options.timing} timing: a build takes about "
            f"{_seconds(build_seconds(options.timing))}; nothing leaves this machine).\n"
        )
        client = Client(
            endpoint_url=server.endpoint_url,
            region_name=server.region,
            aws_access_key_id=server.access_key,
            aws_secret_access_key=server.secret_key,
        )
        with client:
            bases = client.call_wire("ListManagedMicrovmImages", {}).get("items") or []
            if not bases:
                raise OtherError("the emulator offers no managed base image")
            base_arn = bases[0]["imageArn"]
            account = server.account_id
            request: dict[str, Any] = {
                "name": options.name,
                "baseImageArn": base_arn,
                "buildRoleArn": _BUILD_ROLE.format(account=account),
                "codeArtifact": {"uri": options.code_uri or _CODE_URI.format(account=account)},
                "tags": {"purpose": "microvm demo"},
            }
            created = client.call_wire("CreateMicrovmImage", request)
            arn = created["imageArn"]
            err.write(f"Creating image {options.name} from {base_arn}\n  {arn}\n")
            demo_context = _with_visible_progress(context)
            wait_for(
                demo_context,
                model,
                client,
                WAITERS["created"],
                {"imageIdentifier": arn},
                timeout=options.wait_timeout,
                delay=delay,
            )
            image = client.call_wire("GetMicrovmImage", {"imageIdentifier": arn})
            command = model.command_for_operation("GetMicrovmImage")
            shaped = shape_output(model, command.output_shape, image, context.timestamp_format)
            settings = OutputSettings(
                output=context.output, query=context.query, color=context.options.color
            )
            write_result(shaped, settings, context.stdout, title="GetMicrovmImage")
    err.write("Done; the emulator has stopped.\n")
    return 0


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def _with_visible_progress(context: Context) -> Context:
    """The demo always shows progress: as a live line on a terminal, else one line per poll."""
    import attrs

    return attrs.evolve(context, progress_lines=True)
