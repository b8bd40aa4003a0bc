"""botocore's JSON files read through kept pickles (awscontainers.datacache): the same data
as botocore parses, a changed file parsed again, a broken or unwritable cache harmless."""

import json
import os
from collections import OrderedDict

import botocore.loaders
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers import Lab
from awscontainers.datacache import CACHE_ENV, PickledJSONFileLoader, cache_dir

_PLAIN = botocore.loaders.Loader()
_SERVICES = sorted(_PLAIN.list_available_services("service-2"))


def _same(a, b):
    """Equal, and of the same types all the way down (OrderedDict where botocore has one)."""
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert a == b


@pytest.fixture
def kept(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "kept"))
    return tmp_path / "kept"


@settings(max_examples=6, deadline=None)
@given(service=st.sampled_from(_SERVICES), kind=st.sampled_from(["service-2", "paginators-1"]))
def test_a_file_read_twice_is_what_botocore_parses_both_times(tmp_path_factory, service, kind):
    folder = tmp_path_factory.mktemp("kept")
    os.environ[CACHE_ENV] = str(folder)
    try:
        loader = botocore.loaders.Loader(file_loader=PickledJSONFileLoader())
        plain = botocore.loaders.Loader()
        version = plain.determine_latest_version(service, "service-2")
        path = os.path.join(plain.search_paths[-1], service, version, kind)
        expected = plain.file_loader.load_file(path)
        first = loader.file_loader.load_file(path)
        assert len(list(folder.iterdir())) == (0 if expected is None else 1)
        second = loader.file_loader.load_file(path)
        _same(first, expected)
        _same(second, expected)
        if expected is not None:
            assert second is not first  # a new copy each time, as parsing gives
    finally:
        del os.environ[CACHE_ENV]


def test_the_second_read_does_not_parse(kept, tmp_path, monkeypatch):
    source = tmp_path / "data.json"
    source.write_text(json.dumps({"b": 1, "a": [1.5, "x", None, True]}))
    loader = PickledJSONFileLoader()
    assert loader.load_file(str(source.with_suffix(""))) == OrderedDict(
        b=1, a=[1.5, "x", None, True]
    )
    parsed = []
    monkeypatch.setattr(json, "loads", lambda *a, **k: parsed.append(a) or {"parsed": True})
    again = loader.load_file(str(source.with_suffix("")))
    assert parsed == [] and list(again) == ["b", "a"]


def test_a_changed_file_is_parsed_again(kept, tmp_path):
    source = tmp_path / "data.json"
    source.write_text('{"v": 1}')
    loader = PickledJSONFileLoader()
    assert loader.load_file(str(tmp_path / "data")) == {"v": 1}
    source.write_text('{"v": 22}')  # another size
    assert loader.load_file(str(tmp_path / "data")) == {"v": 22}
    stat = source.stat()
    source.write_text('{"v": 33}')  # the same size, another modification time
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert loader.load_file(str(tmp_path / "data")) == {"v": 33}


def test_a_broken_pickle_is_read_past_and_mended(kept, tmp_path):
    source = tmp_path / "data.json"
    source.write_text('{"v": 1}')
    loader = PickledJSONFileLoader()
    loader.load_file(str(tmp_path / "data"))
    (pickle_file,) = kept.iterdir()
    pickle_file.write_bytes(b"not a pickle")
    assert loader.load_file(str(tmp_path / "data")) == {"v": 1}
    pickle_file.write_bytes(pickle_file.read_bytes()[:0])
    assert loader.load_file(str(tmp_path / "data")) == {"v": 1}
    assert pickle_file.stat().st_size > 0  # kept whole again


def test_an_unwritable_or_switched_off_cache_reads_as_botocore(tmp_path, monkeypatch):
    source = tmp_path / "data.json"
    source.write_text('{"v": 1}')
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would be")
    monkeypatch.setenv(CACHE_ENV, str(blocked / "kept"))
    assert PickledJSONFileLoader().load_file(str(tmp_path / "data")) == {"v": 1}
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_dir() is None
    assert PickledJSONFileLoader().load_file(str(tmp_path / "data")) == {"v": 1}
    assert PickledJSONFileLoader().load_file(str(tmp_path / "missing")) is None


def test_labs_and_moto_read_through_the_cache():
    import moto.core.utils as utils

    with Lab() as lab:
        lab.ecs.list_clusters()
        loader = lab._session._session.get_component("data_loader")
    assert isinstance(loader.file_loader, PickledJSONFileLoader)
    assert utils._load_service_model.quick  # moto's reader (moto_state) is the cached one
