"""`potluck demo`: fill a development install with two demo networks and print their logins.

Everything is made through the same services the pages use, so the demo data obeys the
same rules (claims, audit log, memberships) as real data. Running it again changes nothing.
"""

from base64 import b32decode
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from potluck.accounts.models import User
from potluck.core.models import AuditEvent
from potluck.ledger.demo import seed_money
from potluck.needs import services as need_services
from potluck.needs.models import Claim, Need
from potluck.networks import services as network_services
from potluck.networks.models import Network, Role
from potluck.networks.permissions import ELEVATED_ROLES
from potluck.volunteers import services as volunteer_services
from potluck.volunteers.models import VolunteerProfile

# Public on purpose: these accounts exist only on development installs.
DEMO_PASSWORD = "potluck-demo"  # noqa: S105
# Demo admins, coordinators and treasurers share this authenticator key (two-factor is
# required for their roles). Add it to any authenticator app, or run `oathtool --totp -b KEY`.
DEMO_TOTP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_URL = "http://127.0.0.1:8000/"


@dataclass(frozen=True)
class Person:
    key: str
    role: str
    name: str
    language: str = "en"
    phone: str | None = None

    @property
    def email(self) -> str:
        return f"{self.key}@demo.potluck.local"

    @property
    def login(self) -> str:
        return f"{self.email} or {self.phone}" if self.phone else self.email


PEOPLE = [
    Person("admin", Role.ADMIN, "Juniper"),
    Person("coordinator", Role.COORDINATOR, "Heron"),
    Person("treasurer", Role.TREASURER, "Magpie"),
    Person("volunteer1", Role.VOLUNTEER, "Wren"),
    Person("volunteer2", Role.VOLUNTEER, "Alondra", language="es"),
    Person("volunteer3", Role.VOLUNTEER, "Otter"),
    Person("member1", Role.MEMBER, "Fern"),
    Person("member2", Role.MEMBER, "Colibrí", language="es", phone="+15550100102"),
]
NEWCOMER = Person("newcomer", "asked to join", "Tern")
EASTGATE_ADMIN = Person("organiser", Role.ADMIN, "Thistle")


@dataclass(frozen=True)
class NeedSpec:
    category: str
    area: str
    urgency: str
    language: str
    text: str
    contact_method: str = "phone"
    contact_value: str = "+15550100150"
    contact_times: str = ""
    hours_ago: int = 2
    # What happens after the ask: "" (stays open), "claimed", "delivered" or "closed".
    then: str = ""
    by: str = "volunteer1"
    entered_by: str = ""
    note: str = ""
    # Make the claim run out this soon, so the triage queue shows a claim about to expire.
    claim_hours_left: int | None = None


RIVERSIDE_NEEDS = [
    NeedSpec(
        category="groceries",
        area="Riverside, near Elm & 3rd",
        urgency="today",
        language="en",
        text="Groceries for a family of four: rice, beans, vegetables and milk. No pork please.",
        contact_times="Evenings after 6",
        hours_ago=3,
    ),
    NeedSpec(
        category="meals",
        area="Eastgate",
        urgency="few_days",
        language="es",
        text="Comidas calientes para mi madre de 82 años durante dos semanas, mientras se "
        "recupera de una operación. Sin sal, por favor.",
        contact_method="sms",
        contact_value="+15550100151",
        hours_ago=20,
        then="claimed",
        by="volunteer2",
        note="Hablé con su hija: la primera comida será el martes.",
    ),
    NeedSpec(
        category="prescriptions",
        area="Old Mill, by the post office",
        urgency="today",
        language="en",
        text="Pick up a prescription from the pharmacy on Mill Road; I can't leave the house "
        "with my ankle in a cast.",
        hours_ago=30,
        then="delivered",
        by="volunteer3",
    ),
    NeedSpec(
        category="rides",
        area="Northside",
        urgency="this_week",
        language="es",
        text="Necesito que alguien me lleve a una cita médica el jueves a las 10 en la clínica "
        "de Northside, y de vuelta a casa.",
        contact_times="Por las mañanas",
        hours_ago=4 * 24,
    ),
    NeedSpec(
        category="housing",
        area="Riverside",
        urgency="few_days",
        language="en",
        text="Our landlord turned off the heating. Could someone lend us a space heater until "
        "it's fixed?",
        contact_method="email",
        contact_value="heater@example.org",
        hours_ago=6 * 24,
        then="closed",
        by="volunteer1",
    ),
    NeedSpec(
        category="childcare",
        area="Eastgate, Cedar Street",
        urgency="this_week",
        language="es",
        text="Busco a alguien que cuide a mis dos hijos (4 y 7 años) el sábado por la mañana "
        "mientras trabajo.",
        contact_method="sms",
        contact_value="+15550100152",
        hours_ago=10,
    ),
    NeedSpec(
        category="errands",
        area="Northside",
        urgency="flexible",
        language="en",
        text="Help carrying a donated sofa up to a third-floor flat, any evening this month.",
        hours_ago=5 * 24,
    ),
    NeedSpec(
        category="translation",
        area="Old Mill",
        urgency="few_days",
        language="es",
        text="Ayuda para entender una carta de la escuela de mi hijo y contestarla en inglés.",
        contact_method="email",
        contact_value="carta@example.org",
        hours_ago=26,
        then="claimed",
        by="volunteer3",
        claim_hours_left=5,
    ),
    NeedSpec(
        category="check_in",
        area="Riverside",
        urgency="flexible",
        language="en",
        text="A weekly phone call for an older neighbour who lives alone and would like a chat.",
        contact_times="Weekday afternoons",
        hours_ago=8,
        entered_by="volunteer1",
    ),
    NeedSpec(
        category="groceries",
        area="Northside",
        urgency="today",
        language="es",
        text="Pañales de la talla 4 y leche de fórmula para un bebé de 8 meses.",
        contact_method="sms",
        contact_value="+15550100153",
        hours_ago=1,
    ),
    NeedSpec(
        category="benefits",
        area="Eastgate",
        urgency="this_week",
        language="en",
        text="Help filling in a housing benefit form online; I don't have a computer.",
        hours_ago=2 * 24,
        then="claimed",
        by="volunteer1",
        note="Left a voicemail, will try again tomorrow.",
    ),
    NeedSpec(
        category="other",
        area="Old Mill",
        urgency="few_days",
        language="en",
        text="Someone handy to fix the broken lock on my front door.",
        contact_method="email",
        contact_value="lock@example.org",
        hours_ago=30,
    ),
]

