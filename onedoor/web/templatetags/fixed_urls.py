"""`{% fixed_url 'name' %}`: `{% url 'name' %}` for the links every page carries, reversed once
a process (`onedoor.fixed_urls`)."""

from __future__ import annotations

from django import template

from onedoor.fixed_urls import fixed_url as _fixed_url

register = template.Library()


@register.simple_tag
def fixed_url(name: str) -> str:
    return _fixed_url(name)
