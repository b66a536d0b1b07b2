"""The data package is a valid Frictionless Data Package, checked by frictionless itself."""

from __future__ import annotations

from frictionless import Package, validate

from nscale_data.package.schema import PACKAGED_DATA


def test_frictionless_validates_the_package():
    report = validate(PACKAGED_DATA / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])


def test_every_field_has_a_description_and_every_table_a_key():
    package = Package(PACKAGED_DATA / "datapackage.json")
    for resource in package.resources:
        assert resource.schema.primary_key, resource.name
        for field in resource.schema.fields:
            assert field.description, f"{resource.name}.{field.name}"


def test_frictionless_rejects_what_we_reject(tmp_path):
    """A bad foreign key is caught by frictionless too: the schema says what our loader checks."""
    import shutil

    shutil.copytree(PACKAGED_DATA, tmp_path / "data")
    path = tmp_path / "data" / "claims.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("openai-2025-09-16", "nowhere-2025"), encoding="utf-8")
    report = validate(tmp_path / "data" / "datapackage.json")
    assert not report.valid
    assert "foreign-key" in {error.type for task in report.tasks for error in task.errors}
