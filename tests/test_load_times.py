"""A load curve scaled by a factor: the same shape, every value multiplied."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers.errors import InvalidParameterError
from awscontainers.sim.clock import EPOCH
from awscontainers.sim.load import constant, daily, points, step

CURVES = [
    constant(1.5),
    step(1, 4, at=dt.timedelta(minutes=10)),
    daily(low=0.5, high=3, peak_hour=14),
    points([(dt.timedelta(0), 0.5), (dt.timedelta(hours=3), 2.5), (dt.timedelta(hours=9), 1)]),
]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(CURVES),
    st.floats(min_value=0, max_value=20, allow_nan=False),
    st.integers(min_value=0, max_value=48 * 3600),
)
def test_times_multiplies_every_value_and_keeps_the_shape(curve, factor, seconds):
    when = EPOCH + dt.timedelta(seconds=seconds)
    scaled = curve.times(factor)
    assert scaled.kind == curve.kind
    assert scaled.at(when) == pytest.approx(curve.at(when) * factor, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("factor", [-1, float("nan"), float("inf"), True, "2", None])
def test_a_bad_factor_is_refused(factor):
    with pytest.raises(InvalidParameterError, match="factor"):
        constant(1).times(factor)


def test_a_factor_past_the_load_limit_is_refused():
    with pytest.raises(InvalidParameterError, match="between 0 and"):
        constant(1000).times(10**6)
