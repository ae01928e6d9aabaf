"""The data package ``ianaports_data``: building its wheel, and finding and reading it once installed.

Like python/tzdata, the registry ships as a data-only distribution versioned
by the release's own ``<updated>`` date (``2025.12.15``), apart from the code.
:func:`build_wheel` writes it, reproducibly: the wheel's bytes depend on the
release's bytes only (not on where they came from, when or where the build
ran), so the same release always gives the same wheel.  :func:`installed`
finds an installed copy, lazily, through :mod:`importlib.metadata`; the
commands and :func:`ianaports.load` answer from it while the store is empty.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .errors import IanaportsError, ParseError

if TYPE_CHECKING:
    from types import ModuleType

    from .registry import Registry

__all__ = [
    "DATA_FILE",
    "DISTRIBUTION",
    "LICENSE",
    "RECORDS_FILE",
    "BuiltWheel",
    "DataPackage",
    "build_wheel",
    "bundled_release",
    "fallback_message",
    "installed",
    "wheel_version",
]

#: The distribution's and the import package's name.
DISTRIBUTION = "ianaports_data"
#: The release's XML, zstd-compressed, inside the package.
DATA_FILE = "service-names-port-numbers.xml.zst"
#: The same release as records, in the store's release codec (zstd): read without lxml, a third faster.
RECORDS_FILE = "records.json.zst"
#: What the package says about the release it holds (its date, sha256 and size).
RELEASE_FILE = "release.json"
#: IANA's protocol registries are public domain (https://www.iana.org/help/licensing-terms).
LICENSE = "CC0-1.0"
#: zstd level of the packaged XML: 12 makes a 4 MB release 0.39 MB in 0.3 s (19: 0.36 MB in 6 s).
ZSTD_LEVEL = 12
#: Every entry's timestamp: the earliest a zip file can hold, so a build does not depend on the clock.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ORIGIN = "https://www.iana.org/assignments/service-names-port-numbers/"
_WHEEL_NAME_RE = re.compile(r"ianaports_data-(\d+)\.(\d+)\.(\d+)(?:\.post(\d+))?-py3-none-any\.whl")


def wheel_version(updated: dt.date, post: int = 0) -> str:
    """The PEP 440 version of the data package holding the release of *updated*: ``2025.12.15`` (``.post1``...).

    >>> wheel_version(dt.date(2025, 1, 5), post=2)
    '2025.1.5.post2'
    """
    base = f"{updated.year}.{updated.month}.{updated.day}"
    return f"{base}.post{post}" if post else base


@attrs.frozen(kw_only=True)
class DataPackage:
    """An installed ``ianaports_data``: its version and the release it holds."""

    version: str
    updated: dt.date
    sha256: str

    @property
    def label(self) -> str:
        """``ianaports_data 2025.12.15``: how messages and the store name it."""
        return f"{DISTRIBUTION} {self.version}"

    def xml(self) -> bytes:
        """The release's XML exactly as IANA published it (checked against its sha256)."""
        from importlib import resources  # noqa: PLC0415 - only when the package is read

        compressed = resources.files(DISTRIBUTION).joinpath(DATA_FILE).read_bytes()
        data: bytes = _zstd().decompress(compressed)
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise IanaportsError(f"the data package {self.label} is damaged: its XML is not the release it names")
        return data

    def registry(self) -> Registry:
        """The release as a :class:`~ianaports.registry.Registry` (parsed once per process)."""
        cached = _PARSED.get(self.sha256)
        if cached is None:
            cached = _PARSED[self.sha256] = self._decoded() or self._parsed()
        return cached

    def _decoded(self) -> Registry | None:
        """The precomputed records, when this ianaports reads their codec (else None: the XML is parsed)."""
        from importlib import resources  # noqa: PLC0415 - only when the package is read

        from .store.codec import decode_release  # noqa: PLC0415 - same

        try:
            data = resources.files(DISTRIBUTION).joinpath(RECORDS_FILE).read_bytes()
            registry = decode_release(_zstd().decompress(data))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        return registry if registry.updated == self.updated else None

    def _parsed(self) -> Registry:
        from .parser import parse_bytes  # noqa: PLC0415 - lxml only when the records cannot be decoded

        return parse_bytes(self.xml())

    def answers(self, version: str | dt.date | None, as_of: str | dt.date | None) -> bool:
        """True when the release asked for (``latest``, its date, or ``as_of`` on or after it) is this one."""
        if as_of is not None:
            return _date(as_of) >= self.updated
        if version in (None, "latest"):
            return True
        return version != "previous" and _date(version) == self.updated


