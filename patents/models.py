"""The stock-patent pool of universities and institutes, matching, feedback and conversions.

Models arrive with the issue that builds this app; the app is wired now so that its URLs,
admin and tests have a place from the start.
"""
