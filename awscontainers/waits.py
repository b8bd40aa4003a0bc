"""Waiting for AWS where the learner can see it: a progress bar in a notebook, a line in a
terminal, with the phase, the time so far and how long AWS typically takes.

The real backend's long waits (an EKS control plane, a nodegroup, a Fargate profile, their
deletion, instances terminating, a NAT gateway) poll with boto3's own waiter definitions:
the operation, the delay between polls, the number of attempts and the success and failure
states all come from botocore (``client.get_waiter(name).config``), so the lab waits exactly
as boto3 would; only the sleeping and the display are the lab's. The typical durations are
data (``data/real_aws.yaml``, with their sources).

An interrupt (Ctrl-C, the notebook's stop button) while waiting raises
:class:`~awscontainers.errors.WaitInterruptedError`: AWS goes on, the ledger keeps the
resource, and the message says how to wait again or clean up.

>>> typical("cluster_active")["typical_seconds"]
900
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from .errors import BackendError, LabError, WaitInterruptedError
from .rules.data import load_packaged


def typical(waiter: str) -> dict[str, Any]:
    """The phase, AWS's typical duration (seconds, or None when none is published) and the
    source for one boto3 waiter the lab uses."""
    facts = load_packaged("real_aws.yaml")["waits"]
    if waiter not in facts:
        raise LabError(
            f"No typical duration is recorded for the {waiter!r} wait.",
            hint="add it to awscontainers/data/real_aws.yaml with its source.",
        )
    return dict(facts[waiter])


def minutes(seconds: float) -> str:
    """``95`` -> ``'1m35s'``; under a minute, whole seconds.

    >>> minutes(95), minutes(7.4), minutes(900)
    ('1m35s', '7s', '15m00s')
    """
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class Display(Protocol):
    """Where a wait shows itself: started once, updated after each poll, finished once."""

    def start(self, phase: str, what: str, typical_seconds: float | None, limit: float) -> None: ...

    def update(self, elapsed: float, status: str) -> None: ...

    def finish(self, elapsed: float, outcome: str) -> None: ...


def _expectation(typical_seconds: float | None, limit: float) -> str:
    if typical_seconds:
        return f"AWS typically takes about {minutes(typical_seconds)}"
    return f"no typical time is published; boto3 gives up after {minutes(limit)}"


class TerminalDisplay:
    """One line per poll (rewritten in place on a terminal)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def _write(self, text: str, end: bool = False) -> None:
        stream = self.stream or sys.stderr
        if stream.isatty():
            stream.write("\r\x1b[K" + text + ("\n" if end else ""))
        else:
            stream.write(text + "\n")
        stream.flush()

    def start(self, phase: str, what: str, typical_seconds: float | None, limit: float) -> None:
        self.label = f"{phase} ({what})"
        self.expect = _expectation(typical_seconds, limit)
        self._write(f"[awscontainers] {self.label}: started; {self.expect}.")

    def update(self, elapsed: float, status: str) -> None:
        self._write(
            f"[awscontainers] {self.label}: {minutes(elapsed)} so far, {status}; {self.expect}."
        )

    def finish(self, elapsed: float, outcome: str) -> None:
        self._write(f"[awscontainers] {self.label}: {outcome} after {minutes(elapsed)}.", end=True)


class NotebookDisplay:
    """An ipywidgets progress bar, filling up to AWS's typical duration (or boto3's limit)."""

    def start(self, phase: str, what: str, typical_seconds: float | None, limit: float) -> None:
        import ipywidgets as widgets
        from IPython.display import display

        self.scale = float(typical_seconds or limit)
        self.expect = _expectation(typical_seconds, limit)
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=self.scale, bar_style="info")
        self.label = widgets.HTML()
        self.title = f"<b>{phase}</b> ({what})"
        self.label.value = f"{self.title}: started; {self.expect}."
        display(widgets.VBox([self.label, self.bar]))

    def update(self, elapsed: float, status: str) -> None:
        self.bar.value = min(elapsed, self.scale)
        self.label.value = f"{self.title}: {minutes(elapsed)} so far, {status}; {self.expect}."

    def finish(self, elapsed: float, outcome: str) -> None:
        self.bar.value = self.scale
        self.bar.bar_style = "success" if outcome == "done" else "warning"
        self.label.value = f"{self.title}: {outcome} after {minutes(elapsed)}."


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a widget can show), False in a terminal."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


