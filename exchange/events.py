"""The exchange app's event names (mappings, imports and exports of files).

Constants, never strings at the call site: see portal/eventbus.py.
"""

DOWNLOAD = "exchange.download"
EXPORT = "exchange.export"
IMPORT_CHECK = "exchange.import.check"
IMPORT_FAIL = "exchange.import.fail"
MAPPING_SAVE = "exchange.mapping.save"
IMPORT_APPLY = "exchange.import.apply"
