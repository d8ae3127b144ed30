"""``python -m microvm_sdk.cli``: the same as the ``microvm`` command."""

from __future__ import annotations

import sys

from microvm_sdk.cli import main

if __name__ == "__main__":
    sys.exit(main())
