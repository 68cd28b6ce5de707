from potluck.accounts.models import User
from potluck.notifications.models import Preference


def preference_for(user: User) -> Preference:
    """The user's saved preference, or an unsaved default (reading never writes)."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)
