# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The parser's record loop in C: reads lxml's tree through libxml2's structs.

The pure-Python loop in parser.py spends most of its time creating an lxml
proxy object for each of the ~90,000 elements it looks at.  This module reads
the same nodes as C structs instead, and hands rare values to the same
conversion functions and caches the Python loop uses.  It takes only records
whose fields are plain text (98% of them); a record with markup inside a
field, or a value that fails to convert, goes back to the Python reader, so
errors, warnings and mixed-content rendering have one implementation.
tests/test_treewalk.py checks that both loops give identical registries for
every real release, every fixture and generated odd records.
"""

from cpython.ref cimport Py_INCREF, Py_XDECREF, PyObject
from libc.string cimport strcmp, strlen

cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element

from types import MemberDescriptorType

cetree.import_lxml__etree()

#: The lxml version whose C structures this module was compiled against.
BUILT_WITH_LXML = (<bytes>cetree.LXML_VERSION_STRING).decode("ascii")


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset
        int flags

    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member


cdef const char* _IANA_NS = b"http://www.iana.org/assignments"
cdef int _T_OBJECT_EX = 16  # structmember.h: an object slot that may be unset
cdef int _READONLY = 1
cdef int _MAX_FIELDS = 16
cdef object _MISSING = object()
cdef object _new = object.__new__
cdef int[13] _DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


cdef class _Layout:
    """Where a frozen, slotted attrs class keeps each field, for building instances directly.

    attrs' own __init__ sets each slot through object.__setattr__ after its
    converters; the values built here are already canonical, so writing the
    slots as object.__setattr__ would gives the same object (model.py builds
    its Python-side twins the same way).
    """

    cdef type cls
    cdef Py_ssize_t[16] offsets
    cdef Py_ssize_t count

    def __init__(self, type cls, tuple fields):
        declared = tuple(attribute.name for attribute in cls.__attrs_attrs__)
        if sorted(fields) != sorted(declared) or len(fields) > _MAX_FIELDS:
            raise TypeError(f"{cls.__name__} has fields {declared}, not {fields}")
        for index, name in enumerate(fields):
            descriptor = cls.__dict__.get(name)
            if type(descriptor) is not MemberDescriptorType:
                raise TypeError(f"{cls.__name__}.{name} is not a slot")
            member = (<PyMemberDescrObject*><PyObject*>descriptor).d_member
            if member.type != _T_OBJECT_EX or member.flags & _READONLY:
                raise TypeError(f"{cls.__name__}.{name} is not a writable object slot")
            self.offsets[index] = member.offset
        self.cls = cls
        self.count = len(fields)

    cdef object build(self, tuple values):
        """A new instance with the fields set to *values*, in the order the layout was made with."""
        instance = _new(self.cls)
        cdef PyObject** slot
        cdef Py_ssize_t index
        for index in range(self.count):
            value = values[index]
            slot = <PyObject**>((<char*><PyObject*>instance) + self.offsets[index])
            Py_INCREF(value)
            Py_XDECREF(slot[0])
            slot[0] = <PyObject*>value
        return instance


cdef _Layout _RECORD = None
cdef _Layout _SPAN = None
cdef _Layout _DATE = None
cdef _Layout _PERSON = None


def prepare(type record_type, type span_type, type date_type, type person_type):
    """Learn the model's slot layout; raises TypeError, changing nothing, if a class is not as expected."""
    global _RECORD, _SPAN, _DATE, _PERSON
    layouts = (
        _Layout(
            record_type,
            (
                "name", "protocol", "ports", "description", "assignees", "contacts", "references",
                "registered", "modified", "notes", "unauthorized_use", "service_code",
            ),
        ),
        _Layout(span_type, ("start", "end", "written")),
        _Layout(date_type, ("year", "month", "day")),
        _Layout(person_type, ("id", "name", "org", "uri", "updated")),
    )
    _RECORD, _SPAN, _DATE, _PERSON = layouts


# --- text and attributes of libxml2 nodes -----------------------------------------


cdef inline bint _in_iana_ns(tree.xmlNode* node, tree.xmlNs* iana) noexcept:
    # Elements of one document share its xmlNs; the string compare covers a redeclaration.
    return node.ns is not NULL and (
        node.ns is iana or (node.ns.href is not NULL and strcmp(<const char*>node.ns.href, _IANA_NS) == 0)
    )


cdef inline bint _is_iana(tree.xmlNode* node, tree.xmlNs* iana, const char* name) noexcept:
    return (
        node.type == tree.XML_ELEMENT_NODE
        and _in_iana_ns(node, iana)
        and strcmp(<const char*>node.name, name) == 0
    )


