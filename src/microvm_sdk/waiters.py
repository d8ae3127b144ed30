"""What the client's ``wait_until_*`` methods pass to their ``callback``.

::

    from microvm_sdk.models import GetMicrovmImageOutput
    from microvm_sdk.waiters import WaitProgress


    def report(progress: WaitProgress[GetMicrovmImageOutput]) -> None:
        print(f"poll {progress.attempt}: {progress.state} after {progress.elapsed:.0f} s")

    # client.wait_until_created(image_identifier=arn, callback=report)

The errors a waiter raises (``WaiterFailureError``, ``WaiterTimeoutError``) are in
:mod:`microvm_sdk.errors`; docs/waiters.md lists each waiter's states and timing.
"""

from microvm_sdk._core.waiter import WaitProgress

__all__ = ["WaitProgress"]
