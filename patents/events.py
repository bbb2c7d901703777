"""The patent pool's event names (imports, screening, needs, matches, conversions).

Constants, never strings at the call site: see portal/eventbus.py.
"""

CONVERSION = "patent.conversion"
DEMO_PATENTS = "demo.patents"
EXPORT = "patent.export"
FEEDBACK = "patent.feedback"
IMPORT_APPLY = "patent.import.apply"
IMPORT_CHECK = "patent.import.check"
IMPORT_FAIL = "patent.import.fail"
MATCH_NEW = "patent.match.new"
NEED_CREATE = "patent.need.create"
PUSH = "patent.push"
SCREEN = "patent.screen"
TEMPLATE_DOWNLOAD = "patent.template.download"

# One event per kind of conversion recorded, and per kind with a term ended early
# (patents.models.Conversion.Kind): reporting recomputes the indicators each kind feeds.
CONVERSION_RECORDED = {
    kind: f"patent.conversion.{kind}"
    for kind in (
        "transfer", "licence", "open_licence", "pledge", "product_filing", "contract", "use_first"
    )
}  # fmt: skip
CONVERSION_ENDED = {
    kind: f"patent.conversion.end.{kind}"
    for kind in ("licence", "open_licence", "pledge", "use_first")
}
# Conversions created and updated by an import of a national platform's registration list.
CONVERSION_IMPORTED = {
    kind: f"patent.conversion.import.{kind}" for kind in ("pledge", "contract", "product_filing")
}
CONVERSION_IMPORT_UPDATED = {
    kind: f"patent.conversion.import.{kind}.update" for kind in CONVERSION_IMPORTED
}
CONVERSION_EVENTS = (
    *CONVERSION_RECORDED.values(),
    *CONVERSION_ENDED.values(),
    *CONVERSION_IMPORTED.values(),
    *CONVERSION_IMPORT_UPDATED.values(),
)
