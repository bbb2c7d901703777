"""The incentives app's event names (claims and their life cycle, budgets).

Constants, never strings at the call site: see portal/eventbus.py.
"""

BUDGET_SET = "incentive.budget.set"
CLAIM_APPROVE = "incentive.claim.approve"
CLAIM_ATTACH = "incentive.claim.attach"
CLAIM_CREATE = "incentive.claim.create"
CLAIM_DECISION = "incentive.claim.decision"
CLAIM_DOWNLOAD = "incentive.claim.download"
CLAIM_PAID = "incentive.claim.paid"
CLAIM_PAY = "incentive.claim.pay"
CLAIM_REJECT = "incentive.claim.reject"
CLAIM_RETURN = "incentive.claim.return"
CLAIM_SUBMIT = "incentive.claim.submit"
CLAIM_UPDATE = "incentive.claim.update"
DEMO_INCENTIVES = "demo.incentives"
EXPORT = "incentive.export"
