from django.test import Client

from tests.personas import People, sign_in


def test_the_home_page_greets_a_signed_in_triage_lead(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    response = client.get("/")
    assert response.status_code == 200
    assert "Triage" in response.content.decode()
