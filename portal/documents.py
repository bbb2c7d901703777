"""Official documents (公文) as A4 PDF: the declaration a unit stamps and uploads, the bureau's
approval notice and acceptance opinion, a claim's decision, a statistics return as reported.

Layout after GB/T 9704-2012 (党政机关公文格式), in templates/documents/base.html: A4, margins
37 mm top and 28 mm left around a 156 × 225 mm type area, the title in 2号 (22 pt) bold serif
centred, the body in 3号 (16 pt) at 22 lines of 28 characters, the issuing authority and the
date (2025年7月15日) at the bottom right under the place of the seal, the page number "— 1 —"
in 4号 on the outer side. The content is always Chinese, whatever language the reader uses.

Why WeasyPrint: it lays out HTML and CSS in pure Python on Pango (Debian's libpango), with the
CSS Paged Media the format needs (@page size, margins, margin boxes, page counters, left and
right pages), and embeds the fonts it uses as subsets, so the PDF reads the same on every
machine. No browser process runs on the server (a headless Chromium would be a second,
heavier program to run, sandbox and keep patched), and the templates are the same Django
templates as the pages. It is maintained by CourtBouillon and released several times a year.
Nothing is fetched while rendering: the fetcher refuses every URL but data: (no http(s), no
file:), and the fonts come from the system (fonts-noto-cjk) by family name.

Adding a document is a template and a line of data: a `DocumentKind` in the `KINDS` list of the
app's `documents.py`. `portal` imports none of the apps (STYLE.md), so each app declares the
documents of its records and the registry finds them as Django's admin finds admin.py: the
`documents` module of every installed app is imported the first time the registry is read.

Issuing (`issue`): the first request for a record's document, by anyone who may read the
record, renders it once (if the record's state allows: `may_issue`) and stores the PDF with its
SHA-256, a number where the kind has one (陕知转〔2025〕12号), the time and the user. Every
later request serves the stored file: the same bytes, the same hash. An issued document never
changes; `correct` issues the next version with its reason and keeps the earlier ones. Kinds
that follow a record still being edited (`follows_record`: a declaration before submission, a
return sent back and resubmitted) are issued again, as the next version, when what they show
has changed. Issuing and every download are audit rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from portal import events, formats, permissions
from portal.models import IssuedDocument, User
from portal.serials import next_serial
from portal.services import audit_record

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

# Documents are Chinese, whatever language the reader has chosen.
CHINESE = "zh-hans"
PDF_TYPE = "application/pdf"
STYLESHEET = "documents/gbt9704.css"
# Why a document following its record was issued again (document content: Chinese only).
CHANGED = "原记录内容已变更，据此重新生成"
# Characters a file name cannot carry on Windows, or that would cut it short in a header.
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
BIGGEST_ID = 2**63 - 1


@dataclass(frozen=True)
class DocumentKind:
    """One kind of official document. `context` builds, from the record, every word and figure
    the template shows (formatted through portal/formats.py, in Chinese); it is hashed to tell
    whether the record changed since the document was issued."""

    code: str  # in the URL: documents/<code>/<pk>/
    title: str  # the document's own title (Chinese): 立项通知书
    label: str | Promise  # the link on the record's page (translated)
    model: str  # the record's model, "app_label.Model"
    template: str  # extends documents/base.html
    context: Callable[[Any], dict[str, Any]]
    may_issue: Callable[[Any], bool]  # the record's state allows a first issue
    filename: Callable[[Any], str]  # the downloaded file's name, e.g. "申报书-<title>.pdf"
    read_permission: str  # who may read the record may download its documents
    correct_permission: str  # who may issue a corrected version
    related: tuple[str, ...] = ()  # select_related when loading the record
    numbered: bool = False  # a document number of the issuing authority (发文字号)
    follows_record: bool = False  # issued again when what it shows has changed
    order: int = 100  # position among the record's documents


class NotIssuable(Exception):
    """The record's state does not allow the document (yet)."""


# The registry --------------------------------------------------------------------------------

_KINDS: dict[str, DocumentKind] = {}
_discovered = threading.Event()
_discovering = threading.Lock()


def register(*kinds: DocumentKind) -> None:
    """Called by each app's documents.py with its KINDS."""
    for kind in kinds:
        if kind.code in _KINDS and _KINDS[kind.code] is not kind:
            raise ValueError(f"Document kind {kind.code!r} is registered twice.")
        _KINDS[kind.code] = kind


def kinds() -> dict[str, DocumentKind]:
    """Every kind, by code (the apps' documents.py imported on the first call)."""
    if not _discovered.is_set():
        with _discovering:
            if not _discovered.is_set():
                autodiscover_modules("documents")
                _discovered.set()
    return _KINDS


