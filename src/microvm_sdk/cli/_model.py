"""The service model as the CLI sees it: commands, their options, and shape helpers.

Everything is derived at run time from :data:`microvm_sdk._schema.SCHEMA`: a command per
operation, named as the AWS CLI names it (``CreateMicrovmImage`` becomes
``create-microvm-image``), and an option per input member (``--`` plus the member's
model name turned into words, ``baseImageArn`` becoming ``--base-image-arn``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import attrs
from botocore import xform_name  # type: ignore[import-untyped]

from microvm_sdk._core.schema import Member, Operation, Paginator, ServiceSchema, Shape

__all__ = [
    "COMPLEX_KINDS",
    "SCALAR_KINDS",
    "Argument",
    "CommandModel",
    "ServiceModel",
    "load_service_model",
]

SCALAR_KINDS = frozenset(
    {"string", "integer", "long", "float", "double", "boolean", "timestamp", "blob"}
)
COMPLEX_KINDS = frozenset({"structure", "union", "list", "map"})


@attrs.frozen
class Argument:
    """An option of a command, bound to a top-level input member.

    Attributes:
        name: The option without dashes (``base-image-arn``).
        member: The input member.
        shape: The member's target shape.
        required: The option must be given (required by the model and not an
            idempotency token, which the client fills in).
    """

    name: str
    member: Member
    shape: Shape
    required: bool

    @property
    def option(self) -> str:
        """The option as typed (``--base-image-arn``)."""
        return "--" + self.name

    @property
    def dest(self) -> str:
        """The attribute name argparse stores the value under."""
        return "arg_" + self.name.replace("-", "_")


@attrs.frozen
class CommandModel:
    """One operation as a command."""

    name: str
    operation: Operation
    input_shape: Shape | None
    output_shape: Shape | None
    arguments: tuple[Argument, ...]
    paginator: Paginator | None

    def argument_for_member(self, model_name: str) -> Argument | None:
        """Return the option bound to the input member named ``model_name``."""
        for argument in self.arguments:
            if argument.member.model_name == model_name:
                return argument
        return None

    def argument_for_python_name(self, python_name: str) -> Argument | None:
        """Return the option bound to the input member whose Python name is given."""
        for argument in self.arguments:
            if argument.member.name == python_name:
                return argument
        return None


@attrs.frozen
class ServiceModel:
    """The commands of the service and shape lookups."""

    schema: ServiceSchema
    commands: dict[str, CommandModel]

    def shape(self, name: str) -> Shape:
        """Return the shape named ``name``."""
        return self.schema.shapes[name]

    def target(self, member: Member) -> Shape:
        """Return the shape a member targets."""
        return self.schema.shapes[member.target]

    def list_member(self, shape: Shape) -> Shape:
        """Return the element shape of a list shape."""
        assert shape.member is not None
        return self.schema.shapes[shape.member]

    def map_key(self, shape: Shape) -> Shape:
        """Return the key shape of a map shape."""
        assert shape.key is not None
        return self.schema.shapes[shape.key]

    def map_value(self, shape: Shape) -> Shape:
        """Return the value shape of a map shape."""
        assert shape.value is not None
        return self.schema.shapes[shape.value]

    def command_for_operation(self, operation_name: str) -> CommandModel:
        """Return the command of the operation with this model name."""
        return self.commands[xform_name(operation_name, "-")]

    def walk_members(self, shape: Shape) -> Iterator[tuple[Member, Shape]]:
        """Yield ``(member, target shape)`` for each member of a structure or union."""
        for member in shape.members:
            yield member, self.target(member)


def _build(schema: ServiceSchema) -> ServiceModel:
    commands: dict[str, CommandModel] = {}
    for operation in schema.operations.values():
        input_shape = schema.shapes[operation.input] if operation.input else None
        output_shape = schema.shapes[operation.output] if operation.output else None
        arguments: list[Argument] = []
        if input_shape is not None:
            for member in input_shape.members:
                arguments.append(
                    Argument(
                        name=xform_name(member.model_name, "-"),
                        member=member,
                        shape=schema.shapes[member.target],
                        required=member.required and not member.idempotency_token,
                    )
                )
        name = xform_name(operation.name, "-")
        commands[name] = CommandModel(
            name=name,
            operation=operation,
            input_shape=input_shape,
            output_shape=output_shape,
            arguments=tuple(arguments),
            paginator=schema.paginators.get(operation.name),
        )
    return ServiceModel(schema=schema, commands=dict(sorted(commands.items())))


@functools.cache
def load_service_model() -> ServiceModel:
    """Build (once) the CLI view of :data:`microvm_sdk._schema.SCHEMA`."""
    from microvm_sdk._schema import SCHEMA

    return _build(SCHEMA)


def model_from_schema(schema: ServiceSchema) -> ServiceModel:
    """Build the CLI view of any schema (for tests and tools)."""
    return _build(schema)
