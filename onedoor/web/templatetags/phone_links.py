"""Phone numbers as links a phone can follow: `{% load phone_links %}{% phone_link "0800 1111"
"Childline" %}` is `<a href="tel:08001111" aria-label="Call Childline on 0800 1111">0800
1111</a>`; a text-only number ("85258 (text)") is an `sms:` link, "Text Shout on 85258",
with "(text)" after it. The accessible name holds the visible number (WCAG 2.5.3) and says
what the link does. Something that is not a number is shown as it is.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from onedoor.alliance import contacts

register = template.Library()


@register.simple_tag
def phone_link(phone: str, name: str = "") -> SafeString:
    href = contacts.href(phone)
    if not href:
        return format_html("{}", phone)
    number = contacts.dialled(phone)
    verb = "Text" if contacts.is_text_only(phone) else "Call"
    label = f"{verb} {name} on {number}" if name else f"{verb} {number}"
    link = format_html('<a href="{}" aria-label="{}">{}</a>', href, label, number)
    return format_html("{} (text)", link) if contacts.is_text_only(phone) else link
