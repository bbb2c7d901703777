"""Shapes of the incentives API: input checked for shape only (types, ranges); the services
enforce the rules and compute the entitlement."""

from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from incentives.models import MONEY, Claim, ClaimFile, Payment, Policy
from portal.models import Qualification, Region
from portal.serializers import SlugRelatedField, WorkflowFieldsMixin
from portal.types import DecimalDigits


class AmountOptions(DecimalDigits):
    """Keyword arguments of a DecimalField for an amount in yuan with its least value."""

    min_value: Decimal
    help_text: str


AMOUNT: AmountOptions = {**MONEY, "min_value": Decimal("0.00"), "help_text": "Yuan, to the fen."}
POSITIVE: AmountOptions = {**MONEY, "min_value": Decimal("0.01"), "help_text": "Yuan, to the fen."}


# Policies ------------------------------------------------------------------------------------


class PolicySerializer(serializers.ModelSerializer):
    """A policy version with who may claim, its amount rule and its source."""

    region: "serializers.SlugRelatedField[Region]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    citation = serializers.CharField(read_only=True)

    class Meta:
        model = Policy
        fields = [
            "id", "code", "version", "title", "level", "region", "region_name", "document",
            "clause", "citation", "department", "description", "claimant_kinds", "qualification",
            "qualified_since", "evidence", "opens_on", "closes_on", "amount_kind", "amount",
            "amount_min", "amount_max", "rate", "base_label", "cap_per_claim", "cumulative_cap",
            "duration_months", "one_time", "source", "is_active", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RecognitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Qualification
        fields = ["id", "kind", "year", "recognised_on", "source"]
        read_only_fields = fields


class EligibilitySerializer(serializers.Serializer):
    """Whether the caller's organisation may claim under a policy, and why (or what is missing)."""

    policy = PolicySerializer(read_only=True)
    eligible = serializers.BooleanField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    missing = serializers.ListField(child=serializers.CharField(), read_only=True)
    recognitions = RecognitionSerializer(many=True, read_only=True)
    claimed = serializers.SerializerMethodField()

    def get_claimed(self, found) -> list[str]:
        return [claim.number for claim in found.claimed]


# Claims --------------------------------------------------------------------------------------


class InterestPaymentSerializer(serializers.Serializer):
    date = serializers.DateField()
    amount = serializers.DecimalField(**POSITIVE)


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "paid_on", "amount", "voucher", "recorded_at"]
        read_only_fields = fields


class ClaimFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimFile
        fields = ["id", "label", "original_name", "uploaded_at"]
        read_only_fields = fields