_PARSED: dict[str, Registry] = {}


def _zstd() -> ModuleType:
    """The zstd binding the store uses too (the standard library's from 3.14, its backport before)."""
    if sys.version_info >= (3, 14):  # pragma: no cover - the standard library's own binding
        from compression import zstd  # noqa: PLC0415 - only readers and writers of the package pay for it
    else:
        from backports import zstd  # noqa: PLC0415 - same

    return zstd


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def installed() -> DataPackage | None:
    """The installed data package, or None; found through :mod:`importlib.metadata`, nothing imported."""
    from importlib import metadata  # noqa: PLC0415 - only when the store is empty

    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    from importlib import resources  # noqa: PLC0415 - same

    try:
        about = json.loads(resources.files(DISTRIBUTION).joinpath(RELEASE_FILE).read_bytes())
        return DataPackage(
            version=distribution.version,
            updated=dt.date.fromisoformat(about["updated"]),
            sha256=about["sha256"],
        )
    except (ModuleNotFoundError, OSError, ValueError, KeyError, TypeError) as exc:
        raise IanaportsError(f"the data package {DISTRIBUTION} is installed but unreadable: {exc}") from exc


def bundled_release(
    version: str | dt.date | None = None, as_of: str | dt.date | None = None
) -> tuple[DataPackage, Registry] | None:
    """For an empty store: the installed data package and its registry, if it holds the release asked for.

    This is the one fallback the commands (through ``release``) and
    :func:`ianaports.load` share; the caller has seen that the store is empty.
    """
    package = installed()
    if package is None or not package.answers(version, as_of):
        return None
    return package, package.registry()


def fallback_message(package: DataPackage, store: object | None = None) -> str:
    """What a command says on stderr, and :func:`ianaports.load` warns, when it answers from the data package."""
    where = "" if store is None else f" in {store}"
    return (
        f"no local store{where} yet; answering from the data package {package.label}"
        f" (the registry of {package.updated}); run 'ianaports sync' for the newest"
    )


# --- building the wheel -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BuiltWheel:
    """What :func:`build_wheel` did: the wheel's path and version, and whether it wrote it."""

    path: Path
    version: str
    updated: dt.date
    #: False when the wheel in the folder already had these bytes (nothing was written).
    written: bool

    def to_json(self) -> dict[str, object]:
        """The build as a JSON object (``ianaports build-data --json``)."""
        return {
            "path": str(self.path),
            "version": self.version,
            "updated": self.updated.isoformat(),
            "written": self.written,
        }


def build_wheel(xml: bytes, out_dir: str | Path) -> BuiltWheel:
    """Write the data wheel of the release *xml* (uncompressed, as IANA published it) into *out_dir*.

    Its version is the release's date.  When *out_dir* already holds wheels of
    that release, the newest is compared with what this build would write under
    the same version: the same bytes keep it (nothing is written); other bytes
    (a newer zstd, say, or new metadata) give the next ``.postN``.  That is how
    a rebuild knows the previous bytes: put the published wheel in *out_dir*
    first (``pip download ianaports_data==2025.12.15 --no-deps -d DIR``).
    Raises :class:`ParseError` when *xml* is not a registry.
    """
    from .parser import parse_bytes  # noqa: PLC0415 - lxml only when building

    registry = parse_bytes(xml)
    updated = registry.updated
    if updated is None:  # pragma: no cover - the parser requires <updated>
        raise ParseError("the release has no <updated> date")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    compressed = _compress(xml), _compress(_encoded(registry))
    previous = _previous_wheels(folder, updated)
    post = 0
    if previous:
        post, path = previous[-1]
        version = wheel_version(updated, post)
        if path.read_bytes() == wheel_bytes(xml, updated, version, compressed=compressed):
            return BuiltWheel(path=path, version=version, updated=updated, written=False)
        post += 1
    version = wheel_version(updated, post)
    path = folder / f"{DISTRIBUTION}-{version}-py3-none-any.whl"
    from ._files import atomic_write  # noqa: PLC0415 - only when building

    atomic_write(path, wheel_bytes(xml, updated, version, compressed=compressed))
    return BuiltWheel(path=path, version=version, updated=updated, written=True)


