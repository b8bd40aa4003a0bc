"""Day 2 in the simulation: load on services and Deployments, metrics, autoscalers, all
driven by simulated time (:mod:`.simulation`), with CloudWatch's datapoints
(:mod:`.metrics`) and Application Auto Scaling for ECS services (:mod:`.service_scaling`).
The HorizontalPodAutoscaler and the Metrics Server are part of the Kubernetes core
(:mod:`awscontainers.sim.kube.hpa`, :mod:`awscontainers.sim.kube.podmetrics`)."""

from __future__ import annotations

from .metrics import MetricStore
from .service_scaling import ServiceAutoScaling
from .simulation import CONTROLLERS, TICK_SECONDS, Controller, Day2, register_controller

__all__ = [
    "CONTROLLERS",
    "TICK_SECONDS",
    "Controller",
    "Day2",
    "MetricStore",
    "ServiceAutoScaling",
    "register_controller",
]
