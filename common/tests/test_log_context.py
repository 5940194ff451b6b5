import logging

from common.log_context import LogContextFilter, log_context, log_context_bind, log_context_current


def test_log_records_carry_the_ids_bound_in_scope():
    record = logging.LogRecord("lyo", logging.INFO, __file__, 1, "hello", None, None)
    with log_context(tenant_id="t1"):
        log_context_bind(message_id=42, phone="393471234567")  # unknown keys are dropped
        LogContextFilter().filter(record)
        assert log_context_current() == {"tenant_id": "t1", "message_id": "42"}
    assert (record.tenant_id, record.conversation_id, record.message_id) == ("t1", "", "42")
    assert log_context_current() == {}


def test_bind_outside_a_scope_is_a_no_op():
    log_context_bind(tenant_id="x")
    assert log_context_current() == {}
