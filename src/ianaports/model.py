"""Typed, immutable values of the port registry: no I/O and no XML knowledge here."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from typing import TYPE_CHECKING

import attrs

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = [
    "PORT_MAX",
    "STATUS_ORDER",
    "PartialDate",
    "Person",
    "PortRange",
    "Protocol",
    "Reference",
    "ReferenceKind",
    "ServiceRecord",
    "Status",
    "TextEnum",
    "check_port",
    "check_text",
    "is_digits",
    "read_port",
    "read_query",
    "record_status",
    "split_protocol",
    "strongest_status",
    "tidy_text",
    "xref_token",
]

PORT_MAX = 65535

#: Descriptions that say no more than a status, so :attr:`ServiceRecord.iana_remarks` leaves them out.
_PLAIN_STATUS_WORDS = frozenset({"unassigned", "reserved", "de-registered", "removed", "deprecated"})
#: Words by which IANA's notes on an unassigned port report a use of it.
_USE_REPORT_RE = re.compile(r"\b(?:using|used by|unofficial)", re.IGNORECASE)
#: A port or a span of ports named in IANA's text ("ports 2194-2196", "28017, 28018 and 28019").
_NAMED_PORTS_RE = re.compile(r"\b(\d{1,5})(?:\s*-\s*(\d{1,5}))?\b")


def _names_port(text: str, port: int) -> bool:
    """True when *text* names *port* among the ports it names, or names no port."""
    spans = [(int(first), int(last or first)) for first, last in _NAMED_PORTS_RE.findall(text)]
    return not spans or any(first <= port <= last for first, last in spans)


_ALIAS_NOTE_RE = re.compile(r'This entry is an alias to "([^"]+)"')
_PARTIAL_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?")  # [0-9]: \d also matches "٢٠٢٠"
_SPAN_RE = re.compile(r"\s*([0-9]+)\s*-\s*([0-9]+)\s*")
_PROTOCOL_SUFFIX_RE = re.compile(r"(.+?)\s*/\s*([^/\s]+)")
_SHOWN_DIGITS = 12
_PORT_DIGITS = len(str(PORT_MAX))


class TextEnum(str, enum.Enum):
    """An enum of strings whose ``str()`` is its value, as :class:`enum.StrEnum` (Python 3.11+) does.

    >>> str(Protocol.TCP), f"{Protocol.UDP}"
    ('tcp', 'udp')
    """

    def __str__(self) -> str:
        return str(self.value)


class Protocol(TextEnum):
    """A transport protocol named by the registry."""

    TCP = "tcp"
    UDP = "udp"
    SCTP = "sctp"
    DCCP = "dccp"

    @classmethod
    def _missing_(cls, value: object) -> Protocol:
        # Still a ValueError, as Enum raises, but one of ianaports' own.
        msg = f"not a transport protocol: {value!r} (choose tcp, udp, sctp or dccp)"
        raise InvalidArgumentError(msg)


class ReferenceKind(TextEnum):
    """What a reference points at, as the registry's ``xref`` types name it."""

    RFC = "rfc"
    DRAFT = "draft"
    URI = "uri"
    PERSON = "person"
    TEXT = "text"
    NOTE = "note"
    OTHER = "other"


def xref_token(kind: str | None, data: str | None, text: str | None) -> str:
    """IANA's bracketed form of a cross-reference: its text, else ``[RFC1234]`` or ``[data]``."""
    if text and text.strip():
        return f"[{tidy_text(text)}]"
    if kind == "rfc":
        return f"[{(data or '').upper()}]"
    return f"[{data or ''}]"


_BLANK_LINES_RE = re.compile(r"\n\s*\n")
#: A blank line before a ``<paragraph>``, which the parser indents by eight spaces (see parser._render_mixed).
_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n(?=[ \t]*        \S)")
_SOFT_WRAP_RE = re.compile(r"\s+\n\s+")


def tidy_text(text: str, *, legacy: bool = False) -> str:
    r"""Apply IANA's CSV whitespace rules to text kept as IANA wrote it.

    Since 2025 IANA's CSV keeps a ``<br/>`` as a line break (blank lines folded);
    ``legacy=True`` gives the earlier rendering, where it usually became a space
    but a ``<paragraph>`` still began a new line.  A line break with blanks on
    both sides is layout and becomes one space.

    >>> tidy_text("Elements \n      (TEMPORARY)")
    'Elements (TEMPORARY)'
    """
    if "\n" not in text:
        return text.strip()  # every rule below starts at a line break: most descriptions have none
    text = _PARAGRAPH_BREAK_RE.sub("\n", text) if legacy else _BLANK_LINES_RE.sub("\n", text)
    return _SOFT_WRAP_RE.sub(" ", text).strip()


