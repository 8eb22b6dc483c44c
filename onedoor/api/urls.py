from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.decorators.cache import never_cache

from onedoor.api.v1 import api

patterns, ninja_app, namespace = api.urls
# The API's own token decides who may call (`auth.ClientToken`); the sign-in pages' session
# never does, so the site-wide sign-in requirement stands aside here.
for pattern in patterns:
    view: Any = pattern.callback
    pattern.callback = login_not_required(never_cache(view))

urlpatterns = [path("api/v1/", (patterns, ninja_app, namespace))]
