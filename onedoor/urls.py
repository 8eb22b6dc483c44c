"""Every address in OneDoor. Each view is public, for given roles, or scoped by the access
layer; `tests/test_url_policy.py` fails when one is none of these."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.http import urlencode

from onedoor.web import errors


@login_not_required
def admin_login(request):  # type: ignore[no-untyped-def]
    """The configuration screens use the product's own sign-in (with its second factor)."""
    return redirect(f"/accounts/login/?{urlencode({'next': request.GET.get('next', '/admin/')})}")


admin.site.login = admin_login  # type: ignore[method-assign,assignment]
admin.site.site_header = "OneDoor configuration"
admin.site.site_title = "OneDoor configuration"
admin.site.index_title = "The alliance's configuration and users"

urlpatterns = [
    path("accounts/", include("onedoor.accounts.urls")),
    path("admin/", admin.site.urls),
    path("referrals/", include("onedoor.web.referral_urls")),
    path("triage/", include("onedoor.triage.urls")),
    path("care/", include("onedoor.web.care_urls")),  # the care app's, and the summary
    path("safeguarding/", include("onedoor.safeguarding.urls")),
    path("", include("onedoor.outcomes.urls")),
    path("insights/", include("onedoor.insights.urls")),
    path("refer/", include("onedoor.referrals.urls")),
    path("track/", include("onedoor.tracking.urls")),
    path("referrers/", include("onedoor.referrers.urls")),
    path("", include("onedoor.access.urls")),
    path("", include("onedoor.coproduction.urls")),
    path("governance/content/", include("onedoor.content.urls")),
    path("governance/meetings/", include("onedoor.meetings.urls")),
    path("governance/audits/", include("onedoor.case_audits.urls")),
    path("governance/subject-access/", include("onedoor.subject_access.urls")),
    path("governance/", include("onedoor.governance.urls")),
    path("integrations/clients/", include("onedoor.integrations.urls")),
    path("", include("onedoor.api.urls")),
    path("fhir/R4/", include("onedoor.fhir.urls")),
    path("", include("onedoor.web.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
