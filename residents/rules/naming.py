"""How public pages name a resident (RULEBOOK §10, privacy decision; PIPL Art. 25).

The one rule, used by every publication (penalties, rewards, quarterly results):

* an organisation — a registered one-person company or a service institution — is shown by
  its registered name: a company's name is not a natural person's data, and RULEBOOK §10
  names companies;
* a sole trader (个体工商户) is a natural person in law (民法典第五十四条), and its registered
  name is often the owner's own: it is shown only with the resident's consent to be named on
  the notice board (``consent_public_naming``), otherwise masked like a person;
* a person is always shown masked, surname + "*" (张*, 欧阳**): no consent unmasks a full
  personal name on a public page.

Pure: reads the application's fields only (no query once the application is loaded).
"""

from opc_community.core.masking import mask_person_name
from residents.models.intake import Application, EntityType


def public_name(application: Application) -> str:
    """The name a public page shows for the resident of ``application`` (see the module docstring)."""
    registered = (application.company_name or "").strip()
    if registered and application.entity_type in (EntityType.OPC_COMPANY, EntityType.INSTITUTION):
        return registered
    if registered and application.entity_type == EntityType.SOLE_TRADER and application.consent_public_naming:
        return registered
    return mask_person_name(application.person_name)
