"""Each number's sending rate: a token bucket in Redis shared by every worker.

Meta lets a number send 80 messages a second (20 while it stays in the WhatsApp
Business app) and answers 130429 beyond it. Every send from a number first takes a
token from that number's bucket; a worker finding it empty waits for the next one, so
a burst of reminders goes out at the rate instead of being refused. A 130429 empties
that number's bucket for a while (``SEND_BACK_OFF_SECONDS``); other numbers go on.
Without Redis (development, tests) nothing is limited.
"""

import logging
import time
from collections.abc import Callable
from functools import cache

import redis
from django.conf import settings

from tenants.models import Tenant

logger = logging.getLogger(__name__)

CLOUD_API_RATE = 80
COEXISTENCE_RATE = 20
THROUGHPUT_ERROR_CODE = 130429
SEND_BACK_OFF_SECONDS = 5.0
# A send never waits longer than this for a token: beyond it the task's retry takes over.
SEND_WAIT_MAX_SECONDS = 30.0
# Sends are paced a little under the rate: their arrival at Meta varies by a few
# milliseconds, and an even pace exactly at the rate would now and then put one too many
# into a second.
PACE_MARGIN = 0.95

# KEYS: bucket, back-off. ARGV: rate (tokens/s). Returns the ms to wait; 0 = token taken.
# Redis's own clock: every worker measures the same time, whatever its own clock says.
# The bucket holds one token: sends are paced evenly, so no second ever holds more than the rate
# (a bucket of a second's tokens would let a burst put twice the rate into one second).
_TAKE = """
local backoff = redis.call('PTTL', KEYS[2])
if backoff > 0 then return backoff end
local rate = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or 1
local at = tonumber(state[2]) or now
tokens = math.min(1, tokens + (now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], 60000)
return wait
"""


def whatsapp_send_rate(tenant: Tenant) -> int:
    """Messages a second the tenant's number may send: its own setting, else Meta's limit for its kind."""
    if tenant.whatsapp_send_rate_per_second:
        return tenant.whatsapp_send_rate_per_second
    return COEXISTENCE_RATE if tenant.whatsapp_coexistence else CLOUD_API_RATE


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _keys(phone_number_id: str) -> tuple[str, str]:
    return f"lyo:wa-rate:{phone_number_id}", f"lyo:wa-backoff:{phone_number_id}"


def whatsapp_send_slot_take(*, phone_number_id: str, rate: int) -> float:
    """Take a token from the number's bucket: 0 when taken, else the seconds to wait before asking again.

    Redis unreachable: 0, the send goes. The bucket only keeps us under Meta's pace, and
    Meta's own answer (130429) still backs the number off; refusing the send instead would
    count an attempt for a message Graph never saw and leave it waiting for the slow retry.
    """
    if not settings.REDIS_URL:
        return 0.0
    try:
        wait_ms = _redis(settings.REDIS_URL).eval(_TAKE, 2, *_keys(phone_number_id), rate * PACE_MARGIN)
    except (redis.RedisError, OSError):
        logger.warning("Send rate of %s not checked: Redis unreachable", phone_number_id, exc_info=True)
        return 0.0
    return int(wait_ms) / 1000


def whatsapp_send_slot_wait(
    *, tenant: Tenant, sleep: Callable[[float], None] = time.sleep, wait_max: float = SEND_WAIT_MAX_SECONDS
) -> bool:
    """Wait for the tenant's number to have a token; ``False`` when none came within ``wait_max`` seconds."""
    phone_number_id, rate = tenant.whatsapp_phone_number_id or "", whatsapp_send_rate(tenant)
    waited = 0.0
    while (wait := whatsapp_send_slot_take(phone_number_id=phone_number_id, rate=rate)) > 0:
        if waited + wait > wait_max:
            return False
        sleep(wait)
        waited += wait
    return True


def whatsapp_number_back_off(*, phone_number_id: str, seconds: float = SEND_BACK_OFF_SECONDS) -> None:
    """Meta said the number sends too fast (130429): no send from it for ``seconds``; other numbers go on."""
    if not settings.REDIS_URL:
        return
    try:
        _redis(settings.REDIS_URL).set(_keys(phone_number_id)[1], 1, px=int(seconds * 1000))
    except (redis.RedisError, OSError):
        logger.warning("Back-off of %s not recorded: Redis unreachable", phone_number_id, exc_info=True)
