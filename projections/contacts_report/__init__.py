"""The contacts report read model."""

from projections.contacts_report.projector import ContactsReport

__all__ = ["ContactsReport"]