EASTGATE_NEEDS = [
    NeedSpec(
        category="housing",
        area="Building B, Cedar Court",
        urgency="this_week",
        language="en",
        text="Mould in the bathroom for three months; I'd like help writing to the landlord.",
        hours_ago=12,
    ),
    NeedSpec(
        category="translation",
        area="Building A, Cedar Court",
        urgency="few_days",
        language="es",
        text="Necesito ayuda para leer el nuevo contrato de alquiler antes de firmarlo.",
        contact_method="sms",
        contact_value="+15550100154",
        hours_ago=30,
    ),
]

RIVERSIDE_OFFERS = [
    (
        "volunteer1",
        "rides",
        "Rides to appointments on weekday mornings",
        "I have a car with room for a wheelchair.",
        "Eastgate",
    ),
    (
        "member1",
        "goods",
        "Children's clothes, sizes 2 to 6",
        "Two bags, washed and sorted by size.",
        "Riverside",
    ),
    (
        "volunteer2",
        "skills",
        "Ayuda con formularios en español o inglés",
        "Help with forms in Spanish or English, in person or by phone.",
        "Old Mill",
    ),
    (
        "member2",
        "room",
        "A spare room for a night or two in an emergency",
        "Quiet flat, no pets, step-free entrance.",
        "Northside",
    ),
    (
        "volunteer3",
        "time",
        "Home-cooked Sunday dinner for two or three households",
        "Vegetarian by default; tell me about allergies.",
        "Riverside",
    ),
]


# A map point (latitude, longitude) per Riverside neighbourhood, a few km apart, so matching
# can tell near from far.
RIVERSIDE_LOCATIONS = {
    "Riverside": [51.5072, -0.1276],
    "Eastgate": [51.5120, -0.0880],
    "Old Mill": [51.4890, -0.1500],
    "Northside": [51.5340, -0.1200],
}
WEEKDAY_EVENINGS = ["mon-pm", "tue-pm", "wed-pm", "thu-pm", "fri-pm"]
WEEKENDS = ["sat-am", "sat-pm", "sun-am", "sun-pm"]
# What each Riverside volunteer (and the coordinator, who also delivers) can do.
VOLUNTEER_PROFILES: dict[str, dict[str, Any]] = {
    "volunteer1": {
        "categories": ["groceries", "rides", "benefits", "check_in", "errands"],
        "skills": ["driving", "forms"],
        "languages": ["en"],
        "areas": ["Riverside", "Eastgate", "Northside"],
        "travel": "car",
        "slots": ["mon-am", "tue-am", "wed-am", "thu-am", "fri-am"],
        "weekly_cap": 4,
    },
    "volunteer2": {
        "categories": ["meals", "translation", "childcare", "benefits", "groceries"],
        "skills": ["cooking", "interpreting"],
        "languages": ["en", "es"],
        "home_area": "Old Mill",
        "radius_km": 5,
        "travel": "bike",
        "slots": WEEKDAY_EVENINGS + WEEKENDS,
        "weekly_cap": 3,
    },
    "volunteer3": {
        "categories": ["prescriptions", "groceries", "translation", "check_in", "other"],
        "skills": ["first aid", "basic repairs"],
        "languages": ["en", "es"],
        "areas": ["Old Mill", "Riverside"],
        "travel": "foot",
        "slots": WEEKENDS,
        "weekly_cap": 2,
    },
    "coordinator": {
        "categories": ["rides", "housing", "errands", "money"],
        "languages": ["en"],
        "travel": "car",
        "weekly_cap": 2,
    },
}


