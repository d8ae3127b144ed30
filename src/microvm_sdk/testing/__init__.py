"""Test helpers: a typed ``Stubber`` for unit tests, and the emulator for everything else.

``Stubber`` answers a client's calls with results and errors queued by the test, checked
against the model, with no network and no credentials (boto3's ``Stubber``, typed)::

    from microvm_sdk import Client, models
    from microvm_sdk.testing import Stubber

    client = Client(region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_microvm_image",
            models.GetMicrovmImageOutput(...),
            expected_params={"image_identifier": arn},
        )
        code_under_test(client)
        stubber.assert_no_pending_responses()

It works the same for ``AsyncClient``. For tests that need the service's behaviour
(lifecycles, waiters, pagination, faults), use the local emulator:
``microvm_sdk.local.LocalServer``, the ``microvm_local`` pytest fixtures, or
``emulator_environment(server)`` (the ``microvm_local_env`` fixture), which points code
that creates its own clients at the emulator through the environment.

moto's ``mock_aws`` does not intercept this SDK: it hooks into botocore's HTTP layer,
which this SDK does not send through (and moto does not implement this service).
"""

from __future__ import annotations

from microvm_sdk.testing._base import ANY, InvalidStubError, StubAssertionError
from microvm_sdk.testing._environment import emulator_environment, environment_for
from microvm_sdk.testing._stubber import Stubber

__all__ = [
    "ANY",
    "InvalidStubError",
    "StubAssertionError",
    "Stubber",
    "emulator_environment",
    "environment_for",
]
