"""The language of every page: Simplified Chinese unless the person chose English with the switch."""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but only the language switch (its cookie) changes the language:
    a browser set to English still gets the community's Chinese pages (STYLE.md: ``zh-hans`` by
    default, English selectable), so staff, residents and the public read the same words."""

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()


def chosen_language(request: HttpRequest) -> str:
    """The language of the switch's cookie, else the site's (Simplified Chinese)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
