"""Every email OneDoor sends: one function per email where it is needed, three templates
each (`emails/<name>-subject.txt`, `-body-text.txt`, `-body-html.html`).

Emails carry reference numbers and what to do next, never a child's name or clinical
details: email is not a secure channel.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def templated(name: str, to: str, context: Mapping[str, object]) -> EmailMultiAlternatives:
    """The email `name` to one address, rendered from its three templates."""
    values = dict(context)
    subject = render_to_string(f"emails/{name}-subject.txt", values).strip()
    text = render_to_string(f"emails/{name}-body-text.txt", values)
    html = render_to_string(f"emails/{name}-body-html.html", values)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message
