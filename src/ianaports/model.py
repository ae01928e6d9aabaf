"""Typed, immutable values of the port registry: no I/O and no XML knowledge here."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import TYPE_CHECKING, Any

import attrs

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = [
    "PORT_MAX",
    "PartialDate",
    "Person",
    "PortRange",
    "Protocol",
    "Reference",
    "ReferenceKind",
    "ServiceRecord",
    "read_query",
    "tidy_text",
    "xref_token",
]

PORT_MAX = 65535

_ALIAS_NOTE_RE = re.compile(r'This entry is an alias to "([^"]+)"')
_PORT_RANGE_RE = re.compile(r"\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?")
_PARTIAL_DATE_RE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
_QUERY_PORT_RE = re.compile(r"[0-9]+")
_QUERY_SPAN_RE = re.compile(r"([0-9]+)\s*-\s*([0-9]+)")
_SHOWN_DIGITS = 12


class Protocol(str, enum.Enum):
    """A transport protocol named by the registry."""

    TCP = "tcp"
    UDP = "udp"
    SCTP = "sctp"
    DCCP = "dccp"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> Protocol:
        # Still a ValueError, as Enum raises, but one of ianaports' own.
        msg = f"not a transport protocol: {value!r} (choose tcp, udp, sctp or dccp)"
        raise InvalidArgumentError(msg)


class ReferenceKind(str, enum.Enum):
    """What a reference points at, as the registry's ``xref`` types name it."""

    RFC = "rfc"
    DRAFT = "draft"
    URI = "uri"
    PERSON = "person"
    TEXT = "text"
    NOTE = "note"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


def xref_token(kind: str | None, data: str | None, text: str | None) -> str:
    """IANA's bracketed form of a cross-reference: its text, else ``[RFC1234]`` or ``[data]``."""
    if text and text.strip():
        return f"[{tidy_text(text)}]"
    if kind == "rfc":
        return f"[{(data or '').upper()}]"
    return f"[{data or ''}]"


_BLANK_LINES_RE = re.compile(r"\n\s*\n")
_SOFT_WRAP_RE = re.compile(r"\s+\n\s+")


def tidy_text(text: str, *, legacy: bool = False) -> str:
    """Apply IANA's CSV whitespace rules to text kept as IANA wrote it.

    Since 2025 IANA's CSV keeps a ``<br/>`` as a line break (blank lines folded);
    ``legacy=True`` gives the earlier rendering, where it usually became a space.
    A line break with blanks on both sides is layout and becomes one space.
    """
    if not legacy:
        text = _BLANK_LINES_RE.sub("\n", text)
    return _SOFT_WRAP_RE.sub(" ", text).strip()


def _validate_port(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    del instance
    if not 0 <= value <= PORT_MAX:
        msg = f"{attribute.name} must be within 0-{PORT_MAX}, not {value}"
        raise InvalidArgumentError(msg)


@attrs.frozen(order=True)
class PortRange:
    """An inclusive span of port numbers; a single port is a span of one.

    >>> PortRange.from_text("6000-6063")
    PortRange(start=6000, end=6063)
    >>> 6010 in PortRange(6000, 6063)
    True
    """

    start: int = attrs.field(validator=_validate_port)
    end: int = attrs.field(validator=_validate_port)
    #: The text IANA wrote, where it differs from the canonical form (``"4748-4748"``).
    written: str | None = attrs.field(default=None, eq=False, order=False, repr=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            msg = f"port range ends before it starts: {self.start}-{self.end}"
            raise InvalidArgumentError(msg)

    @classmethod
    def single(cls, port: int) -> PortRange:
        """Return the span holding only *port*."""
        return cls(port, port)

    @classmethod
    def from_text(cls, text: str) -> PortRange:
        """Read ``"80"`` or ``"6000-6063"``; raise ValueError for anything else."""
        match = _PORT_RANGE_RE.fullmatch(text)
        if match is None:
            msg = f"not a port or port range: {text!r}"
            raise InvalidArgumentError(msg)
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) is not None else start
        canonical = str(start) if start == end else f"{start}-{end}"
        return cls(start, end, written=None if text == canonical else text)

    @property
    def is_single(self) -> bool:
        """True when the span holds exactly one port."""
        return self.start == self.end

    def __len__(self) -> int:
        return self.end - self.start + 1

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.start <= port <= self.end

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.start, self.end + 1))

    def overlaps(self, other: PortRange) -> bool:
        """True when the two spans share at least one port."""
        return self.start <= other.end and other.start <= self.end

    def __str__(self) -> str:
        return str(self.start) if self.is_single else f"{self.start}-{self.end}"

    @property
    def as_written(self) -> str:
        """The span as IANA wrote it (usually the same as ``str(span)``)."""
        return self.written or str(self)


