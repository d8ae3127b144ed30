"""The ``microvm`` command: every Lambda MicroVMs operation, the AWS CLI way.

``microvm create-microvm-image --name app ...`` accepts the options of
``aws lambda-microvms create-microvm-image`` with the same meaning (shorthand and JSON
values, ``file://``, ``--cli-input-json``, ``--generate-cli-skeleton``, ``--query``,
``--output``) and adds waiting (``--wait``, ``microvm wait``), the local emulator
(``microvm local serve``) and a self-contained ``microvm demo``. See ``docs/cli.md``.

Importing this package is cheap: the model, the client and botocore are loaded only
when a command needs them.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    Args:
        argv: The arguments without the program name; ``sys.argv[1:]`` when ``None``.

    Returns:
        0 on success, 252 for a bad command line, 253 for a configuration problem,
        254 for a service error, 255 for other failures, 130 when interrupted.
    """
    from microvm_sdk.cli._app import run

    return run(list(sys.argv[1:] if argv is None else argv))
