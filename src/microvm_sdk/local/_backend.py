"""The emulated Lambda MicroVMs service: state and behaviour behind the local server.

The server parses and validates a request against the model, then calls
:meth:`Backend.handle` with the operation name and the input members (model names,
decoded values). The backend answers with the output's JSON body, or raises
:class:`~._errors.EmulatedError` as the service would. State transitions are computed
from recorded times whenever a request reads the state, so nothing runs in the
background; time comes from a :class:`~._clock.VirtualClock`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from typing import Any

from . import _backend_images, _backend_microvms, _backend_tags
from ._backend_common import Env, Handler, service_error
from ._backend_config import BehaviourConfig, BuildRule
from ._backend_microvms import decode_auth_token
from ._backend_shapes import ResponseShape, render
from ._backend_state import Partition, partition_from_json, partition_to_json
from ._clock import ClockMode, VirtualClock
from ._errors import RequestContext
from ._timing import PROFILES, Timing, timing_profile

__all__ = ["Backend", "BehaviourConfig", "BuildRule", "decode_auth_token"]

_HANDLERS: Mapping[str, Handler] = {
    **_backend_images.HANDLERS,
    **_backend_microvms.HANDLERS,
    **_backend_tags.HANDLERS,
}
_FORMAT = "microvm-sdk-local-backend"
_FORMAT_VERSION = 1
_MANUAL = "manual"


def _timing_for(profile: str | Timing) -> Timing:
    # "manual" is a clock mode, not a timing: it keeps the realistic durations and lets
    # the caller move time.
    return PROFILES["realistic"] if profile == _MANUAL else timing_profile(profile)


class Backend:
    """The behaviour of the emulated service, shared by every request the server gets.

    Safe to call from many threads: one lock guards all state.

    Args:
        clock: The clock; a real-time :class:`VirtualClock` when omitted.
        profile: The durations of asynchronous steps: ``"fast"``, ``"realistic"``,
            ``"instant"`` or a :class:`Timing`; ``"manual"`` means the realistic
            durations on a clock that moves only when advanced (when ``clock`` is
            omitted).
        account_id: The emulated account (the server puts it in each
            :class:`RequestContext`; state is kept per account and region).
        live_fidelity: Answer in the live service's shape (the default): unset members
            sent as ``null`` or left out as the live service does it, member by member,
            ``"nextToken": null`` on last pages, and the members the model does not
            define (``id``, ``versionStateTimeBucket``, ``terminationReasonCode``,
            ``buildPhaseOverrides``, ``roleConfiguration``). ``False`` answers in the
            model's shape: only modeled members, unset ones left out, which shows
            whether client code relies on anything the model does not promise.
        random_seed: Seed for ids and tokens (reproducible runs). Build outputs such as
            snapshot sizes follow from the build's input and need no seed.
        config: The behaviour switches for what the real service is not known to do.

    Attributes:
        OPERATIONS: The operations :meth:`handle` answers.
    """

    OPERATIONS: frozenset[str] = frozenset(_HANDLERS)

    def __init__(
        self,
        *,
        clock: VirtualClock | None = None,
        profile: str | Timing = "fast",
        account_id: str = "000000000000",
        live_fidelity: bool = True,
        random_seed: int | None = None,
        config: BehaviourConfig | None = None,
    ) -> None:
        if clock is None:
            clock = VirtualClock("manual" if profile == _MANUAL else "real")
        self._clock = clock
        self._timing = _timing_for(profile)
        self._account_id = account_id
        self._live = bool(live_fidelity)
        self._config = config if config is not None else BehaviourConfig()
        self._rng = random.Random(random_seed)
        self._lock = threading.RLock()
        self._partitions: dict[tuple[str, str], Partition] = {}
        self._last_now = float("-inf")

    # ------------------------------------------------------------------ properties

    @property
    def clock(self) -> VirtualClock:
        """The clock the service reads."""
        return self._clock

    @property
    def timing(self) -> Timing:
        """The durations of asynchronous steps."""
        return self._timing

    @property
    def config(self) -> BehaviourConfig:
        """The behaviour switches."""
        return self._config

    @property
    def account_id(self) -> str:
        """The emulated account id."""
        return self._account_id

    @property
    def live_fidelity(self) -> bool:
        """Whether responses have the live service's shape (else the model's)."""
        return self._live

    @property
    def response_shape(self) -> ResponseShape:
        """``"live"`` or ``"model"``: how response bodies are laid out."""
        return "live" if self._live else "model"

    # ------------------------------------------------------------------- requests

    def handle(
        self, operation: str, params: dict[str, Any], ctx: RequestContext
    ) -> dict[str, Any] | None:
        """Perform one operation.

        Args:
            operation: The model's operation name (``"CreateMicrovmImage"``).
            params: The input members by model name, validated against the model.
            ctx: The request's region, account and ids.

        Returns:
            The output's JSON body (camelCase keys, epoch-second timestamps), or
            ``None`` for an operation without a body.

        Raises:
            EmulatedError: The service's error for this request.
        """
        handler = _HANDLERS.get(operation)
        if handler is None:
            raise service_error(
                "InternalServerException", f"The operation {operation} is not emulated."
            )
        with self._lock:
            env = self._env(ctx.account_id, ctx.region)
            _backend_images.settle_images(env)
            _backend_microvms.settle_microvms(env)
            body: dict[str, Any] | None = render(
                operation, handler(env, params), self.response_shape
            )
            return body

    def _env(self, account_id: str, region: str) -> Env:
        now = max(self._clock.now(), self._last_now)
        self._last_now = now
        key = (account_id, region)
        part = self._partitions.get(key)
        if part is None:
            part = self._partitions[key] = Partition(account_id=account_id, region=region)
        return Env(part=part, now=now, timing=self._timing, config=self._config, rng=self._rng)

    def record_traffic(self, microvm_id: str) -> str | None:
        """Note inbound traffic to a MicroVM (for a local proxy).

        Restarts its idle timer and, if it is SUSPENDED with ``autoResumeEnabled``,
        resumes it.

        Args:
            microvm_id: The MicroVM's id.

        Returns:
            The MicroVM's state afterwards, or ``None`` if there is no such MicroVM.
        """
        with self._lock:
            for account_id, region in list(self._partitions):
                env = self._env(account_id, region)
                vm = env.part.microvms.get(microvm_id)
                if vm is not None:
                    return _backend_microvms.record_traffic(vm, env.now, self._timing)
        return None

    def reset(self) -> None:
        """Forget every resource and client token (the clock is left as it is)."""
        with self._lock:
            self._partitions.clear()

    # ---------------------------------------------------------------- persistence

    def to_json(self) -> dict[str, Any]:
        """Return the whole state as JSON-ready data, clock included.

        Scheduled transitions are stored as absolute virtual times, so a backend
        rebuilt by :meth:`from_json` continues in-flight builds and timers.
        """
        with self._lock:
            profile_name = next(
                (name for name, timing in PROFILES.items() if timing == self._timing), None
            )
            version, internal, gauss = self._rng.getstate()
            return {
                "format": _FORMAT,
                "formatVersion": _FORMAT_VERSION,
                "accountId": self._account_id,
                "liveFidelity": self._live,
                "profile": profile_name,
                "timing": self._timing.to_json(),
                "config": self._config.to_json(),
                "clock": self._clock.to_json(),
                "lastNow": self._last_now if self._last_now != float("-inf") else None,
                "random": [version, list(internal), gauss],
                "partitions": [partition_to_json(p) for p in self._partitions.values()],
            }

    @classmethod
    def from_json(cls, data: dict[str, Any], **options: Any) -> Backend:
        """Rebuild a backend saved by :meth:`to_json`.

        Args:
            data: What :meth:`to_json` returned.
            **options: Constructor arguments that replace the saved ones (``clock``,
                ``profile``, ``account_id``, ``live_fidelity``, ``random_seed``,
                ``config``); other keys are ignored. A ``clock`` given here is used as
                it is. Otherwise the saved clock is restored with its offset; when
                ``profile`` asks for another clock mode (``"manual"`` or not), the new
                clock starts at the saved clock's time.

        Raises:
            ValueError: If ``data`` is not a saved backend.
        """
        if data.get("format") != _FORMAT or data.get("formatVersion") != _FORMAT_VERSION:
            raise ValueError("not a saved emulator backend (unknown format)")
        requested = options.get("profile")
        profile: str | Timing = (
            requested if requested is not None else Timing.from_json(data["timing"])
        )
        config = options.get("config")
        if config is None:
            config = BehaviourConfig.from_json(data.get("config", {}))
        clock = options.get("clock")
        if clock is None:
            clock = VirtualClock.from_json(data["clock"])
            if requested is not None and (requested == _MANUAL) != (clock.mode == "manual"):
                mode: ClockMode = "manual" if requested == _MANUAL else "real"
                clock = VirtualClock(mode, start=clock.now())
        backend = cls(
            clock=clock,
            profile=profile,
            account_id=options.get("account_id", data.get("accountId", "000000000000")),
            live_fidelity=options.get("live_fidelity", data.get("liveFidelity", True)),
            random_seed=options.get("random_seed"),
            config=config,
        )
        if "random_seed" not in options and data.get("random"):
            version, internal, gauss = data["random"]
            backend._rng.setstate((version, tuple(internal), gauss))
        if "clock" not in options and data.get("lastNow") is not None:
            backend._last_now = float(data["lastNow"])
        for item in data.get("partitions", []):
            part = partition_from_json(item)
            backend._partitions[(part.account_id, part.region)] = part
        return backend

    def __repr__(self) -> str:
        return (
            f"Backend(account_id={self._account_id!r}, live_fidelity={self._live!r}, "
            f"clock={self._clock!r})"
        )
