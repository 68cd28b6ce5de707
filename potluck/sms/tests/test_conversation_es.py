"""The whole journey by SMS, in Spanish, through the real webhook and a Twilio-speaking server:
ask, get a reference, a volunteer takes it on, messages go both ways with numbers hidden,
LISTO closes it."""

import pytest

from potluck.needs.models import ContactMethod, Need, NeedNote
from potluck.sms.tests.helpers import ASKER, HELPER, NUMBER, Phone, phone_volunteer, sms_network

pytestmark = pytest.mark.django_db


def test_a_neighbour_asks_by_sms_in_spanish_from_start_to_finish(
    client, twilio_server, network_factory, member_factory
):
    network = sms_network(network_factory, areas=["Riverside", "Eastgate"])
    helper = phone_volunteer(member_factory, network, language="es")
    asker = Phone(client, twilio_server, ASKER)
    volunteer = Phone(client, twilio_server, HELPER)

    # Asking: "Hola" is clearly Spanish, so no language question; then what, kind, where, when.
    assert "¿Con qué necesitas ayuda?" in asker.last("Hola")
    kinds = asker.last("Necesito comida para mi familia")
    assert "¿Qué tipo de ayuda es? Responde con un número:" in kinds
    assert "1 Comestibles, 2 Comidas" in kinds  # the network's categories, named in Spanish
    assert "¿Más o menos dónde estás?" in asker.last("1")
    assert "¿Para cuándo lo necesitas?" in asker.last("riverside")
    created = asker.last("2")

    need = Need.objects.get()
    assert f"Tu solicitud es la #{need.pk}." in created
    assert "LISTO" in created
    assert (need.network, need.category, need.area, need.urgency) == (
        network,
        "groceries",
        "Riverside",
        "few_days",
    )
    assert (need.description, need.language) == ("Necesito comida para mi familia", "es")
    assert (need.contact_method, need.contact_value) == (ContactMethod.SMS, ASKER)

    # A volunteer takes it on by text.
    taken = volunteer.text(f"tomar {need.pk}")
    assert any(f"La necesidad #{need.pk} es tuya." in text for text in taken)
    need.refresh_from_db()
    assert (need.status, need.claimant) == (Need.Status.CLAIMED, helper)

    # The asker writes: it reaches the volunteer's phone, from the network's number.
    volunteer.news()
    assert asker.text("Estoy en casa después de las 5") == []
    [relayed] = volunteer.news()
    assert f"#{need.pk} de la persona que pidió ayuda: Estoy en casa después de las 5" in relayed
    assert NeedNote.objects.get(kind=NeedNote.Kind.REQUESTER).body == (
        "Estoy en casa después de las 5"
    )

    # The volunteer answers, with or without the reference: it reaches the asker.
    asker.news()
    assert volunteer.text("Voy a las 6") == []
    assert asker.news() == [f"#{need.pk} de tu persona voluntaria: Voy a las 6"]
    assert volunteer.text(f"#{need.pk} llevo pan también") == []
    assert asker.news() == [f"#{need.pk} de tu persona voluntaria: llevo pan también"]

    # Help arrived.
    # (Other texts may come too: the status updates every requester gets.)
    thanks = (
        f"¡Gracias! La solicitud #{need.pk} está cerrada. Nos alegra que la ayuda haya llegado."
    )
    assert thanks in asker.text("¡Listo!")
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED

    # Nobody ever saw the other's number, and everything came from the network's number.
    for message in twilio_server.messages:
        assert message["From"] == NUMBER
        other = HELPER if message["To"] == ASKER else ASKER
        assert other[-7:] not in message["Body"]  # not even written another way
    assert {message["To"] for message in twilio_server.messages} == {ASKER, HELPER}