def read_query(text: str) -> int | PortRange | str:
    """Read what someone typed to name a port, a span of ports or a service name.

    The one rule every command and :func:`ianaports.explain` share: surrounding
    blanks are dropped; ASCII digits are a port; two of them joined by a hyphen
    (blanks allowed around it) are a span; text with a letter in it is a name.
    Anything else (``"6000-"``, ``"-5"``, ``"1-2-3"``, ``""``) cannot be a
    service name, which RFC 6335 says holds a letter, so it is refused rather
    than looked up.

    >>> read_query(" 2304 ")
    2304
    >>> read_query("6000 - 6063")
    PortRange(start=6000, end=6063)
    >>> read_query("X11")
    'X11'

    Raises :class:`~ianaports.errors.InvalidArgumentError` for a number above
    65535, a span that ends before it starts, and text that is none of the three.
    """
    query = text.strip()
    if _QUERY_PORT_RE.fullmatch(query):
        return _query_port(query)
    span = _QUERY_SPAN_RE.fullmatch(query)
    if span is not None:
        return PortRange(_query_port(span.group(1)), _query_port(span.group(2)))
    if any(character.isalpha() for character in query):
        return query
    msg = f"not a port, a span A-B or a service name: {text!r}"
    raise InvalidArgumentError(msg)


def _query_port(digits: str) -> int:
    # Compare lengths first: int() refuses strings of over 4,300 digits.
    if len(digits.lstrip("0")) > len(str(PORT_MAX)) or int(digits) > PORT_MAX:
        shown = digits if len(digits) <= _SHOWN_DIGITS else f"{digits[:_SHOWN_DIGITS]}... ({len(digits)} digits)"
        msg = f"port must be within 0-{PORT_MAX}, not {shown}"
        raise InvalidArgumentError(msg)
    return int(digits)


@attrs.frozen(order=True)
class PartialDate:
    """A calendar date whose day, as IANA sometimes records, may be unknown.

    IANA writes ``2006-12`` where it only knows the month; inventing a day
    would make up a fact, so the precision is kept.

    >>> PartialDate.from_text("2006-12").isoformat()
    '2006-12'
    """

    year: int
    month: int
    day: int | None = None

    def __attrs_post_init__(self) -> None:
        try:
            dt.date(self.year, self.month, 1 if self.day is None else self.day)
        except ValueError as exc:
            raise InvalidArgumentError(f"not a calendar date: {self.isoformat()}") from exc

    @classmethod
    def from_text(cls, text: str) -> PartialDate:
        """Read ``YYYY-MM-DD`` or ``YYYY-MM``; raise ValueError for anything else."""
        match = _PARTIAL_DATE_RE.fullmatch(text.strip())
        if match is None:
            msg = f"not a YYYY-MM-DD or YYYY-MM date: {text!r}"
            raise InvalidArgumentError(msg)
        day = match.group(3)
        return cls(int(match.group(1)), int(match.group(2)), int(day) if day else None)

    @property
    def has_day(self) -> bool:
        """True when IANA gave the day of the month."""
        return self.day is not None

    def isoformat(self) -> str:
        """``YYYY-MM-DD``, or ``YYYY-MM`` when the day is unknown."""
        head = f"{self.year:04d}-{self.month:02d}"
        return head if self.day is None else f"{head}-{self.day:02d}"

    def __str__(self) -> str:
        return self.isoformat()


@attrs.frozen(kw_only=True)
class Person:
    """A person or organisation from the registry's ``<people>`` section."""

    id: str
    name: str | None = None
    org: str | None = None
    uri: str | None = None
    updated: PartialDate | None = None

    @property
    def display_name(self) -> str:
        """The name a reader expects: the person, else the organisation, else the id."""
        return self.name or self.org or self.id

    @property
    def token(self) -> str:
        """IANA's bracketed form, as its CSV writes it: ``[Jon_Postel]``."""
        return f"[{self.id}]"

    @property
    def email(self) -> str | None:
        """The e-mail address, with IANA's ``&`` anti-spam spelling turned back into ``@``."""
        if self.uri is None or not self.uri.startswith("mailto:"):
            return None
        return self.uri.removeprefix("mailto:").replace("&", "@")


def _reference_kind(value: ReferenceKind | str) -> ReferenceKind:
    # The parser passes members already; skipping the Enum lookup keeps its hot loop cheap.
    return value if type(value) is ReferenceKind else ReferenceKind(value)