cdef inline str _utf8(const char* text):
    return text[:strlen(text)].decode("utf-8")


cdef inline bint _is_text(tree.xmlNode* node) noexcept:
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


cdef object _plain_text(tree.xmlNode* node):
    """The element's text when it holds nothing but text (None when empty), else _MISSING.

    For such an element this is lxml's ``.text``: its text nodes joined.
    """
    return _joined_text(node, NULL, False)


cdef object _text_with_breaks(tree.xmlNode* node, tree.xmlNs* iana):
    """The text of an element holding only text and ``<br/>``s, each break as a newline; else _MISSING.

    This is parser._render_mixed for such an element; anything else inside
    (inline xrefs, paragraphs) is left to it.
    """
    return _joined_text(node, iana, True)


cdef object _joined_text(tree.xmlNode* node, tree.xmlNs* iana, bint breaks):
    """The element's text nodes joined, ``<br/>`` as a newline when *breaks*; _MISSING for anything else."""
    cdef tree.xmlNode* child = node.children
    cdef list parts
    if child is NULL:
        return None
    if child.next is NULL:  # the common case: one text node, no list to join
        if not _is_text(child):
            return _MISSING
        return _utf8(<const char*>child.content) if child.content is not NULL else ""
    parts = []
    while child is not NULL:
        if _is_text(child):
            if child.content is not NULL:
                parts.append(_utf8(<const char*>child.content))
        elif breaks and _is_iana(child, iana, "br"):
            parts.append("\n")
        else:
            return _MISSING
        child = child.next
    return "".join(parts)


cdef object _attribute(tree.xmlNode* node, const char* name):
    """The un-namespaced attribute *name* (None when absent), or _MISSING if it is not one text node."""
    cdef tree.xmlAttr* attr = node.properties
    cdef tree.xmlNode* value
    while attr is not NULL:
        if attr.ns is NULL and strcmp(<const char*>attr.name, name) == 0:
            value = attr.children
            if value is NULL:
                return ""
            if value.next is not NULL or value.type != tree.XML_TEXT_NODE:
                return _MISSING
            return _utf8(<const char*>value.content) if value.content is not NULL else ""
        attr = attr.next
    return None


cdef inline object _stripped(object text):
    """``(text or "").strip()`` for the str or None that _plain_text gives."""
    if text is None:
        return ""
    return (<str>text).strip()


# --- values -----------------------------------------------------------------------


cdef int _digits(str text, Py_ssize_t start, Py_ssize_t count) noexcept:
    """The ASCII digits text[start:start+count] as a number, or -1."""
    cdef int value = 0
    cdef Py_UCS4 digit
    cdef Py_ssize_t i
    for i in range(start, start + count):
        digit = text[i]
        if digit < 48 or digit > 57:
            return -1
        value = value * 10 + (<int>digit - 48)
    return value


cdef object _plain_date(object text):
    """The PartialDate of an ASCII ``YYYY-MM-DD`` or ``YYYY-MM``, or None for anything else.

    Anything else (other digits, blanks, an impossible day) is left to
    model.py, which either reads it or raises the error the user sees.
    """
    cdef Py_ssize_t length
    cdef int year, month, day = 0
    if type(text) is not str:
        return None
    length = len(<str>text)
    if length != 7 and length != 10:
        return None
    year = _digits(text, 0, 4)
    month = _digits(text, 5, 2)
    if text[4] != "-" or year < 1 or month < 1 or month > 12:
        return None
    if length == 10:
        day = _digits(text, 8, 2)
        if text[7] != "-" or day < 1 or day > _DAYS_IN_MONTH[month]:
            return None
        if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            return None
    return _DATE.build((year, month, None if length == 7 else day))


cdef object _single_port(object text):
    """The PortRange of a plain single port (most records), or None to leave it to model.py."""
    if text is None or len(<str>text) > 5 or not (<str>text).isdecimal():
        return None
    port = int(text)
    if port > 65535:
        return None
    return _SPAN.build((port, port, None if text == str(port) else text))


# --- records ----------------------------------------------------------------------


cdef enum:
    _OTHER, _NAME, _PROTOCOL, _NUMBER, _DESCRIPTION, _XREF, _ASSIGNEE, _NOTE, _UNAUTHORIZED, _SC


