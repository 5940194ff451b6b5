"""Each number's sending rate: a token bucket in Redis shared by every worker; 130429 backs off one number."""

import time

import pytest
import redis

from meta.graph import GraphError
from tenants.tests.factories import TenantFactory
from whatsapp.services.outbound import whatsapp_body_post
from whatsapp.services.send_rate import (
    CLOUD_API_RATE,
    COEXISTENCE_RATE,
    whatsapp_number_back_off,
    whatsapp_send_rate,
    whatsapp_send_slot_take,
    whatsapp_send_slot_wait,
)


@pytest.fixture
def bucket_redis(settings):
    url = settings.REDIS_URL
    if not url:
        pytest.skip("needs a real Redis: set REDIS_URL")
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("lyo:wa-*"):
        client.delete(key)
    yield client
    for key in client.scan_iter("lyo:wa-*"):
        client.delete(key)


@pytest.mark.django_db
def test_the_rate_is_metas_unless_the_tenant_sets_its_own():
    assert whatsapp_send_rate(TenantFactory()) == CLOUD_API_RATE
    assert whatsapp_send_rate(TenantFactory(whatsapp_coexistence=True)) == COEXISTENCE_RATE
    assert whatsapp_send_rate(TenantFactory(whatsapp_coexistence=True, whatsapp_send_rate_per_second=5)) == 5


def test_sends_are_paced_one_token_at_a_time(bucket_redis):
    assert whatsapp_send_slot_take(phone_number_id="111", rate=20) == 0.0
    wait = whatsapp_send_slot_take(phone_number_id="111", rate=20)
    assert 0 < wait <= 0.06  # one token every 1/19 s: 20 a second less the pacing margin
    # Another number has its own bucket.
    assert whatsapp_send_slot_take(phone_number_id="222", rate=20) == 0.0


@pytest.mark.django_db
def test_sends_go_out_at_no_more_than_the_rate(bucket_redis):
    tenant = TenantFactory(whatsapp_phone_number_id="333", whatsapp_send_rate_per_second=20)
    started = time.monotonic()
    assert all(whatsapp_send_slot_wait(tenant=tenant) for _ in range(40))
    # The first at once, then one every 1/20 s.
    assert time.monotonic() - started >= 39 / 20 - 0.01


@pytest.mark.django_db
def test_throughput_error_backs_off_that_number_only(bucket_redis):
    slow = TenantFactory(whatsapp_phone_number_id="444")
    other = TenantFactory(whatsapp_phone_number_id="555")
    whatsapp_number_back_off(phone_number_id="444", seconds=2)
    assert whatsapp_send_slot_wait(tenant=slow, wait_max=0.5) is False
    assert whatsapp_send_slot_wait(tenant=other, wait_max=0.5) is True


def test_without_redis_nothing_is_limited(settings):
    settings.REDIS_URL = ""
    assert all(whatsapp_send_slot_take(phone_number_id="666", rate=1) == 0.0 for _ in range(5))


def test_redis_unreachable_lets_the_send_go_rather_than_refuse_it(settings):
    # A closed port: the bucket cannot be asked, and the send must not fail for it (Meta still paces us).
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    assert whatsapp_send_slot_take(phone_number_id="888", rate=1) == 0.0
    whatsapp_number_back_off(phone_number_id="888", seconds=1)  # not recorded, and no error either


@pytest.mark.django_db
def test_metas_throughput_error_on_a_send_backs_that_number_off(bucket_redis, graph, settings):
    settings.LYO_SEND_BACKEND = "graph"
    tenant = TenantFactory(whatsapp_phone_number_id="777", whatsapp_access_token="EAAG-t")
    graph.fail_next(400, code=130429, message="Rate limit hit")
    with pytest.raises(GraphError):
        whatsapp_body_post(tenant, {"messaging_product": "whatsapp", "to": "39347", "type": "text",
                                    "text": {"body": "Ciao"}})
    assert bucket_redis.pttl("lyo:wa-backoff:777") > 0
    assert bucket_redis.pttl("lyo:wa-backoff:888") == -2
