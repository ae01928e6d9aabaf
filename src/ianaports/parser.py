"""Read IANA's registry XML into model values: the only module that knows the XML format.

The parser is hardened for untrusted input: it refuses any DTD (so no entity
expansion, external entity or external DTD can be reached), never touches the
network, refuses XInclude elements, caps the input size and the nesting depth,
and turns every failure into :class:`ianaports.ParseError` with a location.
"""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import io
import lzma
import os
import re
import stat
import warnings
import zlib
from typing import IO, TYPE_CHECKING, Literal

import attrs
from lxml import etree

from ._canonical import canonical_person, canonical_record, canonical_span
from ._files import file_kind
from ._limits import DEFAULT_MAX_BYTES
from ._limits import max_bytes as resolve_max_bytes
from .errors import ParseError
from .model import (
    PartialDate,
    Person,
    PortRange,
    Protocol,
    Reference,
    ReferenceKind,
    ServiceRecord,
    read_port,
    tidy_text,
    xref_token,
)
from .registry import Registry

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ParseWarning",
    "ReleaseParser",
    "Source",
    "parse",
    "parse_bytes",
    "read_source_bytes",
    "read_updated",
]

Source = str | os.PathLike[str] | bytes | IO[bytes]
Mode = Literal["strict", "lenient"]

#: Reads come in slices this big, so an endless stream costs no more than the cap.
_READ_CHUNK = 1024 * 1024

_NS = "{http://www.iana.org/assignments}"
_REGISTRY_ID = "service-names-port-numbers"
#: XInclude's namespace, and the older one libxml2 still honours.
_XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
_XINCLUDE_TAGS = tuple(f"{{{namespace}}}*" for namespace in _XINCLUDE_NAMESPACES)
_COMPRESSED_MAGIC: tuple[tuple[bytes, Callable[[bytes], bytes]], ...] = (
    (b"\x1f\x8b", gzip.decompress),
    (b"\xfd7zXZ\x00", lzma.decompress),
    (b"BZh", bz2.decompress),
)


class ParseWarning(UserWarning):
    """A record was skipped in lenient mode; the message says which and why."""


def parse(source: Source, *, mode: Mode = "strict", max_bytes: int | None = None) -> Registry:
    """Parse a registry from a path, raw bytes or a binary file object.

    ``.xml``, ``.xml.gz``, ``.xml.xz`` and ``.xml.bz2`` are recognised by their
    content, not their name.  In ``"lenient"`` mode a malformed record is skipped
    with a :class:`ParseWarning` instead of failing the whole document.
    *max_bytes* caps the input, compressed and not (default
    ``IANAPORTS_MAX_BYTES`` if set, else :data:`DEFAULT_MAX_BYTES`, 16 MiB).
    """
    limit = resolve_max_bytes(max_bytes)
    return parse_bytes(read_source_bytes(source, max_bytes=limit), mode=mode, max_bytes=limit)


def read_source_bytes(source: Source, *, max_bytes: int | None = None) -> bytes:
    """Return the uncompressed bytes of *source*, refusing more than *max_bytes* (see :func:`parse`)."""
    max_bytes = resolve_max_bytes(max_bytes)
    if isinstance(source, bytes):
        raw = source
    elif isinstance(source, str | os.PathLike):
        raw = _read_path(source, max_bytes)
    else:
        raw = _read_capped(source, max_bytes, "input")
    return _decompress(raw, max_bytes)


