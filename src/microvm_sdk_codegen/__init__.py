"""The microvm-sdk code generator: service model JSON in, typed Python modules out.

It is a development tool, not part of the shipped wheel. ``python -m microvm_sdk_codegen``
regenerates ``src/microvm_sdk``'s generated modules; ``--check`` fails when they are stale.
"""