class Command(BaseCommand):
    help = "Create demo networks, people, needs and offers (idempotent) and print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even without POTLUCK_DEBUG=1 (the demo password is public).",
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not (settings.DEBUG or settings.TESTING or force):
            raise CommandError(
                "The demo creates accounts with a public password. Run it on a development "
                "install (POTLUCK_DEBUG=1), or pass --force."
            )
        with transaction.atomic():
            created = [
                seed_riverside(),
                seed_eastgate(),
                seed_volunteer_profiles(),
                seed_riverside_money(),
            ]
        if any(created):
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("Demo data is already in place; nothing changed.")
        self.print_logins()

    def print_logins(self) -> None:
        logins = [("riverside", p) for p in [*PEOPLE, NEWCOMER]] + [("eastgate", EASTGATE_ADMIN)]
        rows = [("network", "role", "login", "password", "name")] + [
            (network, p.role, p.login, DEMO_PASSWORD, p.name) for network, p in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("\nDemo logins:\n")
        for number, row in enumerate(rows):
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            line = ("  " + "  ".join(cells)).rstrip()
            self.stdout.write(self.style.MIGRATE_HEADING(line) if number == 0 else line)
        self.stdout.write(f"\nOpen {DEMO_URL} and log in with any of them.")
        self.stdout.write(
            "Admins, coordinators and treasurers also need a two-factor code: add the key "
            f"{DEMO_TOTP_KEY} to an authenticator app (or run `oathtool --totp -b "
            f"{DEMO_TOTP_KEY}`).\n"
        )


def person_get_or_create(person: Person) -> User:
    """The demo account for `person`, made the first time: active and verified at once,
    since demo addresses receive no mail (signing up for real sends a link first)."""
    existing = User.objects.with_email(person.email).first()
    if existing is not None:
        return existing
    user = User.objects.create_user(
        display_name=person.name,
        password=DEMO_PASSWORD,
        email=person.email,
        phone=person.phone,
        language=person.language,
    )
    if person.role in ELEVATED_ROLES:
        key = b32decode(DEMO_TOTP_KEY).hex()
        TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)
    return user


def seed_riverside() -> bool:
    """The main demo network: every role, needs at each stage, offers. False if it exists."""
    if Network.objects.filter(slug="riverside").exists():
        return False
    people = {person.key: person_get_or_create(person) for person in PEOPLE}
    admin = people["admin"]
    network = network_services.network_create(
        creator=admin,
        name="Riverside Mutual Aid",
        slug="riverside",
        description=(
            "Neighbours helping neighbours in Riverside and around: groceries, meals, rides, "
            "a hand with forms. Solidarity, not charity. / Vecinos que se ayudan entre sí."
        ),
        area_served="Riverside, Eastgate, Old Mill and Northside",
        areas=["Riverside", "Eastgate", "Old Mill", "Northside"],
        languages=["en", "es"],
        join_policy=Network.JoinPolicy.APPROVAL,
        # For the flyer and texts (555-01xx numbers are fictional by convention).
        phone_number="+15550100100",
        sms_number="+15550100200",
        sms_keyword="RIVERSIDE",
    )
    for person in PEOPLE[1:]:
        invitation = network_services.invitation_create(network=network, by=admin, role=person.role)
        network_services.invitation_accept(invitation=invitation, user=people[person.key])
    network_services.network_join(
        network=network,
        user=person_get_or_create(NEWCOMER),
        note="I live on Elm Street and can help on weekends.",
    )
    for spec in RIVERSIDE_NEEDS:
        need_seed(network=network, spec=spec, people=people)
    seed_offers(network=network, people=people)
    return True


