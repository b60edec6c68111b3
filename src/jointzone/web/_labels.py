"""What each field of an act is called on a page, as catalogue messages.

One table for every act type: a field keeps its meaning across acts (``valid_to`` is when
something stops holding, wherever it appears), so it keeps its label. A field added to an act
model without a label here is shown by its name, and a test fails until it has one.
"""

from __future__ import annotations

from jointzone.web._i18n import Language


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name, which Babel's extractor knows
    """Mark ``message`` for the catalogue; it is translated where it is shown."""
    return message


LABELS: dict[str, str] = {
    "categories": N_("Categories"),
    "category": N_("Category"),
    "certificate": N_("Certificate"),
    "certificates": N_("Certificates"),
    "clock": N_("Clock"),
    "concerns": N_("Concerns"),
    "compromised": N_("Compromised"),
    "conditions": N_("Conditions"),
    "crossing_point": N_("Crossing point"),
    "decision": N_("Decision"),
    "description": N_("Description"),
    "direction": N_("Direction"),
    "display_name": N_("Display name"),
    "enterprise": N_("Enterprise"),
    "enterprises": N_("Enterprises"),
    "incident": N_("Incident"),
    "indicators": N_("Indicators"),
    "key_id": N_("Key id"),
    "manifest": N_("Manifest"),
    "meeting_date": N_("Meeting date"),
    "minutes": N_("Minutes"),
    "movement": N_("Movement"),
    "names": N_("Names"),
    "notes": N_("Notes"),
    "occurred_at": N_("Occurred at"),
    "official": N_("Official"),
    "participant": N_("Participant"),
    "participants": N_("Participants"),
    "parties": N_("Parties"),
    "party": N_("Party"),
    "period": N_("Period"),
    "place": N_("Place"),
    "places": N_("Places"),
    "project": N_("Project"),
    "public_key": N_("Public key"),
    "purpose": N_("Purpose"),
    "reason": N_("Reason"),
    "regime": N_("Regime"),
    "registered_address": N_("Registered address"),
    "report": N_("Report"),
    "reported_by": N_("Reported by"),
    "resolution": N_("Resolution"),
    "retire": N_("Retire"),
    "roles": N_("Roles"),
    "sites": N_("Sites"),
    "subject": N_("Subject"),
    "text": N_("Text"),
    "time": N_("Time"),
    "title": N_("Title"),
    "valid_from": N_("Valid from"),
    "valid_to": N_("Valid to"),
    "vessel": N_("Vessel"),
    # Nested fields: a site's point, a period's ends, a party's keys in a regime's adoption.
    "id": N_("Id"),
    "root_keys": N_("Root keys"),
    "threshold": N_("Threshold"),
    "node_verifier": N_("Node key"),
    "point": N_("Point"),
    "start": N_("Start"),
    "end": N_("End"),
    "from": N_("From"),
    "to": N_("To"),
}


def label(field: str, lang: Language) -> str:
    """``field``'s label in ``lang``; its name where it has none."""
    message = LABELS.get(field)
    return field if message is None else lang.gettext(message)
