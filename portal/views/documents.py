"""The one download of official documents (portal/documents.py): /documents/<kind>/<pk>/.

Whoever may read the record gets its document: issued on the first request when the record's
state allows it, the stored PDF ever after (`?version=N` for an earlier version). An unknown
kind, a record the user may not read and a document the record's state does not allow yet are
all 404, and nothing is issued. Every download is an audit row; the issue is one more.
"""

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from portal import documents, events, ratelimits, uploads
from portal.models import AuditEntry
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest

MAX_VERSION = 32767  # IssuedDocument.version is a PositiveSmallIntegerField


def _version(request: AuthenticatedHttpRequest) -> int | None:
    wanted = request.GET.get("version", "").strip()
    if not wanted:
        return None
    if not wanted.isascii() or not wanted.isdigit() or not 0 < int(wanted) <= MAX_VERSION:
        raise Http404
    return int(wanted)


@login_required
@require_safe
@ratelimits.limit(ratelimits.EXPORT, method=None)
def document_download(request: AuthenticatedHttpRequest, kind: str, pk: int) -> FileResponse:
    found = documents.get(kind)
    if found is None:
        raise Http404
    record = documents.record(user=request.user, kind=found, pk=pk)
    version = _version(request)
    if version is None:
        try:
            issued = documents.issue(found, record, actor=request.user)
        except documents.NotIssuable:
            raise Http404 from None
    else:
        earlier = documents.versions(found, record).filter(version=version).first()
        if earlier is None:
            raise Http404
        issued = earlier
    details = {"document": found.code, "version": issued.version, "number": issued.number}
    data = documents.read_stored(issued)
    if data is None:
        audit_record(
            actor=request.user,
            event=events.DOCUMENT_DOWNLOAD,
            target=record,
            after=details,
            outcome=AuditEntry.Outcome.FAILURE,
            reason="The stored file is missing or does not match its SHA-256.",
        )
        raise Http404
    audit_record(actor=request.user, event=events.DOCUMENT_DOWNLOAD, target=record, after=details)
    return uploads.file_response(
        io.BytesIO(data), name=documents.filename(found, record), content_type=documents.PDF_TYPE
    )