def _previous_wheels(folder: Path, updated: dt.date) -> list[tuple[int, Path]]:
    found = []
    for path in folder.glob(f"{DISTRIBUTION}-*.whl"):
        match = _WHEEL_NAME_RE.fullmatch(path.name)
        if match is None:
            continue
        year, month, day, post = match.groups()
        if dt.date(int(year), int(month), int(day)) == updated:
            found.append((int(post or 0), path))
    return sorted(found)


def _encoded(registry: Registry) -> bytes:
    from .store.codec import encode_release  # noqa: PLC0415 - only when building

    return encode_release(registry)


def _compress(xml: bytes) -> bytes:
    compressed: bytes = _zstd().compress(xml, level=ZSTD_LEVEL)
    return compressed


def wheel_bytes(xml: bytes, updated: dt.date, version: str, *, compressed: tuple[bytes, bytes] | None = None) -> bytes:
    """The wheel of *version* holding *xml*: entries sorted, timestamps fixed, RECORD hashed.

    *compressed* is the XML and its records (:func:`ianaports.store.codec.encode_release`), each
    zstd-compressed, when the caller has them already.
    """
    if compressed is None:
        from .parser import parse_bytes  # noqa: PLC0415 - lxml only when building

        compressed = _compress(xml), _compress(_encoded(parse_bytes(xml)))
    sha256 = hashlib.sha256(xml).hexdigest()
    release = {"updated": updated.isoformat(), "sha256": sha256, "size": len(xml), "license": LICENSE}
    package = {
        f"{DISTRIBUTION}/__init__.py": _init_text(updated).encode(),
        f"{DISTRIBUTION}/{DATA_FILE}": compressed[0],
        f"{DISTRIBUTION}/{RECORDS_FILE}": compressed[1],
        f"{DISTRIBUTION}/{RELEASE_FILE}": (json.dumps(release, indent=2, sort_keys=True) + "\n").encode(),
    }
    info = f"{DISTRIBUTION}-{version}.dist-info"
    meta = {
        f"{info}/METADATA": _metadata(version, updated, sha256).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: ianaports build-data\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
        f"{info}/top_level.txt": f"{DISTRIBUTION}\n".encode(),
    }
    entries = dict(sorted(package.items())) | dict(sorted(meta.items()))
    record = "".join(f"{name},sha256={_digest(data)},{len(data)}\n" for name, data in entries.items())
    entries[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            entry = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            entry.external_attr = 0o644 << 16
            # The XML is zstd already; deflating it again would only cost time.
            entry.compress_type = zipfile.ZIP_STORED if name.endswith(".zst") else zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _init_text(updated: dt.date) -> str:
    return (
        f'"""IANA\'s Service Name and Transport Protocol Port Number Registry of {updated}, as data for ianaports.\n\n'
        f"Read it with ``ianaports.load()`` (the package holds the XML as IANA published it, zstd-compressed,\n"
        f'in {DATA_FILE}); ``ianaports sync`` brings newer releases.\n"""\n\n'
        f'UPDATED = "{updated.isoformat()}"\n'
    )


def _metadata(version: str, updated: dt.date, sha256: str) -> str:
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {DISTRIBUTION}\n"
        f"Version: {version}\n"
        f"Summary: IANA's service-name and port-number registry of {updated}, as data for ianaports\n"
        f"License: {LICENSE}\n"
        f"Project-URL: Source, {_ORIGIN}\n"
        "Project-URL: Code, https://github.com/ianaports/ianaports\n"
        "Classifier: License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication\n"
        "Classifier: Topic :: System :: Networking\n"
        "Requires-Python: >=3.10\n"
        "Description-Content-Type: text/markdown\n"
        "\n"
        f"# {DISTRIBUTION} {version}\n\n"
        f"The release of {updated} of IANA's Service Name and Transport Protocol Port Number Registry\n"
        f"({_ORIGIN}), byte for byte as IANA published it (sha256 {sha256}),\n"
        'zstd-compressed, for ianaports to answer from before its first sync (`pip install "ianaports[data]"`).\n\n'
        "IANA's protocol registries are in the public domain (CC0-1.0;\n"
        "https://www.iana.org/help/licensing-terms). The version is the release's `<updated>` date;\n"
        "a `.postN` is a rebuild of the same release whose wheel bytes changed.\n"
    )
