"""Subsidy and reward policies as rules, claims, budgets and payments.

Models arrive with the issue that builds this app; the app is wired now so that its URLs,
admin and tests have a place from the start.
"""
