"""The version of microvm-sdk."""

__version__ = "0.1.0"
