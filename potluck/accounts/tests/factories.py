from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from potluck.accounts.models import User

PASSWORD = "correct horse battery"


@cache
def _default_password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once, not once per user.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    display_name = factory.Sequence(lambda n: f"Neighbour {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        if extracted:
            obj.set_password(extracted)
        else:
            obj.password = _default_password_hash()
        if create:
            obj.save(update_fields=["password"])
