"""The slot-writing constructors the parser and the store's codec share."""

from __future__ import annotations

import attrs

from ianaports._canonical import canonical_person, canonical_record, canonical_span
from ianaports.model import PartialDate, Person, PortRange, Protocol, Reference, ReferenceKind, ServiceRecord


class TestCanonicalConstructors:
    def test_canonical_record_sets_every_field(self):
        """A record built by the readers' constructor equals one built by attrs, field for field."""
        person = Person(id="Jon_Postel", name="Jon Postel")
        fields = {
            "name": "discard",
            "protocol": Protocol.TCP,
            "ports": PortRange(9, 9),
            "description": "Discard",
            "assignees": (person,),
            "contacts": (person,),
            "references": (Reference(kind=ReferenceKind.RFC, data="rfc863"),),
            "registered": PartialDate(2004, 1),
            "modified": PartialDate(2017, 6, 5),
            "notes": "a note",
            "unauthorized_use": "reported",
            "service_code": 42,
        }
        assert [field.name for field in attrs.fields(ServiceRecord)] == list(fields)
        quick = canonical_record(*fields.values())
        assert attrs.asdict(quick, recurse=False) == attrs.asdict(ServiceRecord(**fields), recurse=False)

    def test_canonical_person_sets_every_field(self):
        """A person built by the readers' constructor equals one built by attrs, field for field."""
        fields = {
            "id": "T",
            "name": "Tom",
            "org": "Example",
            "uri": "mailto:t&example.com",
            "updated": None,
            "other_uris": ("mailto:tom&example.org",),
        }
        assert [field.name for field in attrs.fields(Person)] == list(fields)
        assert canonical_person(*fields.values()) == Person(**fields)

    def test_canonical_span_equals_the_validated_one(self):
        """A span built from checked bounds equals PortRange built by attrs, IANA's own text included."""
        assert canonical_span(6000, 6063, None) == PortRange(6000, 6063)
        assert attrs.asdict(canonical_span(80, 80, "080")) == attrs.asdict(PortRange(80, 80, written="080"))
