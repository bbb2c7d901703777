from rest_framework import serializers

from portal.models import Organisation, Qualification, Region


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing a value the database could not even be asked about (a NUL character:
    PostgreSQL refuses it in any text parameter, which would be a 500, not "not found")."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent", "is_internal_code"]


class QualificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Qualification
        fields = ["kind", "year", "recognised_on", "valid_until", "source"]


class OrganisationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    qualifications = QualificationSerializer(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "credit_code",
            "kind",
            "region",
            "region_name",
            "status",
            "verified_at",
            "qualifications",
        ]
