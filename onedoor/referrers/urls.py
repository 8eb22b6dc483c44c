from django.urls import path

from onedoor.referrers import views

app_name = "referrers"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/check-your-email/", views.check_email, name="check_email"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("verified/", views.verified, name="verified"),
    path("referrals/<uuid:referral_uuid>/", views.referral, name="referral"),
    path("referrals/<uuid:referral_uuid>/copy.pdf", views.referral_copy, name="referral_copy"),
]
