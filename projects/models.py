"""Project declaration, review, expert scoring, approval, execution and acceptance
(the six 2023 categories).

Models arrive with the issue that builds this app; the app is wired now so that its URLs,
admin and tests have a place from the start.
"""