class Status(TextEnum):
    """What a record says about its port or name: the one rule is :func:`record_status`."""

    #: The record has a service name (a port assigned to it, or a name registered without one).
    ASSIGNED = "assigned"
    #: IANA lists the port as free to be assigned ("Unassigned", "Unassigned [was netstat]").
    UNASSIGNED = "unassigned"
    #: IANA holds the port back ("Reserved", "IANA Reserved").
    RESERVED = "reserved"
    #: RFC 1700's "any private mail system" and the like: for private use, never assigned.
    PRIVATE_USE = "private-use"
    #: An assignment IANA took back ("De-registered", "Removed", "Deprecated", "De-Commissioned").
    WITHDRAWN = "withdrawn"


#: Statuses from the strongest claim on a port to the weakest: a port takes the first that covers it.
STATUS_ORDER = (Status.ASSIGNED, Status.RESERVED, Status.PRIVATE_USE, Status.WITHDRAWN, Status.UNASSIGNED)


def strongest_status(statuses: Iterable[Status]) -> Status:
    """The first of :data:`STATUS_ORDER` among *statuses*; ``unassigned`` when there are none.

    >>> strongest_status([Status.UNASSIGNED, Status.RESERVED])
    <Status.RESERVED: 'reserved'>
    """
    found = set(statuses)
    return next((status for status in STATUS_ORDER if status in found), Status.UNASSIGNED)


_WITHDRAWN_RE = re.compile(r"(?:de-?regist|removed|deprecated|de-?com+is+ion|de-?assign|withdrawn)", re.IGNORECASE)
_UNASSIGNED_RE = re.compile(r"\(?unassigned\b", re.IGNORECASE)
_RESERVED_RE = re.compile(r"(?:iana\s+)?reserved\b", re.IGNORECASE)
_PRIVATE_USE_RE = re.compile(r"any\s+private\b", re.IGNORECASE)


#: The rule reads no further than this into a description, so its answers can be cached by that prefix.
_STATUS_PREFIX = 32


def record_status(named: bool, description: str) -> Status:
    """The status of a record with (*named*) or without a service name and this *description*.

    The one rule, read from the start of the description (case and blanks
    ignored); docs/model.md lists every description of the real releases it
    has to decide:

    - a description that starts with a withdrawal word (de-registered, removed,
      deprecated, decommissioned, de-assigned, withdrawn) is ``withdrawn``,
      named or not (``sua`` 14001/udp keeps its name, "De-Registered");
    - otherwise a named record is ``assigned``, whatever its description says;
    - a nameless one is ``unassigned`` for "Unassigned..." and "(unassigned)...",
      ``reserved`` for "Reserved..." and "IANA Reserved", ``private-use`` for
      RFC 1700's "any private ..." services;
    - any other nameless record (1008/udp "Possibly used by Sun Solaris????")
      assigns nothing, so it is ``unassigned``, its words kept as IANA's note.

    >>> record_status(False, "Unassigned [was netstat]"), record_status(False, "any private mail system")
    (<Status.UNASSIGNED: 'unassigned'>, <Status.PRIVATE_USE: 'private-use'>)
    >>> record_status(True, "Secure Shell"), record_status(False, "De-registered")
    (<Status.ASSIGNED: 'assigned'>, <Status.WITHDRAWN: 'withdrawn'>)
    """
    return _status_of_prefix(named, description.lstrip()[:_STATUS_PREFIX].lower())


@functools.lru_cache(maxsize=1024)
def _status_of_prefix(named: bool, text: str) -> Status:
    if _WITHDRAWN_RE.match(text):
        return Status.WITHDRAWN
    if named:
        return Status.ASSIGNED
    if _UNASSIGNED_RE.match(text):
        return Status.UNASSIGNED
    if _RESERVED_RE.match(text):
        return Status.RESERVED
    if _PRIVATE_USE_RE.match(text):
        return Status.PRIVATE_USE
    return Status.UNASSIGNED


def check_port(port: int, *, what: str = "port") -> int:
    """Return *port* when it is a port number, 0-65535; raise InvalidArgumentError otherwise.

    The one range check every part of the library shares.

    A port is a whole number: ``80.5``, ``True`` and ``"80"`` are refused too
    (Python would compare the first two as numbers and the third not at all).

    >>> check_port(2304)
    2304
    """
    if type(port) is not int and (isinstance(port, bool) or not isinstance(port, int)):
        msg = f"{what} must be a whole number, not {port!r}"
        raise InvalidArgumentError(msg)
    if not 0 <= port <= PORT_MAX:
        msg = f"{what} must be within 0-{PORT_MAX}, not {port}"
        raise InvalidArgumentError(msg)
    return port


