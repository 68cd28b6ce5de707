from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_scheduled_runs")]
    operations: list[migrations.operations.base.Operation] = []
