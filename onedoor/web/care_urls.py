"""The addresses under `/care/`, namespace `care`: the care record's summary, which gathers
from apps above `care` (outcome measures, My tasks) and so lives here in the web layer, and
every address of the care app itself (`care/urls.py`: its writes, the history, handovers, the
Young Adult Support Offer, the feedback link)."""

from django.urls import path

from onedoor.care.urls import urlpatterns as care_urlpatterns
from onedoor.web import care_record

app_name = "care"
urlpatterns = [
    path("<uuid:referral_uuid>/", care_record.summary, name="record"),
    *care_urlpatterns,
]
