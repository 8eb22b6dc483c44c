from django.urls import path

from onedoor.integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.clients, name="clients"),
    path("new/", views.new_client, name="new"),
    path("<uuid:uuid>/", views.client, name="client"),
    path("<uuid:uuid>/issue/", views.issue, name="issue"),
    path("<uuid:uuid>/rotate/", views.rotate, name="rotate"),
    path("<uuid:uuid>/token/", views.token, name="token"),
    path("<uuid:uuid>/tokens/<uuid:token_uuid>/revoke/", views.revoke_token_view,
         name="revoke_token"),
    path("<uuid:uuid>/scopes/", views.scopes, name="scopes"),
    path("<uuid:uuid>/revoke/", views.revoke, name="revoke"),
]  # fmt: skip
