"""Running commands: one per operation, ``wait``, ``--wait``, ``local serve`` and ``demo``."""

from __future__ import annotations

import argparse
import base64
import json
import logging
import shlex
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from microvm_sdk._core.redaction import holds_sensitive
from microvm_sdk.cli._arguments import (
    ArgumentParser,
    build_command_parser,
    merge_input_document,
    param_error,
    seconds,
    unpack_arguments,
    unpack_value,
)
from microvm_sdk.cli._errors import OtherError, UsageError
from microvm_sdk.cli._globals import Context
from microvm_sdk.cli._input_errors import json_error, yaml_error
from microvm_sdk.cli._model import Argument, CommandModel, ServiceModel
from microvm_sdk.cli._output import (
    OutputSettings,
    PagedResult,
    open_output,
    shape_output,
    write_result,
)
from microvm_sdk.cli._paramfile import ParamFileError, load_paramfile
from microvm_sdk.cli._validate import validate_params

__all__ = [
    "WAITERS",
    "WAIT_AFTER",
    "WaiterInfo",
    "run_operation",
    "run_wait",
]

LOG = logging.getLogger("microvm_sdk.cli")


@attrs.frozen
class WaiterInfo:
    """A waiter as the CLI offers it.

    Attributes:
        name: The CLI name (``created``).
        operation: The operation it polls (``GetMicrovmImage``).
        method: The client method (``wait_until_created``).
        subject: What is waited for, in words (``image``).
        success: The state reached on success, in words.
        spec: The waiter's name in ``waiters-2.json`` (``MicrovmImageCreated``).
    """

    name: str
    operation: str
    method: str
    subject: str
    success: str
    spec: str


WAITERS: dict[str, WaiterInfo] = {
    info.name: info
    for info in (
        WaiterInfo(
            "created",
            "GetMicrovmImage",
            "wait_until_created",
            "image",
            "CREATED",
            "MicrovmImageCreated",
        ),
        WaiterInfo(
            "updated",
            "GetMicrovmImage",
            "wait_until_updated",
            "image",
            "UPDATED",
            "MicrovmImageUpdated",
        ),
        WaiterInfo(
            "deleted",
            "GetMicrovmImage",
            "wait_until_deleted",
            "image",
            "deleted",
            "MicrovmImageDeleted",
        ),
        WaiterInfo(
            "image-version-built",
            "GetMicrovmImageVersion",
            "wait_until_image_version_built",
            "image version",
            "SUCCESSFUL",
            "MicrovmImageVersionBuilt",
        ),
        WaiterInfo(
            "microvm-running",
            "GetMicrovm",
            "wait_until_microvm_running",
            "MicroVM",
            "RUNNING",
            "MicrovmRunning",
        ),
        WaiterInfo(
            "microvm-suspended",
            "GetMicrovm",
            "wait_until_microvm_suspended",
            "MicroVM",
            "SUSPENDED",
            "MicrovmSuspended",
        ),
        WaiterInfo(
            "microvm-terminated",
            "GetMicrovm",
            "wait_until_microvm_terminated",
            "MicroVM",
            "TERMINATED",
            "MicrovmTerminated",
        ),
    )
}

#: Commands that accept ``--wait``: the waiter to run, and where its parameters come from
#: (a request parameter or a response member, by model name).
WAIT_AFTER: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "create-microvm-image": ("created", {"imageIdentifier": ("response", "imageArn")}),
    "update-microvm-image": ("updated", {"imageIdentifier": ("request", "imageIdentifier")}),
    "delete-microvm-image": ("deleted", {"imageIdentifier": ("request", "imageIdentifier")}),
    "run-microvm": ("microvm-running", {"microvmIdentifier": ("response", "microvmId")}),
    "suspend-microvm": (
        "microvm-suspended",
        {"microvmIdentifier": ("request", "microvmIdentifier")},
    ),
    "resume-microvm": ("microvm-running", {"microvmIdentifier": ("request", "microvmIdentifier")}),
    "terminate-microvm": (
        "microvm-terminated",
        {"microvmIdentifier": ("request", "microvmIdentifier")},
    ),
}


# -- the client --------------------------------------------------------------------


