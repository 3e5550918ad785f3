"""How public pages name a resident (RULEBOOK §10; residents/rules/naming.py): a table on unsaved applications."""

import pytest

from residents.models import Application, EntityType
from residents.rules.naming import public_name

COMPANY = "广州智算科技有限公司"


@pytest.mark.parametrize(
    ("entity_type", "person", "company", "consent", "shown"),
    [
        # Organisations: the registered name, consent or not (a company's name is no person's data).
        (EntityType.OPC_COMPANY, "张三", COMPANY, None, COMPANY),
        (EntityType.OPC_COMPANY, "张三", COMPANY, False, COMPANY),
        (EntityType.OPC_COMPANY, "张三", COMPANY, True, COMPANY),
        (EntityType.INSTITUTION, "欧阳娜娜", "南沙知识产权服务中心", False, "南沙知识产权服务中心"),
        (EntityType.OPC_COMPANY, "张三", "  ", None, "张*"),  # no registered name (yet): the person, masked
        # A sole trader is a natural person: its registered name only with consent.
        (EntityType.SOLE_TRADER, "张三", "南沙区张三工作室", True, "南沙区张三工作室"),
        (EntityType.SOLE_TRADER, "张三", "南沙区张三工作室", False, "张*"),
        (EntityType.SOLE_TRADER, "欧阳娜娜", "南沙区娜娜工作室", None, "欧阳**"),
        # A person: always masked, consent or not (no full personal name on a public page).
        (EntityType.INDIVIDUAL, "张三", "", True, "张*"),
        (EntityType.INDIVIDUAL, "欧阳娜娜", "", False, "欧阳**"),
        (EntityType.INDIVIDUAL, "司马相如", "", None, "司马**"),
        (EntityType.INDIVIDUAL, "王", "", None, "王*"),
    ],
)
def test_an_organisation_by_its_registered_name_a_person_masked(entity_type, person, company, consent, shown):
    application = Application(
        entity_type=entity_type, person_name=person, company_name=company, consent_public_naming=consent
    )
    assert public_name(application) == shown
