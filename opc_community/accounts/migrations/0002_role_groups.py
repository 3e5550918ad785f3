"""Create the role groups of RULEBOOK §1; their permissions follow from accounts.roles after migrate."""

from django.db import migrations

ROLE_GROUPS = ["社区组织（监督）", "招商入驻组", "资源赋能组", "日常管理组", "运营负责人", "入驻主体"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
