"""Simulations of what AWS does in the data plane (placement, scheduling, runtime)."""
