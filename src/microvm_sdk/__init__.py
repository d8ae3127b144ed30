"""microvm-sdk: a typed Python SDK for AWS Lambda MicroVMs."""

from microvm_sdk._version import __version__

__all__ = ["__version__"]
