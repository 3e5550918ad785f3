"""Reading the workflow steps and the primary button off an admin page (templates/admin/workflow_steps.html)."""

import re

STEP = re.compile(
    r'class="opc-step opc-step--(\w+)".*?<span class="opc-step__label">(.*?)</span>', re.S
)
NEXT = re.compile(
    r'<a class="button default opc-next-action__button" href="([^"]+)">(.*?)</a>', re.S
)


def steps_on(html: str) -> list[tuple[str, str]]:
    """(label, state) of each step shown, in order."""
    return [(label, state) for state, label in STEP.findall(html)]


def next_action_on(html: str) -> tuple[str, str] | None:
    """(text, url) of the primary button, or None."""
    found = NEXT.search(html)
    return (found.group(2), found.group(1)) if found else None
