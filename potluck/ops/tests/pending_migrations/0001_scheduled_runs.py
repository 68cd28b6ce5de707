from importlib import import_module

Migration = import_module("potluck.ops.migrations.0001_scheduled_runs").Migration