def get(code: str) -> DocumentKind | None:
    return kinds().get(code)


def kinds_of(obj: Model) -> list[DocumentKind]:
    label = obj._meta.label
    return sorted(
        (kind for kind in kinds().values() if kind.model == label),
        key=lambda kind: (kind.order, kind.code),
    )


def record(*, user: User, kind: DocumentKind, pk: int) -> Model:
    """The record `pk` of the kind's model, if `user` may read it; 404 otherwise (whether it
    exists or not)."""
    if not 0 < pk <= BIGGEST_ID:
        raise Http404
    model = apps.get_model(kind.model)
    found = model._default_manager.select_related(*kind.related).filter(pk=pk).first()
    if found is None or not permissions.can_see(user, kind.read_permission, found):
        raise Http404
    return found


def filename(kind: DocumentKind, obj: Model) -> str:
    """The kind's file name for `obj`, with nothing a file system or a header would choke on."""
    stem = kind.filename(obj).removesuffix(".pdf")
    stem = UNSAFE_NAME.sub("-", stem).strip(" .-")
    return f"{stem or kind.title}.pdf"


def versions(kind: DocumentKind, obj: Model) -> QuerySet[IssuedDocument]:
    return IssuedDocument.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        kind=kind.code,
    ).order_by("version")


def links(obj: Model) -> list[dict[str, Any]]:
    """The documents of a record for its page: those its state allows and those issued before,
    each with its latest issued version (one query)."""
    found = kinds_of(obj)
    if not found:
        return []
    latest: dict[str, IssuedDocument] = {}
    for doc in IssuedDocument.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).order_by("kind", "version"):
        latest[doc.kind] = doc
    return [
        {
            "code": kind.code,
            "label": kind.label,
            "url": reverse("portal:document", args=[kind.code, obj.pk]),
            "issued": latest.get(kind.code),
        }
        for kind in found
        if kind.code in latest or kind.may_issue(obj)
    ]


# Rendering -----------------------------------------------------------------------------------


def content(kind: DocumentKind, obj: Model) -> tuple[dict[str, Any], str]:
    """What the document shows (in Chinese) and its fingerprint: SHA-256 of it as JSON."""
    with translation.override(CHINESE):
        shown = kind.context(obj)
        canonical = json.dumps(shown, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return shown, hashlib.sha256(canonical.encode()).hexdigest()


def render_html(
    kind: DocumentKind,
    shown: dict[str, Any],
    *,
    number: str = "",
    issued_at: datetime | None = None,
    version: int = 1,
    reason: str = "",
) -> str:
    issued_at = issued_at or timezone.now()
    with translation.override(CHINESE):
        return render_to_string(
            kind.template,
            {
                **shown,
                "document": {
                    "title": kind.title,
                    "number": number,
                    "issued_on": formats.day(issued_at),
                    "authority": settings.DOCUMENT_AUTHORITY,
                    "version": version,
                    "reason": reason,
                },
            },
        )


def url_fetcher() -> URLFetcher:
    """A fetcher that loads nothing from outside: no http(s), no file: (data: URIs only)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def pdf_from_html(html: str) -> bytes:
    """The PDF of a document's HTML, styled by documents/gbt9704.css (a stylesheet given to
    WeasyPrint rather than a <style> element: no template holds one, tests/test_csp.py)."""
    # Imported here: WeasyPrint loads Pango through cffi, which only document requests need.
    from weasyprint import CSS, HTML

    fetcher = url_fetcher()
    stylesheet = CSS(string=render_to_string(STYLESHEET), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


def render_pdf(kind: DocumentKind, obj: Model) -> bytes:
    """The document of `obj` as it would be issued now (not stored)."""
    shown, _fingerprint = content(kind, obj)
    return pdf_from_html(render_html(kind, shown))


# Issuing -------------------------------------------------------------------------------------


def _lock(obj: Model) -> None:
    """Hold the record's row, so two first requests at once issue one document."""
    list(type(obj)._default_manager.select_for_update().filter(pk=obj.pk).values_list("pk"))


def _next_number(year: int) -> str:
    """陕知转〔2025〕12号: the authority's yearly series, shared by its numbered documents."""
    prefix = f"{settings.DOCUMENT_NUMBER_CODE}〔{year}〕"

    def issued() -> int:
        numbers = IssuedDocument.objects.filter(number__startswith=prefix).values_list(
            "number", flat=True
        )
        serials = (number.removeprefix(prefix).removesuffix("号") for number in numbers)
        return max((int(serial) for serial in serials if serial.isdigit()), default=0)

    return f"{prefix}{next_serial(f'documents:{prefix}', issued=issued)}号"


