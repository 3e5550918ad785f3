"""factory_boy factories shared by every test folder."""

from io import BytesIO
from typing import Any

import factory
from django.contrib.auth.models import Group

from opc_community.accounts.models import User

TEST_PASSWORD = "correct-horse-battery-staple"


def image_bytes(kind: str = "png", *, size: tuple[int, int] = (8, 8), **save_options: Any) -> bytes:
    """A small, valid JPEG or PNG: uploads are decoded and re-encoded without metadata, so test
    pictures must be real ones (``save_options`` such as ``exif=`` add what a phone would)."""
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, (66, 133, 244)).save(buffer, "JPEG" if kind == "jpeg" else "PNG", **save_options)
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: tuple[str, ...] | None, **kwargs: object) -> None:
        """``UserFactory(roles=[Role.INTAKE])`` puts the user in those role groups."""
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()
