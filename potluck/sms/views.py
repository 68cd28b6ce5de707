"""Twilio's webhook: each text sent to one of Potluck's numbers arrives here."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from potluck.sms import services

# Answers go through the outbox (retried, recorded), so Twilio is told to send nothing itself.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def signature_is_valid(request: HttpRequest) -> bool:
    """Whether Twilio signed this request with our auth token. Twilio signs the URL it called,
    so the public address (settings.SITE_URL) plus the path must be exactly that URL."""
    token = settings.POTLUCK_TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return bool(RequestValidator(token).validate(url, request.POST.dict(), signature))


# No session, no CSRF token: Twilio's signature is what authenticates the call.
@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not signature_is_valid(request):
        return HttpResponseForbidden()
    fields = request.POST
    sid, sender, to = fields.get("MessageSid", ""), fields.get("From", ""), fields.get("To", "")
    if not (sid and sender and to) or len(sid) > 64:
        return HttpResponseBadRequest()
    services.sms_receive(
        sid=sid,
        sender=sender,
        to=to,
        body=fields.get("Body", ""),
        # Twilio's Advanced Opt-Out answered STOP, START or HELP itself (docs/sms.md).
        carrier_answered=bool(fields.get("OptOutType")),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
