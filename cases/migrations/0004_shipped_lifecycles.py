from django.db import migrations


def install(apps, schema_editor):
    from cases.lifecycles import LIFECYCLES, lifecycle_install

    for code in LIFECYCLES:
        lifecycle_install(code, apps)
    CaseType = apps.get_model("cases", "CaseType")
    Lifecycle = apps.get_model("cases", "Lifecycle")
    CaseType.objects.filter(code="onboarding", lifecycle__isnull=True).update(
        lifecycle=Lifecycle.objects.get(code="onboarding")
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_lifecycle_timeline")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
