"""Networks made before the money side existed get their accounts and policy too."""

from django.db import migrations

# Kept here as they were when this migration was written (see potluck/ledger/accounts.py).
ACCOUNTS = {
    "general": ("fund", "General fund"),
    "donations": ("income", "Donations"),
    "aid": ("expense", "Money given"),
    "reimbursements": ("expense", "Volunteers paid back"),
    "direct-aid": ("expense", "Paid directly by donors"),
    "direct-aid-donors": ("income", "Donors paying directly"),
}


def open_ledgers(apps, schema_editor):
    Network = apps.get_model("networks", "Network")
    Account = apps.get_model("ledger", "Account")
    MoneyPolicy = apps.get_model("ledger", "MoneyPolicy")
    for network in Network.objects.all():
        policy, _ = MoneyPolicy.objects.get_or_create(network=network)
        for slug, (kind, name) in ACCOUNTS.items():
            Account.objects.get_or_create(
                network=network,
                slug=slug,
                defaults={
                    "kind": kind,
                    "name": name,
                    "unit": policy.currency,
                    "is_general": slug == "general",
                },
            )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_entries_append_only"), ("networks", "0003_matching_settings")]
    operations = [migrations.RunPython(open_ledgers, migrations.RunPython.noop)]
