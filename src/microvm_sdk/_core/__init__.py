"""The hand-written runtime of microvm-sdk.

Nothing in ``_core`` knows about Lambda MicroVMs: it is driven by the data that the
generator writes (``microvm_sdk._schema``) and would serve any rest-json service.
"""