def make_client(context: Context) -> Any:
    """Create the SDK client from the global options."""
    if context.client_factory is not None:
        return context.client_factory(context)
    from microvm_sdk import Client, Config

    options = context.options
    config_args: dict[str, Any] = {"unsigned": not options.sign_request}
    if options.connect_timeout is not None:
        config_args["connect_timeout"] = _timeout(options.connect_timeout, "--cli-connect-timeout")
    if options.read_timeout is not None:
        config_args["read_timeout"] = _timeout(options.read_timeout, "--cli-read-timeout")
    if options.ca_bundle:
        config_args["ca_bundle"] = options.ca_bundle
    return Client(
        region_name=options.region,
        profile_name=options.profile,
        endpoint_url=options.endpoint_url,
        verify=options.verify_ssl,
        config=Config(**config_args),
    )


def _timeout(seconds: int, option: str) -> float:
    # 0 means "wait as long as it takes", as in the AWS CLI: the longest timeout Config takes.
    from microvm_sdk._core.limits import MAX_TIMEOUT

    if seconds > MAX_TIMEOUT:
        raise UsageError(
            f"argument {option}: at most {MAX_TIMEOUT} seconds (0: no limit), got {seconds}"
        )
    return float(seconds) if seconds > 0 else float(MAX_TIMEOUT)


# -- debug logging -----------------------------------------------------------------


def redact(model: ServiceModel, shape_name: str | None, value: Any) -> Any:
    """Return ``value`` with the values of sensitive members replaced by ``***``."""
    if shape_name is None:
        return value
    shape = model.shape(shape_name)
    if shape.sensitive:
        return "***"
    if shape.kind in ("structure", "union") and isinstance(value, Mapping):
        out: dict[str, Any] = {}
        targets = {m.model_name: m.target for m in shape.members}
        targets.update({m.wire_name: m.target for m in shape.members})
        for key, item in value.items():
            out[key] = redact(model, targets.get(key), item)
        return out
    if shape.kind == "list" and isinstance(value, list):
        return [redact(model, shape.member, item) for item in value]
    if shape.kind == "map" and isinstance(value, Mapping):
        return {key: redact(model, shape.value, item) for key, item in value.items()}
    return value


# -- one operation -----------------------------------------------------------------


