"""Exchanges with national and provincial platforms, as files (none is reachable from here).

A `Mapping` says how one file layout maps onto one target of the portal (a qualification list,
pledge registrations, a stock-patent registration batch, …): for each column, its header in the
file, the portal field, the type, whether it is required, allowed values and a transformation
(万元 → yuan, an old region code → the new one). Mappings are versioned: a change makes the next
version; every run records the version it used. The same mapping reads imports and writes
exports, so an export imports back to the same records.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Mapping(models.Model):
    class Direction(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    target = models.CharField(_("target"), max_length=40)
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_('Fixed values for every row, e.g. {"kind": "little_giant"}.'),
    )
    columns = models.JSONField(_("columns"), default=list)
    sheet = models.CharField(_("sheet"), max_length=60, blank=True)
    header_row = models.PositiveSmallIntegerField(
        _("header row"), default=0, help_text=_("0: found by its headers.")
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["direction", "code", "-version"]
        verbose_name = _("mapping")
        verbose_name_plural = _("mappings")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="mapping_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Run(models.Model):
    """One import (checked, then applied) or one export, with the mapping version it used."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, awaiting confirmation")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed, nothing stored")

    mapping = models.ForeignKey(
        Mapping, verbose_name=_("mapping"), on_delete=models.PROTECT, related_name="runs"
    )
    file = models.FileField(_("file"), upload_to="exchange/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.CHECKED
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    failure = models.TextField(_("why it failed"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("exchange run")
        verbose_name_plural = _("exchange runs")

    def __str__(self) -> str:
        # No date: the history and the audit log give the moment, in the reader's language.
        return " · ".join(filter(None, [self.mapping.name, self.original_name]))
