"""A tiny, real container image, built byte for byte in Python so the lab can push it.

An image in a registry is three kinds of blob, each named by the sha256 of its exact bytes:

- a **layer**: a gzip'd tar of files (here ``/hello``, a 178-byte x86-64 Linux program that
  prints the message, and ``/hello.txt`` holding the same text);
- a **config**: JSON saying how to run it (``Cmd``, architecture, os) and listing the sha256
  of each layer's *uncompressed* tar (``rootfs.diff_ids``);
- a **manifest**: JSON pointing at the config and the layers by digest and size. The image
  digest that ``docker pull web@sha256:...`` uses is the sha256 of the manifest's bytes.

Everything is built deterministically (fixed timestamps, owners and modes, and a gzip
written without compression), so the same message gives the same digests on every machine.

>>> image = build_sample_image("hello")
>>> image.digest == "sha256:" + hashlib.sha256(image.manifest_json.encode()).hexdigest()
True
>>> build_sample_image("hello").digest == image.digest
True
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from dataclasses import dataclass

MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DEFAULT_MESSAGE = "hello from awscontainers"

# Reproducible builds pin every timestamp to the Unix epoch (as SOURCE_DATE_EPOCH=0 would).
_FIXED_MTIME = 0
_CREATED = "1970-01-01T00:00:00Z"


def sha256_digest(data: bytes) -> str:
    """The content address a registry gives these bytes.

    >>> sha256_digest(b"")
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class SampleImage:
    """The blobs of one image and their digests, exactly as they are pushed.

    >>> img = build_sample_image()
    >>> img.size == len(img.layer) + len(img.config) + len(img.manifest_json)
    True
    """

    message: str
    layer: bytes  # gzip'd tar, the bytes a registry stores
    layer_digest: str  # sha256 of ``layer``
    diff_id: str  # sha256 of the uncompressed tar (what the config lists)
    config: bytes
    config_digest: str
    manifest_json: str  # the exact text pushed with put_image
    digest: str  # the image digest: sha256 of the manifest bytes
    media_type: str = MANIFEST_MEDIA_TYPE

    @property
    def blobs(self) -> list[tuple[str, bytes]]:
        """(digest, bytes) of every blob to upload before the manifest: layer, then config."""
        return [(self.layer_digest, self.layer), (self.config_digest, self.config)]

    @property
    def size(self) -> int:
        """Bytes pushed in all (layer + config + manifest)."""
        return len(self.layer) + len(self.config) + len(self.manifest_json.encode())

    @property
    def manifest(self) -> dict:
        return json.loads(self.manifest_json)


# -- the program ------------------------------------------------------------------------------
def hello_program(message: str) -> bytes:
    """A static x86-64 Linux ELF executable that writes ``message`` + newline and exits 0.

    There is no libc in a scratch-like image, so the program makes the two system calls
    itself: ``write(1, msg, len)`` then ``exit(0)``.

    >>> hello_program("hi")[:4]
    b'\\x7fELF'
    """
    text = message.encode() + b"\n"
    base = 0x400000  # where Linux maps a classic non-PIE executable
    header_size, phdr_size = 64, 56
    code_len = 33  # the instructions below, before the message bytes
    code = (
        b"\xb8\x01\x00\x00\x00"  # mov eax, 1        (write)
        + b"\xbf\x01\x00\x00\x00"  # mov edi, 1        (stdout)
        # lea rsi, [rip+16]: the message starts 16 bytes after the end of this instruction
        + b"\x48\x8d\x35"
        + struct.pack("<i", code_len - 17)
        + b"\xba"
        + struct.pack("<I", len(text))  # mov edx, len
        + b"\x0f\x05"  # syscall
        + b"\xb8\x3c\x00\x00\x00"  # mov eax, 60       (exit)
        + b"\x31\xff"  # xor edi, edi      (status 0)
        + b"\x0f\x05"  # syscall
    )
    assert len(code) == code_len
    total = header_size + phdr_size + len(code) + len(text)
    entry = base + header_size + phdr_size
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, v1, SysV
    elf_header = struct.pack(
        "<16sHHIQQQIHHHHHH",
        ident,
        2,  # ET_EXEC
        0x3E,  # x86-64
        1,  # EV_CURRENT
        entry,
        header_size,  # program headers follow the ELF header
        0,  # no section headers: the kernel does not need them
        0,
        header_size,
        phdr_size,
        1,
        0,
        0,
        0,
    )
    # One loadable segment maps the whole file read+execute.
    program_header = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, total, total, 0x1000)
    return elf_header + program_header + code + text


# -- the layer --------------------------------------------------------------------------------
def _octal(value: int, width: int) -> bytes:
    # tar numbers are zero-padded octal text ending in NUL
    return f"{value:0{width - 1}o}".encode() + b"\0"