def check_text(text: object, *, what: str = "text") -> str:
    """Return *text* when it is a string; raise InvalidArgumentError otherwise (``search(None)``).

    >>> check_text("ssh")
    'ssh'
    """
    if not isinstance(text, str):
        msg = f"{what} must be text, not {text!r}"
        raise InvalidArgumentError(msg)
    return text


def is_digits(text: str) -> bool:
    """True for ASCII digits only: ``str.isdigit()`` alone also accepts "²" and "٨٠", no port numbers.

    >>> is_digits("080"), is_digits("²"), is_digits("")
    (True, False, False)
    """
    return text.isascii() and text.isdigit()


def read_port(text: str) -> int:
    """Read a port number written in ASCII digits (leading zeros allowed), nothing around them.

    The one port reader: :meth:`PortRange.from_text`, :func:`read_query` and the
    parser all read numbers with it.  Raises
    :class:`~ianaports.errors.InvalidArgumentError` for anything else, or for a
    number above 65535.

    >>> read_port("2304"), read_port("080")
    (2304, 80)
    """
    # is_digits() and check_port() written out: the parser reads 7,000 numbers a release.
    if not (text.isascii() and text.isdigit()):
        msg = f"not a port number: {text!r}"
        raise InvalidArgumentError(msg)
    # Compare lengths first: int() refuses strings of over 4,300 digits.
    if len(text) > _PORT_DIGITS and len(text.lstrip("0")) > _PORT_DIGITS:
        shown = text if len(text) <= _SHOWN_DIGITS else f"{text[:_SHOWN_DIGITS]}... ({len(text)} digits)"
        msg = f"port must be within 0-{PORT_MAX}, not {shown}"
        raise InvalidArgumentError(msg)
    port = int(text)
    return port if port <= PORT_MAX else check_port(port)


def _validate_port(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    del instance
    check_port(value, what=attribute.name)


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
        """Read ``"80"`` or ``"6000-6063"`` (blanks allowed around each number); raise ValueError for anything else.

        Each number is read by :func:`read_port`; the text is kept in
        ``written`` when it differs from the canonical form.
        """
        single = text.strip()
        if is_digits(single):
            start = end = read_port(single)
        elif (span := _SPAN_RE.fullmatch(text)) is not None:
            start, end = read_port(span.group(1)), read_port(span.group(2))
        else:
            msg = f"not a port or port range: {text!r}"
            raise InvalidArgumentError(msg)
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
    if is_digits(query):
        return read_port(query)
    span = _SPAN_RE.fullmatch(query)
    if span is not None:
        return PortRange(read_port(span.group(1)), read_port(span.group(2)))
    if any(character.isalpha() for character in query):
        return query
    msg = f"not a port, a span A-B or a service name: {text!r}"
    raise InvalidArgumentError(msg)


def split_protocol(text: str, *, is_name: Callable[[str], bool] | None = None) -> tuple[str, Protocol | None]:
    """Split the services(5)-style protocol suffix off a query: ``"80/tcp"`` is ``("80", Protocol.TCP)``.

    Some service names hold a slash themselves (``cl/1``, ``914c/g``,
    ``EtherNet/IP-2``), so a real name always wins: ``X/Y`` is read as a
    name or port ``X`` and protocol ``Y`` only when ``Y`` is a transport
    protocol (any case) and the whole text is not a name (*is_name*, when the
    caller can tell, says which texts are).  Otherwise text with a slash and a
    letter is one service name; a port or span before a slash must be followed
    by a protocol.

    >>> split_protocol(" 53 / UDP ")
    ('53', <Protocol.UDP: 'udp'>)
    >>> split_protocol("EtherNet/IP-2")
    ('EtherNet/IP-2', None)

    Raises :class:`~ianaports.errors.InvalidArgumentError` for a port or span
    followed by anything but a protocol (``80/tpc``), and for text that starts
    or ends with a slash.
    """
    query = text.strip()
    if query.startswith("/") or query.endswith("/"):
        msg = f"not a port, a span A-B or a service name: {text!r}"
        raise InvalidArgumentError(msg)
    match = _PROTOCOL_SUFFIX_RE.fullmatch(query)
    if match is None:
        return query, None
    head, suffix = match.group(1), match.group(2)
    if suffix.lower() in {protocol.value for protocol in Protocol} and not (is_name is not None and is_name(query)):
        return head, Protocol(suffix.lower())
    if is_digits(head) or _SPAN_RE.fullmatch(head) is not None:
        msg = f"not a transport protocol: {suffix!r} in {text!r} (choose tcp, udp, sctp or dccp)"
        raise InvalidArgumentError(msg)
    return query, None


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


def _tuple_of_texts(value: Iterable[str]) -> tuple[str, ...]:
    # A typed function, not the builtin: attrs reads a builtin's signature with inspect, which
    # compiles tokenize's regexes (about 2 ms of every command's start).
    return tuple(value)


@attrs.frozen(kw_only=True)
class Person:
    """A person or organisation from the registry's ``<people>`` section."""

    id: str
    name: str | None = None
    org: str | None = None
    uri: str | None = None
    updated: PartialDate | None = None
    #: Further ``<uri>`` elements after the first (7 people have two); ``uris`` gives them all.
    other_uris: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_texts)

    @property
    def uris(self) -> tuple[str, ...]:
        """Every URI IANA gives for the person, in its order (``uri`` is the first)."""
        return self.other_uris if self.uri is None else (self.uri, *self.other_uris)

    @property
    def emails(self) -> tuple[str, ...]:
        """Every e-mail address of :attr:`uris`, made usable as :attr:`email` is."""
        return tuple(_email(uri) for uri in self.uris if uri.startswith("mailto:"))

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
        return _email(self.uri)


