import pytest

from operators.tests.fake_graph import FakeGraph, fake_graph_serve

PHONE_NUMBER_ID = "106540352242999"
WORKING_TOKEN = "tok-works-7Hq2mZ4pL9xV3cB8nR1s"
EXPIRED_TOKEN = "tok-expired-Kd93Jf02LmQp7Zx1Wv5u"


@pytest.fixture
def fake_graph(settings):
    """The Graph API on a local port: WORKING_TOKEN reads PHONE_NUMBER_ID, EXPIRED_TOKEN gets code 190."""
    graph = FakeGraph(
        numbers={PHONE_NUMBER_ID: {"display_phone_number": "+39 333 111 2222", "verified_name": "Trattoria da Mario",
                                   "quality_rating": "GREEN"}},
        tokens={WORKING_TOKEN: {PHONE_NUMBER_ID}, EXPIRED_TOKEN: {PHONE_NUMBER_ID}},
        expired_tokens={EXPIRED_TOKEN},
    )
    server = fake_graph_serve(graph)
    settings.GRAPH_API_BASE = graph.base_url
    yield graph
    server.shutdown()
    server.server_close()