def _tar_header(name: str, size: int, mode: int) -> bytes:
    """A 512-byte POSIX ustar header for a regular file owned by root (0:0), mtime 0."""

    def field(data: bytes, width: int) -> bytes:
        return data.ljust(width, b"\0")

    before_checksum = (
        field(name.encode(), 100)
        + _octal(mode, 8)
        + _octal(0, 8)  # uid
        + _octal(0, 8)  # gid
        + _octal(size, 12)
        + _octal(_FIXED_MTIME, 12)
    )
    after_checksum = (
        b"0"  # regular file
        + field(b"", 100)  # linkname
        + b"ustar\x0000"  # magic + version
        + field(b"root", 32)
        + field(b"root", 32)
        + _octal(0, 8)  # devmajor
        + _octal(0, 8)  # devminor
        + field(b"", 155)  # prefix
    )
    # The checksum is the byte sum of the header with the checksum field read as spaces.
    checksum = sum(before_checksum + b" " * 8 + after_checksum)
    header = before_checksum + f"{checksum:06o}".encode() + b"\0 " + after_checksum
    return header.ljust(512, b"\0")


def make_tar(files: list[tuple[str, bytes, int]]) -> bytes:
    """A tar archive of (name, content, mode) regular files, identical on every machine.

    Written by hand rather than with :mod:`tarfile` because tarfile's header details
    (PAX records, padding to 10 KiB records) have changed between Python versions.

    >>> len(make_tar([("a.txt", b"hi", 0o644)]))  # header + 1 data block + 2 end blocks
    2048
    """
    out = bytearray()
    for name, content, mode in files:
        out += _tar_header(name, len(content), mode)
        out += content + b"\0" * (-len(content) % 512)
    out += b"\0" * 1024  # two empty blocks end the archive
    return bytes(out)


def stored_gzip(data: bytes) -> bytes:
    """``data`` in gzip format using deflate "stored" blocks (no compression).

    Why not :func:`gzip.compress`? Its bytes depend on the zlib build (zlib and zlib-ng
    compress differently, and Python 3.11+ lets zlib pick the header's OS byte), so the layer
    digest would differ between machines. Stored blocks are the same everywhere, and any
    gzip reader (docker, containerd, :mod:`gzip`) reads them.

    >>> import gzip
    >>> gzip.decompress(stored_gzip(b"abc"))
    b'abc'
    """
    # header: magic, deflate, no flags, mtime 0, no extra flags, OS 255 = unknown
    out = bytearray(b"\x1f\x8b\x08\x00" + struct.pack("<I", _FIXED_MTIME) + b"\x00\xff")
    chunks = [data[i : i + 65535] for i in range(0, len(data), 65535)] or [b""]
    for n, chunk in enumerate(chunks):
        final = 1 if n == len(chunks) - 1 else 0
        out += bytes([final]) + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
    out += struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return bytes(out)


# -- the image --------------------------------------------------------------------------------
def _canonical_json(value: dict) -> bytes:
    # Sorted keys and no spaces: one spelling, hence one digest.
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def build_sample_image(message: str = DEFAULT_MESSAGE) -> SampleImage:
    """Build the lab's sample image: ``docker run`` on it prints ``message`` (amd64 Linux).

    A different message gives a different layer, config and image digest, so pushing
    ``build_sample_image("v2")`` is a new version of the app.

    >>> a, b = build_sample_image("v1"), build_sample_image("v2")
    >>> a.digest != b.digest and a.manifest["layers"][0]["digest"] == a.layer_digest
    True
    """
    if not isinstance(message, str):
        from .errors import InvalidParameterError

        raise InvalidParameterError(
            f"message must be a string, not {type(message).__name__}.",
            hint='pass text, for example message="v2".',
        )
    text = message.encode() + b"\n"
    tar = make_tar([("hello", hello_program(message), 0o755), ("hello.txt", text, 0o644)])
    layer = stored_gzip(tar)
    diff_id = sha256_digest(tar)
    config = _canonical_json(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": _CREATED,
            "config": {"Cmd": ["/hello"], "Env": ["PATH=/"], "WorkingDir": "/"},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": _CREATED, "created_by": "awscontainers build_sample_image"}],
        }
    )
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {
            "mediaType": CONFIG_MEDIA_TYPE,
            "size": len(config),
            "digest": sha256_digest(config),
        },
        "layers": [
            {"mediaType": LAYER_MEDIA_TYPE, "size": len(layer), "digest": sha256_digest(layer)}
        ],
    }
    # Key order is fixed by the dict above; indent as `docker manifest inspect` shows it.
    manifest_json = json.dumps(manifest, indent=3)
    return SampleImage(
        message=message,
        layer=layer,
        layer_digest=sha256_digest(layer),
        diff_id=diff_id,
        config=config,
        config_digest=sha256_digest(config),
        manifest_json=manifest_json,
        digest=sha256_digest(manifest_json.encode()),
    )


__all__ = [
    "SampleImage",
    "build_sample_image",
    "hello_program",
    "make_tar",
    "sha256_digest",
    "stored_gzip",
    "MANIFEST_MEDIA_TYPE",
    "CONFIG_MEDIA_TYPE",
    "LAYER_MEDIA_TYPE",
]