def need_seed(*, network: Network, spec: NeedSpec, people: dict[str, User]) -> Need:
    """One need, taken as far along the claim → deliver → close loop as `spec` says."""
    need, _token = need_services.need_create(
        network=network,
        category=spec.category,
        description=spec.text,
        area=spec.area,
        urgency=spec.urgency,
        contact_method=spec.contact_method,
        contact_value=spec.contact_value,
        contact_times=spec.contact_times,
        language=spec.language,
        entered_by=people.get(spec.entered_by),
    )
    _backdate(need, hours=spec.hours_ago)
    volunteer = people[spec.by]
    if spec.then:
        need_services.need_claim(need=need, volunteer=volunteer)
    if spec.claim_hours_left is not None:
        _shorten_claim(need, hours=spec.claim_hours_left)
    if spec.note:
        need_services.need_add_note(need=need, author=volunteer, body=spec.note)
    if spec.then in ("delivered", "closed"):
        need_services.need_mark_delivered(need=need, by=volunteer)
    if spec.then == "closed":
        need_services.need_close(need=need, by=people["coordinator"])
    return need


def _backdate(need: Need, *, hours: int) -> None:
    """Spread the demo asks over the past days so the triage queue has old and new ones."""
    created_at = timezone.now() - timedelta(hours=hours)
    Need.objects.filter(pk=need.pk).update(created_at=created_at)
    AuditEvent.objects.for_object(need).filter(verb="need.created").update(created_at=created_at)
    need.created_at = created_at


def _shorten_claim(need: Need, *, hours: int) -> None:
    expires_at = timezone.now() + timedelta(hours=hours)
    Need.objects.filter(pk=need.pk).update(claim_expires_at=expires_at)
    Claim.objects.filter(need=need, outcome=Claim.Outcome.ACTIVE).update(expires_at=expires_at)
    need.claim_expires_at = expires_at


def seed_offers(*, network: Network, people: dict[str, User]) -> None:
    offers = [
        need_services.offer_create(
            network=network,
            author=people[author],
            kind=kind,
            title=title,
            description=description,
            area=area,
        )
        for author, kind, title, description, area in RIVERSIDE_OFFERS
    ]
    match = need_services.offer_respond(
        offer=offers[0],
        responder=people["member2"],
        message="¿Podrías llevarme a la clínica de Northside el martes a las 9? Could you "
        "drive me to the Northside clinic on Tuesday at 9?",
    )
    need_services.match_message_add(
        match=match,
        author=people["volunteer1"],
        body="Yes, happy to. I'll pick you up at 8:30 at the corner of Oak and 5th.",
    )


def seed_volunteer_profiles() -> bool:
    """Riverside's map points and its volunteers' profiles, where missing (an install that had
    the demo before profiles existed gets them too). False if nothing was missing."""
    network = Network.objects.filter(slug="riverside").first()
    if network is None:
        return False
    changed = False
    if not network.area_locations:
        network.area_locations = RIVERSIDE_LOCATIONS
        network.save(update_fields=["area_locations", "updated_at"])
        changed = True
    for key, profile in VOLUNTEER_PROFILES.items():
        user = User.objects.with_email(f"{key}@demo.potluck.local").first()
        if user is None or VolunteerProfile.objects.filter(network=network, user=user).exists():
            continue
        volunteer_services.volunteer_profile_save(user=user, network=network, **profile)
        changed = True
    return changed


def seed_riverside_money() -> bool:
    """Riverside's funds, donations, a campaign, requests and a pledge, where missing."""
    network = Network.objects.filter(slug="riverside").first()
    if network is None:
        return False
    people = {person.key: person_get_or_create(person) for person in PEOPLE}
    return seed_money(network=network, people=people)


def seed_eastgate() -> bool:
    """A second, open network on the same install. False if it exists."""
    if Network.objects.filter(slug="eastgate").exists():
        return False
    organiser = person_get_or_create(EASTGATE_ADMIN)
    network = network_services.network_create(
        creator=organiser,
        name="Eastgate Tenants Union",
        slug="eastgate",
        description="Tenants of Cedar Court and the streets around it, organising together.",
        area_served="Eastgate",
        areas=["Cedar Court", "Eastgate"],
        languages=["en", "es"],
        join_policy=Network.JoinPolicy.OPEN,
        categories=["housing", "translation", "errands", "money", "other"],
        sms_number="+15550100200",  # shares Riverside's number; texts start with its word
        sms_keyword="EASTGATE",
    )
    people = {"organiser": organiser}
    for key in ("volunteer1", "member1"):
        person = next(p for p in PEOPLE if p.key == key)
        people[key] = person_get_or_create(person)
        network_services.network_join(network=network, user=people[key])
    for spec in EASTGATE_NEEDS:
        need_seed(network=network, spec=spec, people=people)
    return True
