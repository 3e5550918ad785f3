"""Demo accounts: one person per staff group and three residents (printed by ``make run``).

The administrator and oversight accounts must log in with a second factor: their authenticators
hold the published demo secret :data:`DEMO_TOTP_SECRET` (add it to any authenticator app, or run
``manage.py demo_totp_code``). A demo secret is no secret: never load demo data on a real site.
"""

from base64 import b32decode

from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from opc_community.accounts.models import User
from opc_community.accounts.roles import Role
from opc_community.core.demo import DEMO_PASSWORD, Demo

#: handle → (username, full name, role, is_staff)
ACCOUNTS = {
    "lead": ("lead", "孙运营", Role.ADMINISTRATOR, True),
    "oversight": ("oversight", "周书记", Role.OVERSIGHT, True),
    "intake": ("intake", "李招商", Role.INTAKE, True),
    "resources": ("resources", "赵赋能", Role.RESOURCES, True),
    "daily": ("daily", "钱管理", Role.DAILY, True),
    "zhangsan": ("zhangsan", "张三", Role.RESIDENT, False),
    "ouyang": ("ouyang", "欧阳娜娜", Role.RESIDENT, False),
    "lisi": ("lisi", "李四", Role.RESIDENT, False),
}

#: The demo authenticators' secret as apps take it (base32), and as django-otp stores it (hex).
DEMO_TOTP_SECRET = "OPCD EMOO PCDE MOOP CDEM OOPC DEMO OPCD"
DEMO_TOTP_KEY = b32decode(DEMO_TOTP_SECRET.replace(" ", "")).hex()
TWO_FACTOR_DEMO_ACCOUNTS = ("lead", "oversight")


def seed(demo: Demo) -> None:
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.ALL)}
    for handle, (username, full_name, role, is_staff) in ACCOUNTS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "is_staff": is_staff,
                "email": f"{username}@demo.opc-community.local",
                "phone": f"1380000{len(demo.users):04d}",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(groups[role])
        demo.users[handle] = user
    for handle in TWO_FACTOR_DEMO_ACCOUNTS:
        TOTPDevice.objects.get_or_create(
            user=demo.users[handle], defaults={"name": "demo", "key": DEMO_TOTP_KEY, "confirmed": True}
        )