@attrs.frozen(kw_only=True)
class Reference:
    """A reference attached to a record: an RFC, a draft, a URI, a person, free text..."""

    kind: ReferenceKind = attrs.field(converter=_reference_kind)
    data: str | None = None
    text: str | None = None

    @property
    def label(self) -> str:
        """A short human label: ``RFC5321``, the draft name, the URI's text or the text."""
        if self.kind is ReferenceKind.RFC and self.data:
            return self.data.upper()
        if self.text:
            return self.text
        return self.data or ""

    @property
    def token(self) -> str:
        """IANA's bracketed form, as its CSV writes it: ``[RFC5321]``, ``[TR-352]``."""
        return xref_token(self.kind.value, self.data, self.text)

    @property
    def url(self) -> str | None:
        """Where the reference can be read, when that is known."""
        if self.kind is ReferenceKind.RFC and self.data:
            number = self.data.lower().removeprefix("rfc")
            return f"https://www.rfc-editor.org/rfc/rfc{number}"
        if self.kind is ReferenceKind.DRAFT and self.data:
            return f"https://datatracker.ietf.org/doc/{self.data}"
        if self.kind is ReferenceKind.URI:
            return self.data
        return None


def _optional_protocol(value: Protocol | str | None) -> Protocol | None:
    # A member (what the parser passes) needs no Enum lookup.
    if value is None or type(value) is Protocol:
        return value
    return Protocol(value)


def _tuple_of_persons(value: Iterable[Person]) -> tuple[Person, ...]:
    return tuple(value)