def _store(
    kind: DocumentKind,
    obj: Model,
    *,
    actor: User | None,
    shown: dict[str, Any],
    fingerprint: str,
    version: int,
    number: str | None,
    reason: str,
    event: str,
) -> IssuedDocument:
    now = timezone.now()
    if number is None:
        number = _next_number(timezone.localtime(now).year) if kind.numbered else ""
    pdf = pdf_from_html(
        render_html(kind, shown, number=number, issued_at=now, version=version, reason=reason)
    )
    document = IssuedDocument(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        kind=kind.code,
        version=version,
        title=kind.title,
        number=number,
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        content_sha256=fingerprint,
        reason=reason,
        issued_at=now,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
    )
    document.file.save(f"{kind.code}.pdf", ContentFile(pdf), save=False)
    try:
        document.save()
        audit_record(
            actor=actor,
            event=event,
            target=obj,
            reason=reason,
            after={
                "document": kind.code,
                "version": version,
                "number": number,
                "sha256": document.sha256,
            },
        )
    except BaseException:
        document.file.delete(save=False)  # nothing was issued: leave no file behind
        raise
    return document


def issue(kind: DocumentKind, obj: Model, *, actor: User | None) -> IssuedDocument:
    """The document of `obj`: the one issued before, else rendered and stored now.

    Raises NotIssuable when nothing was issued and the record's state does not allow it."""
    with transaction.atomic():
        _lock(obj)
        latest = versions(kind, obj).last()
        if latest is not None and not kind.follows_record:
            return latest
        shown, fingerprint = content(kind, obj)
        if latest is not None and latest.content_sha256 == fingerprint:
            return latest
        if not kind.may_issue(obj):
            if latest is not None:
                return latest  # what was issued stays readable
            raise NotIssuable(kind.code)
        return _store(
            kind,
            obj,
            actor=actor,
            shown=shown,
            fingerprint=fingerprint,
            version=latest.version + 1 if latest else 1,
            number=latest.number if latest else None,
            reason="" if latest is None else CHANGED,
            event=events.DOCUMENT_ISSUE,
        )


def correct(kind: DocumentKind, obj: Model, *, actor: User, reason: str) -> IssuedDocument:
    """Issue the next version of an issued document, from the record as it is now, with the
    reason; it keeps the document's number, and the earlier versions stay readable."""
    permissions.require(actor, kind.correct_permission, obj)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the document is corrected.")})
    with transaction.atomic():
        _lock(obj)
        latest = versions(kind, obj).last()
        if latest is None:
            raise ValidationError(_("The document has not been issued yet: nothing to correct."))
        shown, fingerprint = content(kind, obj)
        return _store(
            kind,
            obj,
            actor=actor,
            shown=shown,
            fingerprint=fingerprint,
            version=latest.version + 1,
            number=latest.number,
            reason=reason,
            event=events.DOCUMENT_CORRECT,
        )


def read_stored(document: IssuedDocument) -> bytes | None:
    """The stored PDF, or None when its file is missing or no longer matches its SHA-256."""
    try:
        with document.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError, OSError):
        logger.error("Issued document %s: its file %s is missing.", document.pk, document.file)
        return None
    if hashlib.sha256(data).hexdigest() != document.sha256:
        logger.error("Issued document %s: its file does not match its SHA-256.", document.pk)
        return None
    return data


# Words the documents need beyond portal/formats.py ---------------------------------------------

DIGITS = "零壹贰叁肆伍陆柒捌玖"
GROUP_UNITS = ("", "万", "亿", "万亿")


def _group(value: int) -> str:
    """0 < value < 10000 in capitals: 1001 → 壹仟零壹."""
    text, zero = "", False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = value // 10**power % 10
        if digit == 0:
            zero = bool(text)
        else:
            text += ("零" if zero else "") + DIGITS[digit] + unit
            zero = False
    return text


def capitals(yuan: Any) -> str:
    """An amount in yuan in Chinese capitals (大写), as payment documents write it beside the
    figures: 500000 → 伍拾万元整; 1234567.89 → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分."""
    try:
        amount = Decimal(str(yuan))
    except ArithmeticError:
        return formats.MISSING
    if yuan is None or yuan == "" or not amount.is_finite() or amount < 0:
        return formats.MISSING
    fen_total = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    whole, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    groups = []
    while whole:
        whole, group = divmod(whole, 10_000)
        groups.append(group)
    if len(groups) > len(GROUP_UNITS):
        return formats.MISSING
    text, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _group(group) + GROUP_UNITS[index]
        gap = False
    if text:
        text += "元"
    if not jiao and not fen:
        return (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:
        text += "零"
    return text + (DIGITS[fen] + "分" if fen else "整")
