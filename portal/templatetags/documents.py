"""{% document_links record as links %}: the official documents of a record for its page
(templates/documents/includes/links.html)."""

from typing import Any

from django import template
from django.db.models import Model

from portal import documents

register = template.Library()


@register.simple_tag
def document_links(record: Model) -> list[dict[str, Any]]:
    return documents.links(record)
