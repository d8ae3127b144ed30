"""The waiters' failure reasons are data the generator checks against the model."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from microvm_sdk._waiters import WAITERS
from microvm_sdk_codegen import ir, render_waiters

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "service-model" / "lambda-microvms" / "2025-09-09"


def _model_with(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> ir.ServiceIR:
    folder = tmp_path / "model"
    shutil.copytree(MODEL_DIR, folder)
    waiters = json.loads((folder / "waiters-2.json").read_text())
    change(waiters["waiters"]["MicrovmImageCreated"]["failureReason"]["lookups"][0])
    (folder / "waiters-2.json").write_text(json.dumps(waiters))
    return ir.load(folder, "model")


def _rename_operation(lookup: dict[str, Any]) -> None:
    lookup["operation"] = "ListMicrovmImageBuildz"


def _unknown_member(lookup: dict[str, Any]) -> None:
    lookup["input"]["imageVersionId"] = "latestFailedImageVersion"


def _bad_expression(lookup: dict[str, Any]) -> None:
    lookup["reasons"] = "items[?"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_rename_operation, "MicrovmImageCreated.failureReason calls unknown operation"),
        (_unknown_member, "ListMicrovmImageBuilds has no input member 'imageVersionId'"),
        (_bad_expression, "reasons: bad JMESPath expression"),
    ],
)
def test_a_failure_reason_the_model_cannot_serve_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    service = _model_with(tmp_path, change)
    with pytest.raises(ir.ModelError, match=message):
        render_waiters.render(service)


def test_the_image_waiters_explain_build_failures_and_no_others() -> None:
    explained = {name for name, spec in WAITERS.items() if spec.failure_reason is not None}
    assert explained == {"MicrovmImageCreated", "MicrovmImageUpdated", "MicrovmImageVersionBuilt"}
    for name in explained:
        reason = WAITERS[name].failure_reason
        assert reason is not None
        assert [lookup.operation for lookup in reason.lookups] == [
            "ListMicrovmImageBuilds",
            "GetMicrovmImageVersion",
        ]
