# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The parser's record loop in C: reads lxml's tree through libxml2's structs.

The pure-Python loop in parser.py spends most of its time creating an lxml
proxy object for each of the ~90,000 elements it looks at.  This module reads
the same nodes as C structs instead, and hands each value to the same
conversion functions and caches the Python loop uses.  It takes only records
whose fields are plain text (nearly all of them); any record with markup
inside a field, an element it does not expect, or a value that fails to
convert goes back to the Python reader, so errors, warnings and mixed-content
rendering have one implementation.  tests/test_treewalk.py checks that both
loops give identical registries for every real release and fixture.
"""

from cpython.object cimport PyObject_GenericSetAttr
from libc.string cimport strcmp, strlen

cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element

cetree.import_lxml__etree()

#: The lxml version whose C structures this module was compiled against.
BUILT_WITH_LXML = (<bytes>cetree.LXML_VERSION_STRING).decode("ascii")

cdef const char* _IANA_NS = b"http://www.iana.org/assignments"
cdef object _MISSING = object()
cdef object _new = object.__new__
# Field names in the order the values below are built; the oracle tests fail if they drift from model.py.
cdef tuple _RECORD_FIELDS = (
    "name", "protocol", "ports", "description", "assignees", "contacts", "references",
    "registered", "modified", "notes", "unauthorized_use", "service_code",
)
cdef tuple _SPAN_FIELDS = ("start", "end", "written")
cdef tuple _PERSON_FIELDS = ("id", "name", "org", "uri", "updated")
cdef tuple _DATE_FIELDS = ("year", "month", "day")
cdef int[13] _DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


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


cdef object _plain_date(object text, type date_type):
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
    return _new_slotted(date_type, _DATE_FIELDS, (year, month, None if length == 7 else day))


cdef object _new_slotted(type cls, tuple fields, tuple values):
    """An instance of the frozen attrs class *cls* with its slots set, as object.__setattr__ would.

    attrs' own __init__ does the same through a bound object.__setattr__ per
    field; the parser's values are already in canonical form, so skipping its
    converters changes nothing (model.py says the same of its Python twin).
    """
    instance = _new(cls)
    cdef Py_ssize_t i
    for i in range(len(fields)):
        PyObject_GenericSetAttr(instance, fields[i], values[i])
    return instance


cdef inline bint _is_iana(tree.xmlNode* node, const char* name) noexcept:
    return (
        node.ns is not NULL
        and node.ns.href is not NULL
        and strcmp(<const char*>node.ns.href, _IANA_NS) == 0
        and strcmp(<const char*>node.name, name) == 0
    )


cdef inline str _utf8(const char* text):
    return text[:strlen(text)].decode("utf-8")


cdef object _plain_text(tree.xmlNode* node):
    """The element's text when it holds nothing but text (None when empty), else _MISSING.

    This is lxml's ``.text`` for such an element: its text nodes joined.
    """
    cdef tree.xmlNode* child = node.children
    cdef list parts
    if child is NULL:
        return None
    if child.next is NULL:
        if child.type != tree.XML_TEXT_NODE and child.type != tree.XML_CDATA_SECTION_NODE:
            return _MISSING
        return _utf8(<const char*>child.content) if child.content is not NULL else ""
    parts = []
    while child is not NULL:
        if child.type != tree.XML_TEXT_NODE and child.type != tree.XML_CDATA_SECTION_NODE:
            return _MISSING
        if child.content is not NULL:
            parts.append(_utf8(<const char*>child.content))
        child = child.next
    return "".join(parts)


cdef object _attribute(tree.xmlNode* node, const char* name):
    """The value of the un-namespaced attribute *name* (None when absent), or _MISSING if not plain text."""
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


cdef class Walker:
    cdef object reader
    cdef dict ports
    cdef dict protocols
    cdef dict dates
    cdef object ports_of
    cdef object protocol_of
    cdef object date_of
    cdef object service_code_of
    cdef object person_by_id
    cdef object reference_of
    cdef type record_type
    cdef tuple record_fields
    cdef type span_type
    cdef type date_type

    def __init__(
        self, reader, ports_of, protocol_of, date_of, service_code_of,
        type record_type, type span_type, type date_type,
    ):
        self.reader = reader
        self.ports = reader.ports
        self.protocols = reader.protocols
        self.dates = reader.dates
        self.ports_of = ports_of
        self.protocol_of = protocol_of
        self.date_of = date_of
        self.service_code_of = service_code_of
        self.person_by_id = reader.person_by_id
        self.reference_of = reader.reference_of
        self.record_type = record_type
        self.record_fields = _RECORD_FIELDS
        self.span_type = span_type
        self.date_type = date_type

    cdef object port_span(self, object text):
        """The PortRange of a <number>, built here for a plain single port (most records)."""
        cdef object span
        if text is not None and len(text) <= 5 and text.isdecimal():
            port = int(text)
            if port <= 65535:
                span = _new_slotted(self.span_type, _SPAN_FIELDS, (port, port, None if text == str(port) else text))
                return span
        return self.ports_of(text)

    cdef object convert(self, dict cache, object converter, object text):
        found = cache.get(text, _MISSING)
        if found is _MISSING:
            found = converter(text)
            cache[text] = found
        return found

    cdef object date(self, tree.xmlNode* node, const char* attribute, str label):
        text = _attribute(node, attribute)
        if text is _MISSING:
            return _MISSING
        found = self.dates.get(text, _MISSING)
        if found is _MISSING:
            found = _plain_date(text, self.date_type)
            if found is None:
                found = self.date_of(text, label)
            self.dates[text] = found
        return found

    cdef object reference(self, tree.xmlNode* node, object kind):
        text = _plain_text(node)
        data = _attribute(node, "data")
        if text is _MISSING or data is _MISSING:
            return _MISSING
        return self.reference_of(kind, data, (text or "").strip() or None)

    cdef object record(self, tree.xmlNode* node):
        """The ServiceRecord of one <record>, or _MISSING when the Python reader must take it."""
        cdef tree.xmlNode* child = node.children
        cdef tree.xmlNode* xref
        cdef const char* tag
        name = None
        protocol = None
        ports = None
        description = ""
        assignees = None
        contacts = []
        references = []
        notes = None
        unauthorized = None
        service_code = None
        while child is not NULL:
            if child.type != tree.XML_ELEMENT_NODE:
                if child.type != tree.XML_TEXT_NODE:
                    return _MISSING
                child = child.next
                continue
            if child.ns is NULL or child.ns.href is NULL or strcmp(<const char*>child.ns.href, _IANA_NS) != 0:
                child = child.next  # another namespace: ignored, as the Python reader does
                continue
            tag = <const char*>child.name
            if strcmp(tag, "xref") == 0:
                kind = _attribute(child, "type")
                if kind is _MISSING:
                    return _MISSING
                if kind == "person":
                    data = _attribute(child, "data")
                    if data is _MISSING:
                        return _MISSING
                    contacts.append(self.person_by_id(data or ""))
                else:
                    reference = self.reference(child, kind)
                    if reference is _MISSING:
                        return _MISSING
                    references.append(reference)
            elif strcmp(tag, "assignee") == 0:
                if assignees is None:
                    assignees = []
                xref = child.children
                while xref is not NULL:
                    if xref.type == tree.XML_ELEMENT_NODE and _is_iana(xref, "xref"):
                        data = _attribute(xref, "data")
                        if data is _MISSING:
                            return _MISSING
                        assignees.append(self.person_by_id(data or ""))
                    xref = xref.next
            elif (text := _plain_text(child)) is _MISSING:
                return _MISSING
            elif strcmp(tag, "description") == 0:
                description = (text or "").strip()
            elif strcmp(tag, "number") == 0:
                ports = self.ports.get(text, _MISSING)
                if ports is _MISSING:
                    ports = self.ports[text] = self.port_span(text)
            elif strcmp(tag, "protocol") == 0:
                protocol = self.convert(self.protocols, self.protocol_of, text)
            elif strcmp(tag, "name") == 0:
                name = (text or "").strip() or None
            elif strcmp(tag, "note") == 0:
                notes = (text or "").strip() or None
            elif strcmp(tag, "unauthorized") == 0:
                unauthorized = (text or "").strip() or None
            elif strcmp(tag, "sc") == 0:
                service_code = self.service_code_of(text)
            child = child.next
        registered = self.date(node, "date", "date")
        modified = self.date(node, "updated", "updated")
        if registered is _MISSING or modified is _MISSING:
            return _MISSING
        contacts_tuple = tuple(contacts)
        return _new_slotted(self.record_type, self.record_fields, (
            name, protocol, ports, description,
            tuple(assignees) if assignees else contacts_tuple,
            contacts_tuple, tuple(references), registered, modified, notes, unauthorized, service_code,
        ))


def read_records(_Element root not None, Walker walker not None, read_slowly):
    """Every <record> child of *root* as a ServiceRecord, in order.

    *read_slowly(index, element)* reads a record this loop leaves to Python;
    it returns None for a record lenient mode skips and raises in strict mode.
    """
    cdef tree.xmlNode* node = root._c_node.children
    cdef Py_ssize_t index = 0
    cdef list records = []
    while node is not NULL:
        if node.type == tree.XML_ELEMENT_NODE and _is_iana(node, "record"):
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



cdef tree.xmlNode* _iana_child(tree.xmlNode* node, const char* name) noexcept:
    cdef tree.xmlNode* child = node.children
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE and _is_iana(child, name):
            return child
        child = child.next
    return NULL


cdef object _person(tree.xmlNode* node, dict dates, object date_of, type person_type, type date_type):
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
                    uri = text.strip()
                elif strcmp(field, "name") == 0:
                    name = text.strip()
                elif strcmp(field, "updated") == 0:
                    updated_text = text.strip()
                elif strcmp(field, "org") == 0:
                    org = text.strip()
        elif child.type != tree.XML_TEXT_NODE:
            return _MISSING
        child = child.next
    updated = None
    if updated_text:
        updated = dates.get(updated_text)
        if updated is None:
            updated = _plain_date(updated_text, date_type)
            if updated is None:
                updated = date_of(updated_text)
            dates[updated_text] = updated
    return _new_slotted(person_type, _PERSON_FIELDS, (person_id, name or None, org or None, uri or None, updated))


def read_people(_Element root not None, date_of, type person_type, type date_type):
    """The <people> section as a dict by id, or None when the Python reader must take it.

    None means something unusual (a person without an id, a bad date, markup
    inside a field): the Python reader then reads the section again and
    raises with the location, or handles the markup.
    """
    cdef tree.xmlNode* section = _iana_child(root._c_node, "people")
    cdef tree.xmlNode* node
    cdef dict people = {}
    cdef dict dates = {}
    if section is NULL:
        return people
    node = section.children
    try:
        while node is not NULL:
            if node.type == tree.XML_ELEMENT_NODE and _is_iana(node, "person"):
                person = _person(node, dates, date_of, person_type, date_type)
                if person is _MISSING:
                    return None
                people[person.id] = person
            node = node.next
    except Exception:
        return None
    return people