def _read_path(source: str | os.PathLike[str], max_bytes: int) -> bytes:
    shown = os.fspath(source)
    try:
        # O_NONBLOCK: opening a FIFO no one writes to returns at once instead of
        # waiting forever; reads block again once it is open.
        descriptor = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ParseError(f"cannot read {shown}: {exc.strerror or exc}") from exc
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode) or stat.S_ISDIR(mode):
            raise ParseError(f"cannot read {shown}: it is {file_kind(mode)}, not a file")
        os.set_blocking(descriptor, True)
        with open(descriptor, "rb", closefd=False) as handle:
            raw = _read_capped(handle, max_bytes, shown)
    except OSError as exc:
        raise ParseError(f"cannot read {shown}: {exc.strerror or exc}") from exc
    finally:
        os.close(descriptor)
    if not raw and stat.S_ISFIFO(mode):
        raise ParseError(f"cannot read {shown}: it is {file_kind(mode)} and nothing was written to it")
    return raw


def _read_capped(handle: IO[bytes], max_bytes: int, what: str) -> bytes:
    # A pipe, socket or raw stream may return less than asked before its end,
    # so read until the end or one byte past the cap, whichever comes first.
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = handle.read(min(_READ_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > max_bytes:
        raise ParseError(f"{what} is larger than the {max_bytes}-byte limit")
    return b"".join(chunks)


def _decompress(raw: bytes, max_bytes: int) -> bytes:
    for magic, _ in _COMPRESSED_MAGIC:
        if raw.startswith(magic):
            return _decompress_capped(raw, magic, max_bytes)
    return raw


def _decompress_capped(raw: bytes, magic: bytes, max_bytes: int) -> bytes:
    # Stream through the decompressor so a small bomb cannot allocate gigabytes.
    stream: gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile
    if magic == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=io.BytesIO(raw))
    elif magic == b"BZh":
        stream = bz2.BZ2File(io.BytesIO(raw))
    else:
        stream = lzma.LZMAFile(io.BytesIO(raw))  # noqa: SIM115 - closed by the with below
    try:
        with stream:
            data = stream.read(max_bytes + 1)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise ParseError(f"compressed input is corrupt: {exc}") from exc
    if len(data) > max_bytes:
        raise ParseError(f"decompressed input is larger than the {max_bytes}-byte limit")
    return data


def parse_bytes(data: bytes, *, mode: Mode = "strict", max_bytes: int | None = None) -> Registry:
    """Parse uncompressed registry XML held in memory (*max_bytes* as :func:`parse` has it)."""
    return _registry_from_root(_checked_root(data, max_bytes), mode)


def _checked_root(data: bytes, max_bytes: int | None) -> etree._Element:
    """The root of *data* once every check has passed: size, DTD, declared encoding, then the tree's own."""
    limit = resolve_max_bytes(max_bytes)
    if len(data) > limit:
        raise ParseError(f"input is larger than the {limit}-byte limit")
    _refuse_dtd(data)
    _refuse_utf8_declared_latin1(data)
    return _parse_tree(data)


class ReleaseParser:
    """Parse one release after another, reusing the records the previous release parsed to.

    A folder or repository import parses hundreds of weekly releases that
    differ by a few records.  Each release is parsed and checked by lxml in
    full, as :func:`parse_bytes` does; then a ``<record>`` element whose bytes
    (up to the next ``<record``) were in the previous release, in the same
    namespace and encoding, naming the same people, gives the record parsed
    then instead of being read again.  The registry is equal to what
    :func:`parse_bytes` gives (``tests/test_parser.py`` checks it on every
    shared release in turn).

    Elements and byte blocks are paired only when every ``<record`` in the
    bytes is a record of the root: the document holds no comment, CDATA
    section or prefixed ``:record``, and the counts agree; otherwise the
    release is read in full.  Memory holds one release's records.
    """

    def __init__(self) -> None:
        self._context: tuple[object, ...] | None = None
        self._records: dict[bytes, _Known] = {}
        self._persons: dict[bytes, Person] = {}
        #: True when the release being parsed holds no comment and no CDATA section.
        self._plain = False

    def parse(self, data: bytes, *, mode: Mode = "strict", max_bytes: int | None = None) -> Registry:
        """Parse *data* as :func:`parse_bytes` does, with the same checks."""
        root = _checked_root(data, max_bytes)
        self._check_context(root)
        self._plain = b"<!--" not in data and b"<![CDATA[" not in data
        return _registry_from_root(root, mode, data=data, known=self)

    def _check_context(self, root: etree._Element) -> None:
        """Forget the previous release when this one binds other namespaces or another encoding."""
        docinfo = root.getroottree().docinfo
        context = (tuple(sorted(root.nsmap.items(), key=repr)), docinfo.encoding, docinfo.xml_version)
        if context != self._context:
            self._records = {}
            self._persons = {}
            self._context = context

    def _blocks(self, data: bytes, tag: bytes, count: int) -> list[bytes] | None:
        """The bytes from each ``<tag`` to the next, or None when they cannot be paired with *count* elements.

        With no comment, CDATA section or prefixed tag of that name, every
        ``<tag`` starts an element of that name; when their number is the
        elements' number, the n-th block holds the n-th element.
        """
        if not self._plain or b":" + tag[1:] in data:
            return None
        blocks = data.split(tag)[1:]
        return blocks if len(blocks) == count else None


#: A record the previous release parsed to, the ids of the people it names and who they were then
#: (None for a person the people section lacked).
_Known = tuple[ServiceRecord, tuple[str, ...], tuple["Person | None", ...]]


def _refuse_dtd(data: bytes) -> None:
    # The registry never carries a DTD; refusing one outright closes entity
    # expansion (billion laughs), external entities and external DTDs at once.
    prolog_end = _root_element_offset(data)
    if b"<!DOCTYPE" in data[:prolog_end] or b"<!ENTITY" in data[:prolog_end]:
        line = data[:prolog_end].count(b"\n") + 1
        raise ParseError("a DOCTYPE or entity declaration is not allowed", location=f"line {line}")


_DECLARED_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
#: Declarations under which UTF-8 bytes would be read as mojibake rather than fail.
_SINGLE_BYTE_ENCODINGS = frozenset(
    {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1", "latin1", "l1", "iso-8859-15", "windows-1252", "cp1252"}
)


def _refuse_utf8_declared_latin1(data: bytes) -> None:
    # A document declared ISO-8859-1 whose bytes are UTF-8 parses without an
    # error and turns every "é" into "Ã©".  Bytes above 0x7f that form valid
    # UTF-8 are all but never real Latin-1 text, so the document is refused
    # rather than stored garbled.
    declared = _DECLARED_ENCODING.match(data)
    if declared is None or declared.group(1).decode().lower() not in _SINGLE_BYTE_ENCODINGS or data.isascii():
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return
    raise ParseError(
        f"the document declares {declared.group(1).decode()} but its bytes are UTF-8; read as declared,"
        " its text would be garbled (fix the declaration)",
        location="line 1",
    )


def _root_element_offset(data: bytes) -> int:
    for match in re.finditer(rb"<([^?!])", data):
        return match.start()
    return len(data)


_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def _xinclude_element(root: etree._Element) -> etree._Element | None:
    # Always the tree, never the bytes: a namespace written with a character
    # reference (&#104;ttp://...) or in UTF-7 is spelled nowhere in the input,
    # yet names XInclude once parsed.  One walk in C for both namespaces: about
    # 6 % of a real release's parse, the price of the guarantee.
    return next(root.iter(*_XINCLUDE_TAGS), None)


def _parse_tree(data: bytes) -> etree._Element:
    parser = etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]  # lxml-stubs type each option apart
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or "?"
        # lxml ends its message with ", line N, column M": say it once, in the location.
        message = re.sub(r",? line \d+, column \d+$", "", exc.msg or "").strip()
        column = f", column {exc.offset}" if exc.offset else ""
        raise ParseError(f"not well-formed XML: {message}", location=f"line {line}{column}") from exc
    except (etree.LxmlError, ValueError) as exc:
        raise ParseError(f"not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        # The byte check above misses a DOCTYPE it cannot see (UTF-16 input, or
        # one after a comment); lxml neither expanded nor loaded anything, but
        # the document is refused all the same.
        raise ParseError("a DOCTYPE or entity declaration is not allowed", location="prolog")
    include = _xinclude_element(root)
    if include is not None:
        # lxml never processes XInclude unless asked; refusing it keeps the
        # promise that every hostile construct ends in a ParseError.
        raise ParseError("an XInclude element is not allowed", location=f"line {include.sourceline}")
    if root.tag != f"{_NS}registry" or root.get("id") != _REGISTRY_ID:
        raise ParseError(
            f"not the IANA service-name and port-number registry (root is {_local_name(root.tag)!r}"
            f" with id {root.get('id')!r})",
            location=f"line {root.sourceline}",
        )
    return root


def _local_name(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def _registry_from_root(
    root: etree._Element, mode: Mode, *, data: bytes | None = None, known: ReleaseParser | None = None
) -> Registry:
    updated_element = _first_child(root, f"{_NS}updated")
    updated_text = None if updated_element is None else updated_element.text
    if not updated_text:
        raise ParseError("the registry has no <updated> date", location=f"line {root.sourceline}")
    updated = _release_date(updated_text)
    if updated is None:
        raise ParseError(f"<updated> is not a YYYY-MM-DD date: {updated_text!r}", location="registry.updated")
    people = _people_from_root(root, data, known)
    skipped: list[str] = []
    if known is None or data is None:
        records = _read_records(root, _RecordReader(people), mode, skipped)
    else:
        records = _read_known_records(root, data, _RecordReader(people), mode, skipped, known)
    for message in skipped:
        warnings.warn(message, ParseWarning, stacklevel=3)
    footnotes = {note.get("anchor", ""): tidy_text(_mixed_text(note)) for note in root.iterchildren(f"{_NS}footnote")}
    return Registry(
        title=tidy_text(_mixed_text(_first_child(root, f"{_NS}title"))),
        updated=updated,
        records=tuple(records),
        people=people,
        footnotes=footnotes,
    )


def _read_records(root: etree._Element, reader: _RecordReader, mode: Mode, skipped: list[str]) -> list[ServiceRecord]:
    """The records of *root*; in lenient mode each bad one is left out and described in *skipped*."""
    read_all = (
        _read_one(reader, mode, skipped, index, element) for index, element in enumerate(root.iterchildren(_TAG_RECORD))
    )
    return [record for record in read_all if record is not None]


_RELEASE_DATE = re.compile(r"\s*([0-9]{4})-([0-9]{2})-([0-9]{2})\s*")


def _release_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` in ASCII digits as a date, else None.

    One explicit form, not :meth:`datetime.date.fromisoformat`, which reads
    ISO week dates (``2025-W01-1``) and ``20251215`` on Python 3.11 but not on
    3.10; the regex's ``[0-9]`` refuses the other scripts' digits ``int()`` accepts.
    """
    match = _RELEASE_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _read_one(
    reader: _RecordReader, mode: Mode, skipped: list[str], index: int, element: etree._Element
) -> ServiceRecord | None:
    """One record element read; a bad one raises in strict mode, is described in *skipped* and None in lenient."""
    try:
        return reader.read(element)
    except _FieldError as exc:
        where = f"line {element.sourceline}, record[{index}].{exc.field}"
        if mode == "strict":
            raise ParseError(exc.message, location=where) from None
        skipped.append(f"{where}: {exc.message}; record skipped")
        return None


def _read_known_records(  # noqa: PLR0917 - _read_records with the previous release's records
    root: etree._Element,
    data: bytes,
    reader: _RecordReader,
    mode: Mode,
    skipped: list[str],
    known: ReleaseParser,
) -> list[ServiceRecord]:
    """The records of *root* as :func:`_read_records` reads them, taking those met in the previous release."""
    elements = list(root.iterchildren(_TAG_RECORD))
    blocks = known._blocks(data, b"<record", len(elements))  # noqa: SLF001 - the parser's own helper class
    previous = known._records  # noqa: SLF001 - same
    kept: dict[bytes, _Known] = {}
    person = reader.people.get
    records: list[ServiceRecord] = []
    for index, element in enumerate(elements):
        block = None if blocks is None else blocks[index]
        if block is not None:
            hit = previous.get(block)
            if hit is not None and (not hit[1] or tuple(map(person, hit[1])) == hit[2]):
                records.append(hit[0])
                kept[block] = hit
                continue
        record = _read_one(reader, mode, skipped, index, element)
        if record is None:
            continue
        records.append(record)
        if block is not None:
            named = tuple(someone.id for someone in (*record.assignees, *record.contacts))
            kept[block] = (record, named, tuple(map(person, named)))
    known._records = kept  # noqa: SLF001 - same
    return records


def _first_child(root: etree._Element, tag: str) -> etree._Element | None:
    # iterchildren matches tags in C and stops at the first; find() goes through
    # ElementPath, which costs a millisecond on a root of 20,000 children.
    return next(root.iterchildren(tag), None)


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


_TAG_RECORD = f"{_NS}record"
_TAG_NAME = f"{_NS}name"
_TAG_PROTOCOL = f"{_NS}protocol"
_TAG_NUMBER = f"{_NS}number"
_TAG_DESCRIPTION = f"{_NS}description"
_TAG_XREF = f"{_NS}xref"
_TAG_ASSIGNEE = f"{_NS}assignee"
_TAG_NOTE = f"{_NS}note"
_TAG_UNAUTHORIZED = f"{_NS}unauthorized"
_TAG_SC = f"{_NS}sc"
_TAG_BR = f"{_NS}br"
_TAG_PARAGRAPH = f"{_NS}paragraph"
_TAG_PERSON = f"{_NS}person"
_PERSON_FIELDS = {f"{_NS}{field}": field for field in ("name", "org", "uri", "updated")}
_PROTOCOLS = {protocol.value: protocol for protocol in Protocol}
_REFERENCE_KINDS = {kind.value: kind for kind in ReferenceKind}


def _people_from_root(
    root: etree._Element, data: bytes | None = None, known: ReleaseParser | None = None
) -> dict[str, Person]:
    people: dict[str, Person] = {}
    section = _first_child(root, f"{_NS}people")
    if section is None:
        return people
    dates: dict[str, PartialDate] = {}
    elements = list(section.iterchildren(_TAG_PERSON))
    blocks = None if known is None or data is None else known._blocks(data, b"<person", len(elements))  # noqa: SLF001
    if blocks is None:
        for index, element in enumerate(elements):
            person = _read_person(index, element, dates)
            people[person.id] = person
        return people
    previous = known._persons  # type: ignore[union-attr]  # noqa: SLF001 - known is set when blocks are
    kept: dict[bytes, Person] = {}
    for index, (element, block) in enumerate(zip(elements, blocks, strict=True)):
        person = previous.get(block) or _read_person(index, element, dates)
        kept[block] = person
        people[person.id] = person
    known._persons = kept  # type: ignore[union-attr]  # noqa: SLF001 - same
    return people


def _read_person(index: int, element: etree._Element, dates: dict[str, PartialDate]) -> Person:
    person_id = element.get("id")
    if not person_id:
        raise ParseError("a person has no id", location=f"line {element.sourceline}, people[{index}]")
    name = org = updated_text = None
    uris: list[str] = []
    for child in element.iterchildren():
        text = child.text
        if text is None:
            continue
        # Fields are known by local name, whatever their namespace; the last one of a kind
        # wins, but every <uri> is kept (seven people have two).
        tag = child.tag
        field = _PERSON_FIELDS.get(tag) if type(tag) is str else None
        if field is None:
            field = _local_name(tag)
        if field == "uri":
            if text.strip():
                uris.append(text.strip())
        elif field == "name":
            name = text.strip()
        elif field == "updated":
            updated_text = text.strip()
        elif field == "org":
            org = text.strip()
    updated = None
    if updated_text:
        updated = dates.get(updated_text)
        if updated is None:
            updated = dates[updated_text] = _person_date(updated_text, index, element)
    return canonical_person(person_id, name or None, org or None, uris[0] if uris else None, updated, tuple(uris[1:]))


def _person_date(text: str, index: int, element: etree._Element) -> PartialDate:
    try:
        return PartialDate.from_text(text)
    except ValueError as exc:
        raise ParseError(str(exc), location=f"line {element.sourceline}, people[{index}].updated") from exc


_MISSING: object = object()
#: The largest service code: DCCP's are 32-bit numbers.
_SERVICE_CODE_MAX = 2**32 - 1
_SERVICE_CODE_DIGITS = len(str(_SERVICE_CODE_MAX))
_SHOWN_CHARACTERS = 24


class _RecordReader:
    """Turns ``<record>`` elements into ServiceRecords, reusing the values IANA repeats.

    Port spans, dates, protocols and references recur thousands of times (a
    tcp and a udp record share nearly everything), and every value is
    immutable, so each distinct text is converted once and its value shared.
    The caches hold only values that converted cleanly: a malformed text
    misses every time and raises with its location as before.
    """

    def __init__(self, people: dict[str, Person]) -> None:
        self.people = people
        self.strangers: dict[str, Person] = {}
        self.folded: dict[str, Person] | None = None
        self.protocols: dict[str | None, Protocol | None] = {}
        self.ports: dict[str | None, PortRange | None] = {}
        self.dates: dict[str | None, PartialDate | None] = {}
        self.references: dict[tuple[str | None, str | None, str | None], Reference] = {}

    def read(self, element: etree._Element) -> ServiceRecord:
        """The record of one ``<record>`` element; raises _FieldError naming a bad field."""
        name: str | None = None
        protocol: Protocol | None = None
        ports: PortRange | None = None
        description = ""
        assignees: list[Person] | None = None
        contacts: list[Person] = []
        references: list[Reference] = []
        notes: str | None = None
        unauthorized: str | None = None
        service_code: int | None = None
        port_cache, protocol_cache, date_cache = self.ports, self.protocols, self.dates
        known_person = self.people.get
        # This loop runs for every one of ~90,000 elements, so it answers from
        # the caches without a call where it can; branches go by frequency.
        for child in element:
            tag = child.tag
            if tag == _TAG_DESCRIPTION:
                description = _render_mixed(child).strip() if len(child) else (child.text or "").strip()
            elif tag == _TAG_NUMBER:
                text = child.text
                found = port_cache.get(text, _MISSING)
                if found is _MISSING:
                    found = port_cache[text] = _ports(text)
                ports = found  # type: ignore[assignment]  # the sentinel was replaced just above
            elif tag == _TAG_PROTOCOL:
                text = child.text
                found = protocol_cache.get(text, _MISSING)
                if found is _MISSING:
                    found = protocol_cache[text] = _protocol(text)
                protocol = found  # type: ignore[assignment]  # the sentinel was replaced just above
            elif tag == _TAG_NAME:
                name = (child.text or "").strip() or None
            elif tag == _TAG_XREF:
                kind = child.get("type")
                if kind == "person":
                    contacts.append(known_person(child.get("data") or "") or self.person(child))
                else:
                    references.append(self.reference(child, kind))
            elif tag == _TAG_ASSIGNEE:
                if assignees is None:
                    assignees = []
                assignees.extend(self.person(xref) for xref in child.iterchildren(_TAG_XREF))
            elif tag == _TAG_NOTE:
                notes = _mixed_text(child) or None
            elif tag == _TAG_UNAUTHORIZED:
                unauthorized = _mixed_text(child) or None
            elif tag == _TAG_SC:
                service_code = _service_code(child.text)
            # Elements IANA may add later are ignored, so a new release does not
            # break every installed copy; the raw XML is kept for re-parsing.
        text = element.get("date")
        registered = date_cache.get(text, _MISSING)
        if registered is _MISSING:
            registered = date_cache[text] = _record_date(text, "date")
        text = element.get("updated")
        modified = date_cache.get(text, _MISSING)
        if modified is _MISSING:
            modified = date_cache[text] = _record_date(text, "updated")
        contacts_tuple = tuple(contacts)
        return canonical_record(
            name,
            protocol,
            ports,
            description,
            # IANA's convention: with no <assignee> block, the listed person is both.
            tuple(assignees) if assignees else contacts_tuple,
            contacts_tuple,
            tuple(references),
            registered,  # type: ignore[arg-type]  # a cached date, never the sentinel
            modified,  # type: ignore[arg-type]  # a cached date, never the sentinel
            notes,
            unauthorized,
            service_code,
        )

    def person(self, xref: etree._Element) -> Person:
        """The person an xref names, from ``<people>`` or else by id alone."""
        return self.person_by_id(xref.get("data") or "")

    def person_by_id(self, person_id: str) -> Person:
        """The person with this id, from ``<people>`` or else known by the id alone."""
        person = self.people.get(person_id)
        if person is None:
            # An xref to a person the <people> section lacks still names someone.
            person = self.strangers.get(person_id)
            if person is None:
                person = self.strangers[person_id] = self.near_miss(person_id) or Person(id=person_id)
        return person

    def near_miss(self, person_id: str) -> Person | None:
        """The person of ``<people>`` whose id differs from *person_id* only by case or blanks around it.

        IANA's xrefs sometimes spell an id ``Cisco_systems_3`` for ``Cisco_Systems_3``,
        or its ``<people>`` entry is ``"Andrew_Beekhof "``.  The person found keeps
        the xref's spelling as its id, so IANA's CSV tokens stay as IANA wrote them.
        """
        if self.folded is None:
            self.folded = {}
            for known_id, known in self.people.items():
                self.folded.setdefault(known_id.strip().casefold(), known)
        found = self.folded.get(person_id.strip().casefold())
        return None if found is None else attrs.evolve(found, id=person_id)

    def reference(self, xref: etree._Element, kind: str | None) -> Reference:
        """The reference an xref makes (shared between records that cite alike)."""
        return self.reference_of(kind, xref.get("data"), _mixed_text(xref) or None)

    def reference_of(self, kind: str | None, data: str | None, text: str | None) -> Reference:
        """The reference of this kind, data and text, made once and then shared."""
        key = (kind, data, text)
        reference = self.references.get(key)
        if reference is None:
            reference = self.references[key] = Reference(
                kind=_REFERENCE_KINDS.get(kind or "", ReferenceKind.OTHER), data=data, text=text
            )
        return reference


def _protocol(text: str | None) -> Protocol | None:
    value = (text or "").strip().lower()
    if not value:
        return None
    protocol = _PROTOCOLS.get(value)
    if protocol is None:
        raise _FieldError("protocol", f"unknown transport protocol {value!r}")
    return protocol


def _ports(text: str | None) -> PortRange | None:
    if not text or not text.strip():
        return None
    try:
        return _port_range(text)
    except ValueError as exc:
        raise _FieldError("number", str(exc)) from None


def _service_code(text: str | None) -> int | None:
    value = (text or "").strip()
    if not value:
        return None
    # ASCII digits only: int() also reads "٨٠", and isdecimal() accepts it.
    if not (value.isascii() and value.isdigit()):
        raise _FieldError("sc", f"service code is not a number: {_shown(value)}")
    # A DCCP service code is 32 bits (RFC 4340, 8.1.2).  Compare lengths before
    # int(), which raises a bare ValueError past 4,300 digits.
    digits = value.lstrip("0")
    if len(digits) > _SERVICE_CODE_DIGITS or int(digits or "0") > _SERVICE_CODE_MAX:
        raise _FieldError("sc", f"service code must be within 0-{_SERVICE_CODE_MAX}, not {_shown(value)}")
    return int(digits or "0")


def _shown(text: str) -> str:
    """*text* quoted, or its head and its length when it is too long to print whole."""
    return repr(text) if len(text) <= _SHOWN_CHARACTERS else f"{text[:_SHOWN_CHARACTERS]!r}... ({len(text)} characters)"


def _record_date(text: str | None, attribute: str) -> PartialDate | None:
    if not text:
        return None
    try:
        return PartialDate.from_text(text)
    except ValueError as exc:
        raise _FieldError(f"@{attribute}", str(exc)) from None


def _mixed_text(element: etree._Element | None) -> str:
    r"""The element's text as IANA wrote it: ``<br/>`` as ``"\n"``, inline xrefs as ``[tokens]``.

    This is the rendering IANA's own CSV starts from; only the ends are
    trimmed, so outputs can apply IANA's whitespace rules exactly.
    """
    if element is None:
        return ""
    if len(element) == 0:
        return (element.text or "").strip()
    return _render_mixed(element).strip()


def _render_mixed(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element.iterchildren():
        tag = child.tag
        if tag == _TAG_BR:
            parts.append("\n")
        elif tag == _TAG_XREF:
            parts.append(xref_token(child.get("type"), child.get("data"), _mixed_text(child)))
        elif tag == _TAG_PARAGRAPH:
            # IANA indents each paragraph by eight spaces and ends it with a line break.
            parts.append(f"        {_render_mixed(child)}\n")
        elif isinstance(tag, str):
            parts.append(_render_mixed(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _port_range(text: str) -> PortRange:
    """:meth:`PortRange.from_text`, with a quick path for a plain single port (most records)."""
    if not (text.isascii() and text.isdigit()):  # is_digits(), written out in the hot loop
        return PortRange.from_text(text)
    port = read_port(text)
    return canonical_span(port, port, None if text == str(port) else text)


#: The registry's own ``<updated>`` comes before its first record, well within this many bytes.
_HEAD_BYTES = 64 * 1024
_UPDATED_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?updated>\s*(\d{4}-\d{2}-\d{2})\s*</")


def read_updated(head: bytes) -> dt.date | None:
    """The registry's ``<updated>`` date read from the start of a document alone, or None when it is not there.

    *head* is the whole document or only its first kilobytes, plain or
    gzip/xz-compressed (a bzip2 head too short to hold a whole block gives
    None: pass the whole file then).  Nothing is parsed, so this is cheap
    enough to order hundreds of releases before parsing any; it does not
    check that the document is a registry (parsing does).

    >>> read_updated(b"<registry><title>t</title><updated>2025-12-15</updated><record>...")
    datetime.date(2025, 12, 15)
    """
    text = _decompress_head(head)
    first_record = text.find(b"<record")
    match = _UPDATED_ELEMENT.search(text, 0, first_record if first_record >= 0 else len(text))
    if match is None:
        return None
    return _release_date(match.group(1).decode())


def _decompress_head(head: bytes) -> bytes:
    # Decompress only as much as the head needs; a cut-off stream is expected here.
    try:
        if head.startswith(b"\x1f\x8b"):
            return zlib.decompressobj(wbits=31).decompress(head, _HEAD_BYTES)
        if head.startswith(b"\xfd7zXZ\x00"):
            return lzma.LZMADecompressor().decompress(head, max_length=_HEAD_BYTES)
        if head.startswith(b"BZh"):
            return bz2.BZ2Decompressor().decompress(head, max_length=_HEAD_BYTES)
    except (OSError, EOFError, lzma.LZMAError, zlib.error):
        return b""
    return head[:_HEAD_BYTES]
