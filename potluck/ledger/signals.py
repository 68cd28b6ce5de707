"""Every network gets its ledger's accounts and money policy when it is made."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from potluck.ledger.services.books import network_ledger_open
from potluck.networks.models import Network


@receiver(post_save, sender=Network, dispatch_uid="ledger.network_ledger_open")
def _open_ledger(
    sender: Any, instance: Network, created: bool, raw: bool = False, **kw: Any
) -> None:
    if created and not raw:
        network_ledger_open(network=instance)
