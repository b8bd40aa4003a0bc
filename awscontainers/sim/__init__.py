"""Simulations of what AWS does in the data plane (placement, scheduling, runtime), and
what they stand on: the account (:mod:`.account`), its event bus (:mod:`.events`) and its
clock (:mod:`.clock`)."""
