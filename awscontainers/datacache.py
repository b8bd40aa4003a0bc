"""botocore's JSON data files (service models, endpoints), kept after their first reading as
pickles, which a later process reads about three times as fast.

Every process that makes a lab (a lesson's kernel, a test worker, a room, the command line)
parses the same files: EC2's model alone is 4 MB of JSON, read once by botocore for the
lab's clients and once by moto to parse requests and serialise answers, about a fifth of a
kernel's first ``Lab()`` and first calls. The labs' loaders read through
:class:`PickledJSONFileLoader`: a file is parsed as botocore parses it, then kept under
:func:`cache_dir` with the path, size and modification time it was read from; a later
read of an unchanged file loads the pickle (the same objects, ``OrderedDict`` and all), a
changed one is parsed again. Nothing is kept where the folder cannot be written.

The folder is ``<sys.prefix>/var/cache/awscontainers`` (the virtual environment's, beside
the files it keeps), or ``$AWSCONTAINERS_CACHE_DIR``; set that to an empty string to read
every file as botocore does. A pickle runs code as it loads, so the folder is trusted as
the environment's own code is: it lives in the environment unless told otherwise.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from botocore.loaders import JSONFileLoader

#: The environment variable naming the folder ("" turns the cache off).
CACHE_ENV = "AWSCONTAINERS_CACHE_DIR"


def cache_dir() -> Path | None:
    """Where the pickles are kept, or None when the cache is off."""
    named = os.environ.get(CACHE_ENV)
    if named is not None:
        return Path(named) if named else None
    return Path(sys.prefix) / "var" / "cache" / "awscontainers"


class PickledJSONFileLoader(JSONFileLoader):
    """botocore's JSON file loader, reading a file's pickle when it is kept for the file as
    it is now, and keeping one after parsing it otherwise."""

    def _load_file(self, full_path: str, open_method: Any) -> Any:
        folder = cache_dir()
        try:
            found = os.stat(full_path)
        except OSError:
            found = None
        if folder is None or found is None:
            return super()._load_file(full_path, open_method)
        key = (os.path.abspath(full_path), found.st_size, found.st_mtime_ns)
        kept = folder / (hashlib.sha256(repr(key).encode()).hexdigest()[:40] + ".pickle")
        try:
            with open(kept, "rb") as file:
                kept_key, data = pickle.load(file)
            if kept_key == key:
                return data
        except Exception:  # not kept yet, or not a whole pickle: parsed and kept again below
            pass
        data = super()._load_file(full_path, open_method)
        if data is not None:
            _keep(kept, (key, data))
        return data


def _keep(path: Path, value: Any) -> None:
    """Write ``value``'s pickle to ``path`` whole or not at all (a reader never sees half a
    file; processes keeping the same file at once each write the same bytes). Best effort:
    a folder that cannot be written keeps nothing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def read_through_cache(loader: Any) -> Any:
    """Have botocore data loader ``loader`` read its JSON files through the cache; returns
    it. A loader already doing so, or one with a file loader of another kind, is left as
    it is."""
    if type(loader.file_loader) is JSONFileLoader:
        loader.file_loader = PickledJSONFileLoader()
    return loader