def _email(uri: str) -> str:
    return uri.removeprefix("mailto:").replace("&", "@")


def _reference_kind(value: ReferenceKind | str) -> ReferenceKind:
    # A member (what the parser and the store pass) needs no Enum lookup.
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
    # A member (what the store passes) needs no Enum lookup.
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
    written (the raw form), line wrapping included, with a ``<br/>`` as
    ``"\n"`` and inline cross-references as IANA's ``[RFC1234]`` tokens.
    ``description_text``, ``notes_text`` and ``unauthorized_use_text`` give
    IANA's normalised text, as its current CSV shows it (:func:`tidy_text`):
    what every JSON and text output prints.  ``status`` is computed from the
    name and description by :func:`record_status`, never stored.
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
    def description_text(self) -> str:
        """IANA's normalised description (the same as :attr:`summary`)."""
        return tidy_text(self.description)

    @property
    def notes_text(self) -> str | None:
        """IANA's normalised assignment notes, or None."""
        return None if self.notes is None else tidy_text(self.notes)

    @property
    def unauthorized_use_text(self) -> str | None:
        """IANA's normalised report of unauthorized use, or None."""
        return None if self.unauthorized_use is None else tidy_text(self.unauthorized_use)

    @property
    def status(self) -> Status:
        """What the record says about its port or name (see :func:`record_status`)."""
        return record_status(self.name is not None, self.description)

    @property
    def iana_remarks(self) -> tuple[str, ...]:
        """IANA's own words beyond the name: notes and unauthorized-use report, normalised.

        For a record that assigns nothing the description counts too when it says
        more than its status ("Possibly used by Sun Solaris????", "Unassigned [was netstat]").
        """
        remarks = []
        if self.status is not Status.ASSIGNED and self.description_text.lower() not in _PLAIN_STATUS_WORDS:
            remarks.append(self.description_text)
        remarks.extend(text for text in (self.notes_text, self.unauthorized_use_text) if text)
        return tuple(remarks)

    @property
    def alias_of(self) -> str | None:
        """The service this name is an alias of, from IANA's "This entry is an alias to" note."""
        if not self.notes:
            return None
        match = _ALIAS_NOTE_RE.search(self.notes)
        return None if match is None else match.group(1)

    @property
    def is_unassigned(self) -> bool:
        """True when :attr:`status` is ``unassigned``."""
        return self.status is Status.UNASSIGNED

    @property
    def is_reserved(self) -> bool:
        """True when :attr:`status` is ``reserved``."""
        return self.status is Status.RESERVED

    @property
    def is_assignment(self) -> bool:
        """True when :attr:`status` is ``assigned``: the record names a service."""
        return self.status is Status.ASSIGNED

    @property
    def reported_uses(self) -> tuple[str, ...]:
        """IANA's own reports that the port is used, normalised.

        Its unauthorized-use report, and for a record that assigns nothing, a
        note or description saying someone uses it ("Microsoft (unoffically)
        using 1895", "Possibly used by Sun Solaris????").
        """
        found = [] if self.unauthorized_use_text is None else [self.unauthorized_use_text]
        if self.status is not Status.ASSIGNED:
            found.extend(
                text
                for text in (self.description_text, self.notes_text)
                if text and _USE_REPORT_RE.search(text) and text not in found
            )
        return tuple(found)

    def reported_uses_of(self, port: int) -> tuple[str, ...]:
        """The :attr:`reported_uses` that concern *port*: those naming it, or naming no port at all.

        A report on a span often names the ports it is about ("Known
        UNAUTHORIZED USE: Ports 4490 and 4491" on 4489-4499), and then says
        nothing of the span's other ports.
        """
        return tuple(text for text in self.reported_uses if _names_port(text, port))

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
