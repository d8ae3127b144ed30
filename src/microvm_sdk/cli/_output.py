"""Rendering responses: ``--output`` json, text, table, yaml, yaml-stream and off.

A response is first shaped as botocore shapes it for the AWS CLI (:func:`shape_output`):
members in model order, unset (``null``) and unknown members dropped, timestamps in ISO
8601 (or as on the wire with ``cli_timestamp_format = wire``). ``--query`` is applied
next, then the formatter. Paginated commands either merge all pages (json, table, yaml)
or render page by page (text, yaml-stream), as the AWS CLI does.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import IO, Any

import attrs

from microvm_sdk._core.schema import Shape
from microvm_sdk.cli._model import ServiceModel

__all__ = [
    "OUTPUT_FORMATS",
    "OutputSettings",
    "PagedResult",
    "format_timestamp",
    "yaml_module",
    "open_output",
    "shape_output",
    "write_document",
    "write_result",
]

OUTPUT_FORMATS = ("json", "text", "table", "yaml", "yaml-stream", "off")


@attrs.frozen
class OutputSettings:
    """How to render: the output format, ``--query``, color and the table width.

    Attributes:
        output: One of :data:`OUTPUT_FORMATS`.
        query: A compiled JMESPath expression (anything with ``search``), or ``None``.
        color: ``on``, ``off`` or ``auto`` (color only when stdout is a terminal).
        width: The terminal width for tables, or ``None`` to ask the stream.
    """

    output: str = "json"
    query: Any = None
    color: str = "auto"
    width: int | None = None


@attrs.define
class PagedResult:
    """The pages of a paginated command, for formatters that render page by page.

    Attributes:
        pages: The shaped pages, fetched lazily.
        result_key: The key of the items aggregated across pages (``items``).
        resume_token: Set once iteration stops early (``--max-items``): the token to
            pass as ``--starting-token`` to continue.
    """

    pages: Iterator[dict[str, Any]]
    result_key: str
    resume_token: str | None = None

    def full_result(self) -> dict[str, Any]:
        """Merge every page: the items of all pages, plus ``NextToken`` when truncated."""
        merged: dict[str, Any] = {}
        for page in self.pages:
            items = page.get(self.result_key)
            if items is None:
                continue
            if self.result_key not in merged:
                merged[self.result_key] = items
            elif isinstance(items, list):
                merged[self.result_key].extend(items)
        if self.resume_token is not None:
            merged["NextToken"] = self.resume_token
        return merged


# -- shaping -----------------------------------------------------------------------


def format_timestamp(value: Any, timestamp_format: str) -> Any:
    """Render a wire timestamp: ISO 8601 in local time, or as received (``wire``/``none``).

    Epoch seconds become an aware local datetime's ``isoformat()`` (what botocore's
    parser and the AWS CLI produce); ISO strings are normalised the same way.
    """
    if timestamp_format in ("wire", "none"):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return datetime.datetime.fromtimestamp(value).astimezone().isoformat()
    if isinstance(value, datetime.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)
        return aware.isoformat()
    if isinstance(value, str):
        try:
            return format_timestamp(float(value), timestamp_format)
        except ValueError:
            pass
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()
        return parsed.isoformat()
    return value


def shape_output(
    model: ServiceModel, shape: Shape | None, value: Any, timestamp_format: str
) -> Any:
    """Shape a response wire dict as botocore does for the AWS CLI.

    Structures keep their modeled members only, in model order, under their member
    names, without ``None`` values; a union holding a member this model does not know
    becomes ``{"SDK_UNKNOWN_MEMBER": {"name": <key>}}``; timestamps are formatted with
    :func:`format_timestamp`.
    """
    if shape is None:
        return {}
    return _shape(model, shape, value, timestamp_format)


def _shape(model: ServiceModel, shape: Shape, value: Any, timestamp_format: str) -> Any:
    kind = shape.kind
    if value is None:
        return None
    if kind in ("structure", "union"):
        if not isinstance(value, Mapping):
            return value
        if kind == "union":
            present = [key for key, item in value.items() if item is not None and key != "__type"]
            known = {member.wire_name for member in shape.members}
            if len(present) == 1 and present[0] not in known:
                return {"SDK_UNKNOWN_MEMBER": {"name": present[0]}}
        shaped: dict[str, Any] = {}
        for member in shape.members:
            raw = value.get(member.wire_name)
            if raw is None:
                continue
            shaped[member.model_name] = _shape(model, model.target(member), raw, timestamp_format)
        return shaped
    if kind == "list":
        if not isinstance(value, list):
            return value
        element = model.list_member(shape)
        return [_shape(model, element, item, timestamp_format) for item in value]
    if kind == "map":
        if not isinstance(value, Mapping):
            return value
        value_shape = model.map_value(shape)
        return {
            key: _shape(model, value_shape, item, timestamp_format) for key, item in value.items()
        }
    if kind == "timestamp":
        return format_timestamp(value, timestamp_format)
    return value


# -- formatters --------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("utf-8")
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def _json(value: Any, stream: IO[str]) -> None:
    if value != {}:
        stream.write(json.dumps(value, indent=4, ensure_ascii=False, default=_json_default))
        stream.write("\n")


def yaml_module() -> Any:
    """Import PyYAML, or raise a usage error saying how to install it."""
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        from microvm_sdk.cli._errors import UsageError

        raise UsageError(
            "YAML needs PyYAML, which is not installed; install it with: "
            "pip install 'microvm-sdk[yaml]'"
        ) from None
    return yaml


def _yaml_dump(value: Any, stream: IO[str]) -> None:
    yaml = yaml_module()

    class _Dumper(yaml.SafeDumper):  # type: ignore[misc,name-defined]
        pass

    def _datetime(dumper: Any, data: datetime.datetime) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data.isoformat())

    def _bytes(dumper: Any, data: bytes) -> Any:
        return dumper.represent_scalar(
            "tag:yaml.org,2002:str", base64.b64encode(data).decode("utf-8")
        )

    _Dumper.add_representer(datetime.datetime, _datetime)
    _Dumper.add_representer(bytes, _bytes)
    stream.write(
        yaml.dump(
            value,
            Dumper=_Dumper,
            default_flow_style=False,
            allow_unicode=True,
            sort_keys=True,
        )
    )


def _text(
    value: Any, stream: IO[str], identifier: str | None = None, keys: list[str] | None = None
) -> None:
    if isinstance(value, Mapping):
        _text_mapping(value, stream, identifier, keys)
    elif isinstance(value, list):
        _text_list(value, stream, identifier)
    else:
        stream.write(f"{_str(value)}\n")


def _str(value: Any) -> str:
    return str(value)


def _text_list(items: list[Any], stream: IO[str], identifier: str | None) -> None:
    if not items:
        return
    if any(isinstance(item, Mapping) for item in items):
        keys = sorted(
            {
                key
                for item in items
                for key, value in item.items()
                if not isinstance(value, Mapping | list)
            }
        )
        for item in items:
            _text(item, stream, identifier, keys)
    elif any(isinstance(item, list) for item in items):
        scalars = [item for item in items if not isinstance(item, Mapping | list)]
        if scalars:
            _text_scalars(scalars, stream, identifier)
        for item in items:
            if isinstance(item, Mapping | list):
                _text(item, stream, identifier)
    else:
        _text_scalars(items, stream, identifier)


def _text_scalars(items: list[Any], stream: IO[str], identifier: str | None) -> None:
    if identifier is not None:
        for item in items:
            stream.write(f"{identifier.upper()}\t{_str(item)}\n")
    else:
        stream.write("\t".join(_str(item) for item in items) + "\n")


def _text_mapping(
    value: Mapping[str, Any], stream: IO[str], identifier: str | None, keys: list[str] | None
) -> None:
    cells: list[str] = []
    nested: list[tuple[str, Any]] = []
    if keys is None:
        for key, item in sorted(value.items()):
            if isinstance(item, Mapping | list):
                nested.append((key, item))
            else:
                cells.append(_str(item))
    else:
        cells = [_str(value.get(key, "")) for key in keys]
        nested = [(key, value[key]) for key in sorted(set(value) - set(keys))]
    if cells:
        if identifier is not None:
            cells.insert(0, identifier.upper())
        stream.write("\t".join(cells) + "\n")
    for key, item in nested:
        _text(item, stream, key)


def _search(settings: OutputSettings, value: Any) -> Any:
    return settings.query.search(value) if settings.query is not None else value


def _use_color(settings: OutputSettings, stream: IO[str]) -> bool:
    if settings.color == "on":
        return True
    if settings.color == "off":
        return False
    try:
        return os.isatty(sys.stdout.fileno()) and stream.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def write_document(value: Any, settings: OutputSettings, stream: IO[str], *, title: str) -> None:
    """Render one (already shaped and queried) value in ``settings.output`` format."""
    from microvm_sdk.cli._table import render_table, terminal_width

    output = settings.output
    if output == "off":
        return
    if output == "json":
        _json(value, stream)
    elif output == "text":
        _text(value, stream)
    elif output == "table":
        width = settings.width if settings.width is not None else terminal_width(stream)
        render_table(title, value, stream, color=_use_color(settings, stream), width=width)
    elif output == "yaml":
        if value != {}:
            _yaml_dump(value, stream)
    elif output == "yaml-stream":
        _yaml_dump([value], stream)


def write_result(
    result: dict[str, Any] | PagedResult, settings: OutputSettings, stream: IO[str], *, title: str
) -> None:
    """Render a response (or the pages of a paginated one), after ``--query``."""
    if settings.output == "off":
        if isinstance(result, PagedResult):
            for _ in result.pages:
                pass
        return
    if isinstance(result, PagedResult):
        if settings.output == "text":
            for page in result.pages:
                current = {result.result_key: page.get(result.result_key)}
                _text(_search(settings, current), stream)
            if result.resume_token is not None:
                _text(_search(settings, {"NextToken": {"NextToken": result.resume_token}}), stream)
            return
        if settings.output == "yaml-stream":
            for page in result.pages:
                write_document(_search(settings, page), settings, stream, title=title)
            return
        write_document(_search(settings, result.full_result()), settings, stream, title=title)
        return
    write_document(_search(settings, result), settings, stream, title=title)


# -- pager ---------------------------------------------------------------------------


def _pager_command(configured: str | None, environ: Mapping[str, str]) -> str | None:
    if "AWS_PAGER" in environ:
        return environ["AWS_PAGER"] or None
    if configured is not None:
        return configured or None
    return environ.get("PAGER") or "less"


@contextlib.contextmanager
def open_output(
    stdout: IO[str],
    *,
    use_pager: bool,
    configured_pager: str | None,
    environ: Mapping[str, str],
) -> Iterator[IO[str]]:
    """Yield the stream to write output to: a pager when stdout is a terminal.

    The pager is ``AWS_PAGER``, else ``cli_pager`` from the config file, else
    ``PAGER``, else ``less`` (run with ``LESS=FRX`` unless ``LESS`` is set); an empty
    value turns paging off, as does ``--no-cli-pager``.
    """
    command = _pager_command(configured_pager, environ) if use_pager else None
    interactive = False
    with contextlib.suppress(AttributeError, OSError, ValueError):
        interactive = stdout.isatty()
    if not command or not interactive:
        yield stdout
        return
    env = dict(environ)
    env.setdefault("LESS", "FRX")
    try:
        process = subprocess.Popen(
            shlex.split(command), stdin=subprocess.PIPE, env=env, text=True, encoding="utf-8"
        )
    except OSError:
        yield stdout
        return
    assert process.stdin is not None
    try:
        yield process.stdin
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            process.stdin.close()
        process.wait()
