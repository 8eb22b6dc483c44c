from django.urls import path

from onedoor.accounts import session_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("logout/", views.sign_out, name="logout"),
    path("session/", session_views.session_status, name="session_status"),
    path("stay-signed-in/", session_views.stay_signed_in, name="stay_signed_in"),
    path("drafts/", session_views.restore_drafts, name="drafts"),
    path("drafts/save/", session_views.save_draft, name="save_draft"),
    path("drafts/<uuid:draft_uuid>/discard/", session_views.discard_draft, name="discard_draft"),
]