cdef int _field_of(const char* tag) noexcept:
    """Which <record> child a tag names; the first letter spares most string compares."""
    cdef char first = tag[0]
    if first == b"n":
        if strcmp(tag, "number") == 0:
            return _NUMBER
        if strcmp(tag, "name") == 0:
            return _NAME
        if strcmp(tag, "note") == 0:
            return _NOTE
    elif first == b"d":
        if strcmp(tag, "description") == 0:
            return _DESCRIPTION
    elif first == b"p":
        if strcmp(tag, "protocol") == 0:
            return _PROTOCOL
    elif first == b"x":
        if strcmp(tag, "xref") == 0:
            return _XREF
    elif first == b"a":
        if strcmp(tag, "assignee") == 0:
            return _ASSIGNEE
    elif first == b"u":
        if strcmp(tag, "unauthorized") == 0:
            return _UNAUTHORIZED
    elif first == b"s":
        if strcmp(tag, "sc") == 0:
            return _SC
    return _OTHER


cdef class Walker:
    """One parse's record reader, sharing the Python reader's caches and converters."""

    cdef dict ports
    cdef dict protocols
    cdef dict dates
    cdef object ports_of
    cdef object protocol_of
    cdef object date_of
    cdef object service_code_of
    cdef dict people
    cdef dict references
    cdef object person_by_id
    cdef object reference_of
    cdef tree.xmlNs* iana

    def __init__(self, reader, ports_of, protocol_of, date_of, service_code_of):
        if _RECORD is None:
            raise TypeError("prepare() has not been called")
        self.ports = reader.ports
        self.protocols = reader.protocols
        self.dates = reader.dates
        self.ports_of = ports_of
        self.protocol_of = protocol_of
        self.date_of = date_of
        self.service_code_of = service_code_of
        self.people = reader.people
        self.references = reader.references
        self.person_by_id = reader.person_by_id
        self.reference_of = reader.reference_of

    cdef object person(self, object person_id):
        """The person with this id, from <people>; the Python reader makes one it lacks."""
        if person_id is None:
            person_id = ""
        person = self.people.get(person_id)
        if person is None:
            person = self.person_by_id(person_id)
        return person

    cdef object date(self, tree.xmlNode* node, const char* attribute, str label):
        text = _attribute(node, attribute)
        if text is _MISSING:
            return _MISSING
        found = self.dates.get(text, _MISSING)
        if found is _MISSING:
            found = _plain_date(text)
            if found is None:
                found = self.date_of(text, label)
            self.dates[text] = found
        return found

    cdef object reference(self, tree.xmlNode* node, object kind):
        text = _plain_text(node)
        data = _attribute(node, "data")
        if text is _MISSING or data is _MISSING:
            return _MISSING
        text = _stripped(text) or None
        reference = self.references.get((kind, data, text))
        if reference is None:
            reference = self.reference_of(kind, data, text)
        return reference

    cdef object assignees(self, tree.xmlNode* node):
        cdef tree.xmlNode* xref = node.children
        cdef list people = []
        while xref is not NULL:
            if _is_iana(xref, self.iana, "xref"):
                data = _attribute(xref, "data")
                if data is _MISSING:
                    return _MISSING
                people.append(self.person(data))
            xref = xref.next
        return people

    cdef object record(self, tree.xmlNode* node):
        """The ServiceRecord of one <record>, or _MISSING when the Python reader must take it."""
        cdef tree.xmlNode* child = node.children
        cdef int field
        cdef list contacts = None
        cdef list references = None
        cdef list assignees = None
        name = protocol = ports = notes = unauthorized = service_code = None
        description = ""
        while child is not NULL:
            if child.type != tree.XML_ELEMENT_NODE:
                if child.type != tree.XML_TEXT_NODE:
                    return _MISSING
                child = child.next
                continue
            if not _in_iana_ns(child, self.iana):
                child = child.next  # another namespace: ignored, as the Python reader does
                continue
            field = _field_of(<const char*>child.name)
            if field == _XREF:
                kind = _attribute(child, "type")
                if kind is _MISSING:
                    return _MISSING
                if kind == "person":
                    data = _attribute(child, "data")
                    if data is _MISSING:
                        return _MISSING
                    if contacts is None:
                        contacts = []
                    contacts.append(self.person(data))
                else:
                    reference = self.reference(child, kind)
                    if reference is _MISSING:
                        return _MISSING
                    if references is None:
                        references = []
                    references.append(reference)
            elif field == _ASSIGNEE:
                found = self.assignees(child)
                if found is _MISSING:
                    return _MISSING
                if assignees is None:
                    assignees = found
                else:
                    assignees.extend(found)
            elif field != _OTHER:
                if field == _DESCRIPTION or field == _NOTE or field == _UNAUTHORIZED:
                    text = _text_with_breaks(child, self.iana)
                else:
                    text = _plain_text(child)
                if text is _MISSING:
                    return _MISSING
                if field == _DESCRIPTION:
                    description = _stripped(text)
                elif field == _NUMBER:
                    ports = self.ports.get(text, _MISSING)
                    if ports is _MISSING:
                        ports = _single_port(text)
                        if ports is None:
                            ports = self.ports_of(text)
                        self.ports[text] = ports
                elif field == _PROTOCOL:
                    protocol = self.protocols.get(text, _MISSING)
                    if protocol is _MISSING:
                        protocol = self.protocols[text] = self.protocol_of(text)
                elif field == _NAME:
                    name = _stripped(text) or None
                elif field == _NOTE:
                    notes = _stripped(text) or None
                elif field == _UNAUTHORIZED:
                    unauthorized = _stripped(text) or None
                else:
                    service_code = self.service_code_of(text)
            # Elements IANA may add later are ignored, as the Python reader ignores them.
            child = child.next
        registered = self.date(node, "date", "date")
        modified = self.date(node, "updated", "updated")
        if registered is _MISSING or modified is _MISSING:
            return _MISSING
        contacts_tuple = () if contacts is None else tuple(contacts)
        return _RECORD.build((
            name, protocol, ports, description,
            # IANA's convention: with no <assignee> block, the listed person is both.
            tuple(assignees) if assignees else contacts_tuple,
            contacts_tuple,
            () if references is None else tuple(references),
            registered, modified, notes, unauthorized, service_code,
        ))