@dataclass
class WaitSettings:
    """How a lab waits: ``sleep`` and ``clock`` (real time by default; a test passes its
    own so nothing really sleeps), ``delay`` (seconds between polls; None: boto3's own) and
    ``display`` (makes a :class:`Display`; None: a bar in a notebook, a line otherwise)."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    delay: float | None = None
    display: Callable[[], Display] | None = None
    history: list[str] = field(default_factory=list)

    def new_display(self) -> Display:
        if self.display is not None:
            return self.display()
        return NotebookDisplay() if in_notebook() else TerminalDisplay()


def _status(response: dict, acceptors: list[Any]) -> str:
    """What the resource says it is doing now, read where the waiter's acceptors look."""
    import jmespath  # type: ignore[import-untyped]

    if "Error" in response:
        return f"AWS answers {response['Error'].get('Code')}"
    for acceptor in acceptors:
        if acceptor.matcher in ("path", "pathAll", "pathAny") and acceptor.argument:
            found = jmespath.search(acceptor.argument, response)
            if isinstance(found, list):
                found = ", ".join(sorted({str(f) for f in found})) or "none yet"
            if found is not None:
                return f"status {found}"
    return "waiting"


def wait_for(
    client: Any,
    waiter: str,
    *,
    what: str,
    resume: str,
    settings: WaitSettings | None = None,
    **params: Any,
) -> dict:
    """Poll ``client`` as boto3's waiter ``waiter`` would, showing progress; return the last
    response. ``what`` names the resource (``"cluster demo"``); ``resume`` is the hint an
    interrupt gives (how to wait again, how to clean up)."""
    from botocore import xform_name
    from botocore.exceptions import ClientError

    from ._aws import translate

    settings = settings or WaitSettings()
    config = client.get_waiter(waiter).config
    operation = xform_name(config.operation)
    delay = config.delay if settings.delay is None else settings.delay
    fact = typical(waiter)
    display = settings.new_display()
    started = settings.clock()
    display.start(fact["phase"], what, fact["typical_seconds"], config.delay * config.max_attempts)
    settings.history.append(f"{waiter} {what}")
    try:
        for _ in range(config.max_attempts):
            try:
                response = getattr(client, operation)(**params)
            except ClientError as exc:
                response = exc.response
            state = next((a.state for a in config.acceptors if a.matcher_func(response)), None)
            elapsed = settings.clock() - started
            if state == "success":
                display.finish(elapsed, "done")
                return response
            if state == "failure" or ("Error" in response and state is None):
                display.finish(elapsed, "failed")
                if "Error" in response and state is None:
                    raise translate(ClientError(response, config.operation), config.operation)
                raise BackendError(
                    f"AWS reports {_status(response, config.acceptors)} for {what} while "
                    f"{fact['phase']}.",
                    hint="look at the resource in the AWS console for the reason; "
                    "lab.teardown() removes what the lab made.",
                )
            display.update(elapsed, _status(response, config.acceptors))
            settings.sleep(delay)
    except KeyboardInterrupt as exc:
        if isinstance(exc, WaitInterruptedError):
            raise
        elapsed = settings.clock() - started
        display.finish(elapsed, "stopped waiting")
        raise WaitInterruptedError(
            f"Stopped waiting for {what} after {minutes(elapsed)} ({fact['phase']}). AWS "
            "carries on, and the lab's ledger still records it.",
            hint=resume,
        ) from None
    elapsed = settings.clock() - started
    display.finish(elapsed, "timed out")
    raise BackendError(
        f"{what} was not done {fact['phase']} after {minutes(elapsed)} (boto3's limit for "
        f"{waiter}).",
        hint=resume,
    )