class ClaimSerializer(WorkflowFieldsMixin, serializers.ModelSerializer):
    policy_code = serializers.CharField(source="policy.code", read_only=True)
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    citation = serializers.CharField(source="policy.citation", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    region = serializers.CharField(source="organisation.region.code", read_only=True)
    paid_amount = serializers.DecimalField(read_only=True, **MONEY)
    payments = PaymentSerializer(many=True, read_only=True)
    files = ClaimFileSerializer(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "number", "policy", "policy_code", "policy_title", "citation", "organisation",
            "organisation_name", "region", "status", "recognition", "requested_amount",
            "base_amount", "loan_bank", "loan_contract", "loan_amount", "loan_start", "loan_end",
            "interest_payments", "description", "entitlement", "working", "approved_amount",
            "budget_year", "decision_reason", "decided_at", "submitted_at", "created_at",
            "paid_amount", "payments", "files", "history", "actions",
        ]  # fmt: skip
        read_only_fields = fields


class ClaimInputSerializer(serializers.Serializer):
    """The claimant's figures; which of them a policy needs is the entitlement's business."""

    recognition = serializers.PrimaryKeyRelatedField(
        queryset=Qualification.objects.none(), required=False, allow_null=True,
        help_text="One of the organisation's recognitions (GET /eligibility/ lists them).",
    )  # fmt: skip
    requested_amount = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    base_amount = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    loan_bank = serializers.CharField(required=False, allow_blank=True, max_length=100)
    loan_contract = serializers.CharField(required=False, allow_blank=True, max_length=60)
    loan_amount = serializers.DecimalField(required=False, allow_null=True, **AMOUNT)
    loan_start = serializers.DateField(required=False, allow_null=True)
    loan_end = serializers.DateField(required=False, allow_null=True)
    interest_payments = InterestPaymentSerializer(many=True, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the caller's own recognitions exist for it: another's is "not found", not shown.
        if organisation is not None:
            self.fields["recognition"].queryset = organisation.qualifications.all()

    def validate_interest_payments(self, rows: list[dict]) -> list[dict]:
        # A partial update (PATCH) does not make a payment's own fields optional: DRF would let
        # a row without them through.
        if any("date" not in row or "amount" not in row for row in rows):
            raise serializers.ValidationError(
                _("Each interest payment needs a date and an amount.")
            )
        return rows

    def data_for_service(self) -> dict:
        data = dict(self.validated_data)
        if "interest_payments" in data:
            data["interest_payments"] = [
                {"date": row["date"].isoformat(), "amount": str(row["amount"])}
                for row in data["interest_payments"]
            ]
        return data


class ClaimCreateSerializer(ClaimInputSerializer):
    policy = serializers.PrimaryKeyRelatedField(
        queryset=Policy.objects.none(), help_text="The current version of a policy."
    )

    def __init__(self, *args, policies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policies is not None:
            self.fields["policy"].queryset = policies


class ClaimApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**POSITIVE)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ClaimReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ClaimPaySerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(**POSITIVE)
    voucher = serializers.CharField(max_length=60)


class ClaimAttachSerializer(serializers.Serializer):
    # Declared fields named like attributes of DRF's Field (label, source) or Serializer (errors)
    # are taken out of the class by the serializer metaclass: the stubs' clash is not real.
    label = serializers.CharField(max_length=100, help_text="The evidence it is, as the policy "  # type: ignore[assignment]
                                  "names it (e.g. 认定文件).")  # fmt: skip
    file = serializers.FileField()


class LineSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field
    amount = serializers.DecimalField(**MONEY)


class EntitlementSerializer(serializers.Serializer):
    """The computation, line by line citing the clause; `amount` is null while `errors` say what
    is missing."""

    amount = serializers.DecimalField(allow_null=True, **MONEY)
    lines = LineSerializer(many=True)
    errors = serializers.DictField(child=serializers.CharField())  # type: ignore[assignment]


# Budgets -------------------------------------------------------------------------------------


class BudgetSerializer(serializers.Serializer):
    """A budget with what is committed (approved, not paid), paid and remaining."""

    id = serializers.IntegerField(source="budget.pk", read_only=True)
    policy_code = serializers.CharField(source="budget.policy_code", read_only=True)
    year = serializers.IntegerField(source="budget.year", read_only=True)
    region = serializers.CharField(source="budget.region.code", read_only=True)
    region_name = serializers.CharField(source="budget.region.name", read_only=True)
    allocated = serializers.DecimalField(source="budget.allocated", read_only=True, **MONEY)
    source = serializers.CharField(source="budget.source", read_only=True)  # type: ignore[assignment]
    committed = serializers.DecimalField(read_only=True, **MONEY)
    paid = serializers.DecimalField(read_only=True, **MONEY)
    remaining = serializers.DecimalField(read_only=True, **MONEY)


class BudgetInputSerializer(serializers.Serializer):
    policy_code = serializers.SlugField(max_length=40, help_text="A policy's code.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    region = SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(),
        help_text="The province (610000), or the city of a city policy.",
    )  # fmt: skip
    allocated = serializers.DecimalField(**AMOUNT)
    source = serializers.CharField(  # type: ignore[assignment]  # a declared field
        required=False, allow_blank=True, default="", max_length=200
    )

    def validate_policy_code(self, value: str) -> str:
        if not Policy.objects.filter(code=value).exists():
            raise serializers.ValidationError(
                _("No policy has the code “%(code)s”.") % {"code": value}
            )
        return value


class BudgetChangeSerializer(serializers.Serializer):
    allocated = serializers.DecimalField(**AMOUNT)
    source = serializers.CharField(  # type: ignore[assignment]  # a declared field
        required=False, allow_blank=True, default="", max_length=200
    )