def read_records(_Element root not None, Walker walker not None, read_slowly):
    """Every <record> child of *root* as a ServiceRecord, in order.

    *read_slowly(index, element)* reads a record this loop leaves to Python;
    it returns None for a record lenient mode skips and raises in strict mode.
    """
    cdef tree.xmlNode* node = root._c_node.children
    cdef Py_ssize_t index = 0
    cdef list records = []
    walker.iana = root._c_node.ns
    while node is not NULL:
        if _is_iana(node, walker.iana, "record"):
            try:
                record = walker.record(node)
            except Exception:
                record = _MISSING  # the Python reader raises it again, with its location
            if record is _MISSING:
                record = read_slowly(index, cetree.elementFactory(root._doc, node))
            if record is not None:
                records.append(record)
            index += 1
        node = node.next
    return records


# --- people -----------------------------------------------------------------------


cdef object _person(tree.xmlNode* node, dict dates, object date_of):
    """The Person of one <person>, or _MISSING when the Python reader must take the section."""
    cdef tree.xmlNode* child = node.children
    cdef const char* field
    person_id = _attribute(node, "id")
    if person_id is _MISSING or not person_id:
        return _MISSING
    name = org = uri = updated_text = None
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:
            text = _plain_text(child)
            if text is _MISSING:
                return _MISSING
            if text is not None:
                # Known by local name, whatever the namespace; the last one of a kind wins.
                field = <const char*>child.name
                if strcmp(field, "uri") == 0:
                    uri = (<str>text).strip()
                elif strcmp(field, "name") == 0:
                    name = (<str>text).strip()
                elif strcmp(field, "updated") == 0:
                    updated_text = (<str>text).strip()
                elif strcmp(field, "org") == 0:
                    org = (<str>text).strip()
        elif child.type != tree.XML_TEXT_NODE:
            return _MISSING
        child = child.next
    updated = None
    if updated_text:
        updated = dates.get(updated_text)
        if updated is None:
            updated = _plain_date(updated_text)
            if updated is None:
                updated = date_of(updated_text)
            dates[updated_text] = updated
    return _PERSON.build((person_id, name or None, org or None, uri or None, updated))


def read_people(_Element root not None, date_of):
    """The <people> section as a dict by id, or None when the Python reader must take it.

    None means something unusual (a person without an id, a bad date, markup
    inside a field): the Python reader then reads the section again and
    raises with the location, or handles the markup.
    """
    cdef tree.xmlNs* iana = root._c_node.ns
    cdef tree.xmlNode* section = root._c_node.children
    cdef tree.xmlNode* node
    cdef dict people = {}
    cdef dict dates = {}
    if _PERSON is None:
        raise TypeError("prepare() has not been called")
    while section is not NULL and not _is_iana(section, iana, "people"):
        section = section.next
    if section is NULL:
        return people
    node = section.children
    try:
        while node is not NULL:
            if _is_iana(node, iana, "person"):
                person = _person(node, dates, date_of)
                if person is _MISSING:
                    return None
                people[person.id] = person
            node = node.next
    except Exception:
        return None
    return people