def _extra_options(command: CommandModel) -> Callable[[ArgumentParser], None]:
    def add(parser: ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--cli-input-json", dest="cli_input_json")
        group.add_argument("--cli-input-yaml", dest="cli_input_yaml")
        parser.add_argument(
            "--generate-cli-skeleton",
            dest="generate_cli_skeleton",
            nargs="?",
            const="input",
            choices=("input", "yaml-input", "output"),
        )
        if command.name in WAIT_AFTER:
            parser.add_argument("--wait", dest="wait", action="store_true", default=False)
            parser.add_argument("--wait-timeout", dest="wait_timeout", type=seconds(zero=True))
            parser.add_argument("--wait-delay", dest="wait_delay", type=seconds(zero=False))

    return add


def _load_document(
    namespace: argparse.Namespace, *, hide: bool
) -> tuple[str | None, dict[str, Any]]:
    # hide: the command takes sensitive values, so a document that cannot be parsed is
    # shown masked.
    if namespace.cli_input_json is not None:
        option, text = "--cli-input-json", namespace.cli_input_json
    elif namespace.cli_input_yaml is not None:
        option, text = "--cli-input-yaml", namespace.cli_input_yaml
    else:
        return None, {}
    try:
        loaded = load_paramfile(text)
    except ParamFileError as exc:
        raise param_error(option, str(exc)) from None
    if loaded is not None:
        text = loaded.decode("utf-8") if isinstance(loaded, bytes) else loaded
    if option == "--cli-input-json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            message = json_error(exc, text, hide=hide)
            raise param_error(option, f"Invalid JSON: {message}") from None
        except (ValueError, RecursionError):  # too many digits; nested too deeply
            raise param_error(option, "Invalid JSON: the document cannot be read") from None
    else:
        from microvm_sdk.cli._output import yaml_module

        yaml = yaml_module()
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise param_error(option, f"Invalid YAML: {yaml_error(exc, text, hide=hide)}") from None
        except (ValueError, RecursionError):
            raise param_error(option, "Invalid YAML: the document cannot be read") from None
        document = {} if document is None else document
    if not isinstance(document, dict):
        raise param_error(option, "the input must be a JSON object (a mapping of parameters)")
    return option, document


def _missing_required(command: CommandModel, namespace: argparse.Namespace) -> list[Argument]:
    return [
        argument
        for argument in command.arguments
        if argument.required and getattr(namespace, argument.dest, None) is None
    ]


def _prompt_missing(
    context: Context, command: CommandModel, namespace: argparse.Namespace, missing: list[Argument]
) -> None:
    for argument in missing:
        context.stderr.write(f"{argument.option} ({argument.shape.kind}): ")
        context.stderr.flush()
        line = context.stdin.readline()
        if not line:
            raise UsageError(f"no value given for {argument.option}")
        text = line.rstrip("\n")
        value: Any = shlex.split(text) if argument.shape.kind == "list" else text
        setattr(namespace, argument.dest, value)


def _auto_prompt_enabled(context: Context) -> bool:
    if context.options.auto_prompt is not None:
        wanted = bool(context.options.auto_prompt)
    else:
        wanted = (context.settings.auto_prompt or "off") in ("on", "on-partial")
    if not wanted:
        return False
    try:
        return context.stdin.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def parse_command_args(
    context: Context, command: CommandModel, model: ServiceModel, args: list[str]
) -> tuple[argparse.Namespace, dict[str, Any], str | None]:
    """Parse a command's options into request parameters (merged with an input file).

    Returns:
        The namespace, the parameters, and the input-document option used (if any).

    Raises:
        UsageError: Unknown options, unreadable values, missing required options.
    """
    parser = build_command_parser(command, relax_required=True, extra=_extra_options(command))
    namespace, unknown = parser.parse_known_args(args)
    if unknown:
        raise UsageError(f"Unknown options: {', '.join(unknown)}", show_usage=True)
    skeleton = namespace.generate_cli_skeleton
    relaxed = (
        namespace.cli_input_json is not None
        or namespace.cli_input_yaml is not None
        or skeleton in ("input", "yaml-input")
    )
    missing = _missing_required(command, namespace)
    if missing and not relaxed:
        if _auto_prompt_enabled(context):
            _prompt_missing(context, command, namespace, missing)
        else:
            names = ", ".join(argument.option for argument in missing)
            raise UsageError(f"the following arguments are required: {names}", show_usage=True)
    params = unpack_arguments(command, namespace, model)
    shape = command.input_shape
    hide = shape is not None and holds_sensitive(shape, model.shape)
    option, document = _load_document(namespace, hide=hide)
    if document:
        params = merge_input_document(params, document, command)
    return namespace, params, option


def run_operation(
    context: Context, command: CommandModel, model: ServiceModel, args: list[str]
) -> int:
    """Run one operation command and render its response; return the exit code."""
    namespace, params, input_option = parse_command_args(context, command, model, args)
    skeleton = namespace.generate_cli_skeleton
    if skeleton in ("input", "yaml-input"):
        from microvm_sdk.cli._skeleton import write_input_skeleton, write_yaml_input_skeleton

        if skeleton == "input":
            write_input_skeleton(command, model, context.stdout)
        else:
            write_yaml_input_skeleton(command, model, context.stdout)
        return 0

    paging = _paging(context, command, namespace, params)
    problems = validate_params(command, params, model, input_option=input_option)
    if problems:
        raise UsageError(*problems)

    settings = OutputSettings(
        output=context.output, query=context.query, color=context.options.color
    )
    if settings.output in ("yaml", "yaml-stream"):
        from microvm_sdk.cli._output import yaml_module

        yaml_module()  # fail before sending anything when PyYAML is missing
    title = command.operation.name
    if skeleton == "output":
        from microvm_sdk.cli._skeleton import sample

        fake: Any = {}
        if command.output_shape is not None:
            fake = sample(model, command.output_shape, use_member_names=True)
        _render(context, fake, settings, title)
        return 0

    if context.options.debug:
        LOG.debug(
            "Calling %s with %s",
            command.operation.name,
            redact(model, command.operation.input, params),
        )
    client = make_client(context)
    try:
        return _call_and_render(
            context,
            command=command,
            model=model,
            client=client,
            params=params,
            paging=paging,
            settings=settings,
            namespace=namespace,
        )
    finally:
        _close(client)


def _close(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        close()


def _call_and_render(
    context: Context,
    *,
    command: CommandModel,
    model: ServiceModel,
    client: Any,
    params: dict[str, Any],
    paging: _Paging | None,
    settings: OutputSettings,
    namespace: argparse.Namespace,
) -> int:
    title = command.operation.name
    result: dict[str, Any] | PagedResult
    if paging is not None:
        result = _paginate(
            client, command=command, model=model, params=params, paging=paging, context=context
        )
    else:
        raw = client.call_wire(command.operation.name, params)
        if context.options.debug:
            LOG.debug("Response: %s", redact(model, command.operation.output, raw))
        result = shape_output(model, command.output_shape, raw, context.timestamp_format)
        if not isinstance(result, dict):
            result = {}
    _render(context, result, settings, title)
    if getattr(namespace, "wait", False):
        assert isinstance(result, dict)
        return _wait_after(
            context,
            command=command,
            model=model,
            client=client,
            params=params,
            response=result,
            namespace=namespace,
        )
    return 0


def _render(context: Context, result: Any, settings: OutputSettings, title: str) -> None:
    use_pager = not context.options.no_pager and settings.output != "off"
    with open_output(
        context.stdout,
        use_pager=use_pager,
        configured_pager=context.settings.pager,
        environ=context.environ,
    ) as stream:
        write_result(result, settings, stream, title=title)
        stream.flush()


# -- pagination ----------------------------------------------------------------------


@attrs.frozen
class _Paging:
    starting_token: str | None
    page_size: int | None
    max_items: int | None


def _paging(
    context: Context,
    command: CommandModel,
    namespace: argparse.Namespace,
    params: Mapping[str, Any],
) -> _Paging | None:
    paginator = command.paginator
    if paginator is None:
        return None
    given = {
        "--starting-token": namespace.paging_starting_token,
        "--page-size": namespace.paging_page_size,
        "--max-items": namespace.paging_max_items,
    }
    manual = paginator.input_token in params or (
        paginator.limit_key is not None and paginator.limit_key in params
    )
    if not context.options.paginate or manual:
        used = [option for option, value in given.items() if value is not None]
        if used:
            raise UsageError(
                "Cannot specify --no-paginate along with pagination arguments: " + ", ".join(used)
            )
        return None
    if given["--max-items"] is not None and given["--max-items"] <= 0:
        context.stderr.write(
            "warning: Non-positive values for --max-items may result in undefined behavior.\n"
        )
    return _Paging(
        starting_token=given["--starting-token"],
        page_size=given["--page-size"],
        max_items=given["--max-items"],
    )


def encode_token(token: Mapping[str, Any]) -> str:
    """Encode a pagination position as the AWS CLI does (base64 of its JSON)."""
    return base64.b64encode(json.dumps(dict(token)).encode("utf-8")).decode("utf-8")


def decode_token(token: str, input_token: str) -> tuple[dict[str, Any], int]:
    """Decode a ``--starting-token`` into the service token and the items to skip."""
    try:
        decoded = json.loads(base64.b64decode(token.encode("utf-8"), validate=True).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        decoded = None
    if not isinstance(decoded, dict):
        return {input_token: token}, 0
    skip = decoded.pop("boto_truncate_amount", 0)
    if sorted(decoded) != [input_token] or not isinstance(skip, int):
        raise UsageError(f"Bad starting token: {token}")
    return decoded, skip


def _paginate(
    client: Any,
    *,
    command: CommandModel,
    model: ServiceModel,
    params: Mapping[str, Any],
    paging: _Paging,
    context: Context,
) -> PagedResult:
    paginator = command.paginator
    assert paginator is not None
    result = PagedResult(pages=iter(()), result_key=paginator.result_key)
    start: tuple[dict[str, Any], int] | None = None
    if paging.starting_token is not None:
        start = decode_token(paging.starting_token, paginator.input_token)

    def pages() -> Iterator[dict[str, Any]]:
        kwargs = dict(params)
        token: dict[str, Any] = {paginator.input_token: None}
        skip = 0
        if start is not None:
            token, skip = dict(start[0]), start[1]
            _inject(kwargs, token)
        if paging.page_size is not None and paginator.limit_key is not None:
            kwargs[paginator.limit_key] = paging.page_size
        total = 0
        first = True
        previous: dict[str, Any] | None = None
        while True:
            raw = client.call_wire(command.operation.name, kwargs)
            if context.options.debug:
                LOG.debug("Response: %s", redact(model, command.operation.output, raw))
            page = shape_output(model, command.output_shape, raw, context.timestamp_format)
            if not isinstance(page, dict):
                page = {}
            skipped = 0
            if first and start is not None:
                skipped = skip
                items = page.get(paginator.result_key)
                if isinstance(items, list):
                    page[paginator.result_key] = items[skip:]
            first = False
            items = page.get(paginator.result_key) or []
            count = len(items)
            if paging.max_items is not None and total + count > paging.max_items:
                keep = count - (total + count - paging.max_items)
                page[paginator.result_key] = items[:keep]
                result.resume_token = encode_token(
                    {**token, "boto_truncate_amount": keep + skipped}
                )
                yield page
                return
            yield page
            total += count
            next_value = page.get(paginator.output_token) or None
            token = {paginator.input_token: next_value}
            if next_value is None:
                return
            if paging.max_items is not None and total == paging.max_items:
                result.resume_token = encode_token(token)
                return
            if previous is not None and previous == token:
                raise OtherError(f"The same next token was received twice: {token}")
            _inject(kwargs, token)
            previous = token

    result.pages = pages()
    return result


def _inject(kwargs: dict[str, Any], token: Mapping[str, Any]) -> None:
    for name, value in token.items():
        if value is not None and value != "None":
            kwargs[name] = value
        else:
            kwargs.pop(name, None)


# -- waiting -----------------------------------------------------------------------


def _wait_after(
    context: Context,
    *,
    command: CommandModel,
    model: ServiceModel,
    client: Any,
    params: Mapping[str, Any],
    response: Mapping[str, Any],
    namespace: argparse.Namespace,
) -> int:
    waiter_name, sources = WAIT_AFTER[command.name]
    info = WAITERS[waiter_name]
    wait_params: dict[str, Any] = {}
    for target, (origin, key) in sources.items():
        value = (params if origin == "request" else response).get(key)
        if value is None:
            raise OtherError(f"cannot wait: the {origin} has no {key}")
        wait_params[target] = value
    return wait_for(
        context,
        model,
        client,
        info,
        wait_params,
        timeout=namespace.wait_timeout,
        delay=namespace.wait_delay,
    )


def wait_for(
    context: Context,
    model: ServiceModel,
    client: Any,
    info: WaiterInfo,
    params: Mapping[str, Any],
    *,
    timeout: float | None,
    delay: float | None = None,
) -> int:
    """Run a waiter with a progress line; return 0, or raise with the failure reason.

    Args:
        context: The command's context.
        model: The service model.
        client: The client.
        info: The waiter.
        params: The waiter operation's parameters, by model name.
        timeout: Seconds to wait in all (the waiter's default when ``None``).
        delay: Fixed seconds between polls (the waiter's backoff when ``None``).
    """
    from microvm_sdk.cli._progress import Progress, format_duration

    operation_shape = model.shape(model.schema.operations[info.operation].input or "")
    kwargs: dict[str, Any] = {}
    for member in operation_shape.members:
        if member.model_name in params:
            kwargs[member.name] = params[member.model_name]
    label = f"{info.subject} {_short(next(iter(params.values()), ''))}"
    method = getattr(client, info.method, None)
    if method is None:
        raise OtherError(f"this version of the client has no {info.method} waiter")
    started = time.monotonic()
    from microvm_sdk.errors import WaiterFailureError, WaiterTimeoutError

    progress = Progress(context.stderr, label, lines=context.progress_lines)
    try:
        with progress:
            if delay is not None:
                kwargs.update(min_delay=delay, max_delay=delay)
            method(**kwargs, timeout=timeout, callback=progress.update)
    except WaiterFailureError as exc:
        lines = [f"{label} did not reach {info.success}: {exc.reason}"]
        if "build failed" not in exc.reason:
            lines.extend(failure_details(client, info, params, exc.last_response))
        raise OtherError(*lines) from None
    except WaiterTimeoutError as exc:
        raise OtherError(f"{label}: gave up waiting: {exc.reason}") from None
    if progress.enabled or progress.lines:
        elapsed = format_duration(time.monotonic() - started)
        context.stderr.write(f"{label}: {info.success} after {elapsed}\n")
    return 0


def _short(identifier: object) -> str:
    text = str(identifier)
    return text.rsplit(":", 1)[-1] if ":microvm-image:" in text else text


def failure_details(
    client: Any, info: WaiterInfo, params: Mapping[str, Any], last: Any
) -> list[str]:
    """Explain why an image build failed: the version's and the builds' ``stateReason``."""
    lines: list[str] = []
    try:
        if info.operation == "GetMicrovm":
            vm = client.call_wire("GetMicrovm", dict(params))
            if vm.get("stateReason"):
                lines.append(f"  reason: {vm['stateReason']}")
            return lines
        image_id = params.get("imageIdentifier")
        version = params.get("imageVersion")
        if version is None:
            image = client.call_wire("GetMicrovmImage", {"imageIdentifier": image_id})
            version = image.get("latestFailedImageVersion")
        if version is None:
            return lines
        detail = client.call_wire(
            "GetMicrovmImageVersion", {"imageIdentifier": image_id, "imageVersion": version}
        )
        state = detail.get("state")
        reason = detail.get("stateReason")
        lines.append(f"  version {version}: {state}" + (f": {reason}" if reason else ""))
        builds = client.call_wire(
            "ListMicrovmImageBuilds", {"imageIdentifier": image_id, "imageVersion": version}
        )
        for build in builds.get("items") or []:
            where = " ".join(
                str(build[key])
                for key in ("architecture", "chipset", "chipsetGeneration")
                if build.get(key)
            )
            text = f"  build {build.get('buildId')} ({where}): {build.get('buildState')}"
            if build.get("stateReason"):
                text += f": {build['stateReason']}"
            lines.append(text)
    except Exception as exc:  # the details are a best effort
        lines.append(f"  (could not read the failure details: {exc})")
    return lines


def run_wait(context: Context, model: ServiceModel, args: list[str]) -> int:
    """``microvm wait <name> --image-identifier ...``.

    ``microvm wait help`` lists the waiters and ``microvm wait <name> help`` describes
    one; ``microvm wait`` without a waiter is a usage error (exit code 252).
    """
    if args[:1] in (["help"], ["-h"], ["--help"]):
        from microvm_sdk.cli._help import wait_help

        context.stdout.write(wait_help(model))
        return 0
    if not args or args[0].startswith("-"):
        raise UsageError(
            "the following arguments are required: waiter (one of: " + ", ".join(WAITERS) + ")",
            show_usage=True,
        )
    name = args[0]
    info = WAITERS.get(name)
    if info is None:
        raise UsageError(
            f"argument waiter: Invalid choice: {name!r}, valid choices are: " + ", ".join(WAITERS),
            show_usage=True,
        )
    if args[1:2] in (["help"], ["-h"], ["--help"]) or context.options.help:
        from microvm_sdk.cli._help import waiter_help

        context.stdout.write(waiter_help(model, name))
        return 0
    command = model.command_for_operation(info.operation)
    parser = ArgumentParser(prog=f"microvm wait {name}", add_help=False, allow_abbrev=False)
    for argument in command.arguments:
        parser.add_argument(argument.option, dest=argument.dest)
    parser.add_argument("--wait-timeout", dest="wait_timeout", type=seconds(zero=True))
    parser.add_argument("--wait-delay", dest="wait_delay", type=seconds(zero=False))
    namespace, unknown = parser.parse_known_args(args[1:])
    if unknown:
        raise UsageError(f"Unknown options: {', '.join(unknown)}", show_usage=True)
    missing = _missing_required(command, namespace)
    if missing:
        names = ", ".join(argument.option for argument in missing)
        raise UsageError(f"the following arguments are required: {names}", show_usage=True)
    params: dict[str, Any] = {}
    for argument in command.arguments:
        raw = getattr(namespace, argument.dest, None)
        if raw is not None:
            params[argument.member.model_name] = unpack_value(argument, raw, model)
    problems = validate_params(command, params, model)
    if problems:
        raise UsageError(*problems)
    client = make_client(context)
    try:
        return wait_for(
            context,
            model,
            client,
            info,
            params,
            timeout=namespace.wait_timeout,
            delay=namespace.wait_delay,
        )
    finally:
        _close(client)