def _tuple_of_references(value: Iterable[Reference]) -> tuple[Reference, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class ServiceRecord:
    r"""One ``<record>`` of the registry: a service name and/or port assignment.

    Any of ``name``, ``protocol`` and ``ports`` may be absent: IANA registers
    service names without a port, leaves the protocol out of some assignments,
    and lists unassigned and reserved spans without a name.

    Text fields (description, notes, unauthorized use) keep IANA's text as
    written, line wrapping included, with a ``<br/>`` as ``"\n"`` and inline
    cross-references as IANA's ``[RFC1234]`` tokens.  :func:`tidy_text` (or the
    ``summary`` property) gives the tidied form IANA's CSV shows.
    """

    name: str | None = None
    protocol: Protocol | None = attrs.field(default=None, converter=_optional_protocol)
    ports: PortRange | None = None
    description: str = ""
    assignees: tuple[Person, ...] = attrs.field(default=(), converter=_tuple_of_persons)
    contacts: tuple[Person, ...] = attrs.field(default=(), converter=_tuple_of_persons)
    references: tuple[Reference, ...] = attrs.field(default=(), converter=_tuple_of_references)
    registered: PartialDate | None = None
    modified: PartialDate | None = None
    notes: str | None = None
    unauthorized_use: str | None = None
    service_code: int | None = None

    @property
    def summary(self) -> str:
        """The description with IANA's whitespace rules applied, as its CSV shows it."""
        return tidy_text(self.description)

    @property
    def alias_of(self) -> str | None:
        """The service this name is an alias of, from IANA's "This entry is an alias to" note."""
        if not self.notes:
            return None
        match = _ALIAS_NOTE_RE.search(self.notes)
        return None if match is None else match.group(1)

    @property
    def is_unassigned(self) -> bool:
        """True for the spans IANA lists as ``Unassigned``."""
        return self.name is None and self.description.strip().lower() == "unassigned"

    @property
    def is_reserved(self) -> bool:
        """True for the ports and names IANA lists as ``Reserved``."""
        return self.name is None and self.description.strip().lower() == "reserved"

    @property
    def is_assignment(self) -> bool:
        """True when the record assigns something (not an unassigned or reserved span)."""
        return not (self.is_unassigned or self.is_reserved)

    @property
    def port_start(self) -> int | None:
        """First port of the span, or None when the record has no port."""
        return None if self.ports is None else self.ports.start

    @property
    def port_end(self) -> int | None:
        """Last port of the span, or None when the record has no port."""
        return None if self.ports is None else self.ports.end

    def __repr__(self) -> str:
        where = f"{self.ports}/{self.protocol}" if self.protocol else str(self.ports or "-")
        return f"<ServiceRecord {self.name or '-'} {where}: {self.description[:40]!r}>"


# The parser's constructors. attrs' __init__ on a frozen class costs a bound
# object.__setattr__ call plus a converter per field, which for the 14,000
# records and 5,000 people of a release is a third of the whole parse.  The
# parser hands over values already in canonical form (tuples, enum members),
# and these two classes have no validators or post-init checks, so writing
# the slots directly builds the very same objects.  tests/test_model.py
# checks that both paths stay field-for-field identical.


def _slot_writer(cls: type, field: str) -> Callable[[Any, Any], None]:
    writer: Callable[[Any, Any], None] = cls.__dict__[field].__set__
    return writer


_new = object.__new__
_set_name = _slot_writer(ServiceRecord, "name")
_set_protocol = _slot_writer(ServiceRecord, "protocol")
_set_ports = _slot_writer(ServiceRecord, "ports")
_set_description = _slot_writer(ServiceRecord, "description")
_set_assignees = _slot_writer(ServiceRecord, "assignees")
_set_contacts = _slot_writer(ServiceRecord, "contacts")
_set_references = _slot_writer(ServiceRecord, "references")
_set_registered = _slot_writer(ServiceRecord, "registered")
_set_modified = _slot_writer(ServiceRecord, "modified")
_set_notes = _slot_writer(ServiceRecord, "notes")
_set_unauthorized_use = _slot_writer(ServiceRecord, "unauthorized_use")
_set_service_code = _slot_writer(ServiceRecord, "service_code")
_set_start = _slot_writer(PortRange, "start")
_set_end = _slot_writer(PortRange, "end")
_set_written = _slot_writer(PortRange, "written")
_set_year = _slot_writer(PartialDate, "year")
_set_month = _slot_writer(PartialDate, "month")
_set_day = _slot_writer(PartialDate, "day")
_set_person_id = _slot_writer(Person, "id")
_set_person_name = _slot_writer(Person, "name")
_set_person_org = _slot_writer(Person, "org")
_set_person_uri = _slot_writer(Person, "uri")
_set_person_updated = _slot_writer(Person, "updated")


def _canonical_record(  # noqa: PLR0917 - positional keeps the parser's hot loop cheap
    name: str | None,
    protocol: Protocol | None,
    ports: PortRange | None,
    description: str,
    assignees: tuple[Person, ...],
    contacts: tuple[Person, ...],
    references: tuple[Reference, ...],
    registered: PartialDate | None,
    modified: PartialDate | None,
    notes: str | None,
    unauthorized_use: str | None,
    service_code: int | None,
) -> ServiceRecord:
    """A ServiceRecord from values already in the form its converters produce."""
    record: ServiceRecord = _new(ServiceRecord)
    _set_name(record, name)
    _set_protocol(record, protocol)
    _set_ports(record, ports)
    _set_description(record, description)
    _set_assignees(record, assignees)
    _set_contacts(record, contacts)
    _set_references(record, references)
    _set_registered(record, registered)
    _set_modified(record, modified)
    _set_notes(record, notes)
    _set_unauthorized_use(record, unauthorized_use)
    _set_service_code(record, service_code)
    return record


def _canonical_person(
    person_id: str, name: str | None, org: str | None, uri: str | None, updated: PartialDate | None
) -> Person:
    """A Person built without attrs' keyword-argument __init__ (it has nothing to convert)."""
    person: Person = _new(Person)
    _set_person_id(person, person_id)
    _set_person_name(person, name)
    _set_person_org(person, org)
    _set_person_uri(person, uri)
    _set_person_updated(person, updated)
    return person


def _port_range_from_text(text: str) -> PortRange:
    """:meth:`PortRange.from_text`, with a quick path for a plain single port (most records)."""
    # str.isdecimal() accepts exactly the characters the pattern's \d does.
    if len(text) <= 5 and text.isdecimal():  # noqa: PLR2004 - five digits, as the pattern says
        port = int(text)
        if port <= PORT_MAX:
            span: PortRange = _new(PortRange)
            _set_start(span, port)
            _set_end(span, port)
            _set_written(span, None if text == str(port) else text)
            return span
    return PortRange.from_text(text)


def _partial_date_from_text(text: str) -> PartialDate:
    """:meth:`PartialDate.from_text` without attrs' __init__ for a well-formed date."""
    match = _PARTIAL_DATE_RE.fullmatch(text)
    if match is not None:
        year, month, day = (None if group is None else int(group) for group in match.groups())
        try:
            dt.date(year, month, 1 if day is None else day)  # type: ignore[arg-type]  # the regex always sets year and month
        except ValueError:
            pass  # from_text below raises with its own message
        else:
            date: PartialDate = _new(PartialDate)
            _set_year(date, year)
            _set_month(date, month)
            _set_day(date, day)
            return date
    return PartialDate.from_text(text)
