"""Lyo's own Prometheus metrics, exposed at ``/metrics`` next to django-prometheus's.

Labels keep cardinality bounded: channel, type, status, task name, action — never a
tenant's customer, message id or phone number.
"""

from prometheus_client import Counter, Gauge, Histogram

inbound_messages = Counter(
    "lyo_inbound_messages_total", "Inbound messages stored, by channel and message type.", ["channel", "type"]
)
outbound_messages = Counter(
    "lyo_outbound_messages_total", "Outbound message status changes, by channel and status.", ["channel", "status"]
)
inbound_tasks_coalesced = Counter(
    "lyo_inbound_tasks_coalesced_total",
    "Tasks not published, by task: the message's conversation had its task queued and not started yet.",
    ["task"],
)
webhook_signature_failures = Counter(
    "lyo_webhook_signature_failures_total", "Webhook POSTs refused for a missing or wrong signature.", ["channel"]
)
webhook_unknown_tenant = Counter(
    "lyo_webhook_unknown_tenant_total", "Webhook deliveries for no active tenant (ignored with 200).", ["channel"]
)
webhook_value_errors = Counter(
    "lyo_webhook_value_errors_total", "Error objects reported by the channel inside a webhook.", ["channel"]
)
waitlist = Counter(
    "lyo_waitlist_total",
    "Waitlist events by action: joined, offered, booked (conversions), declined, missed (offer expired), expired, "
    "withdrawn.",
    ["action"],
)
# Set by the hold sweep every minute (``bookings.holds_expire``); the latest value wins across processes.
approvals_pending = Gauge(
    "lyo_approvals_pending",
    "Big-party requests waiting for staff approval, by status (held: the table kept; pending: nothing kept).",
    ["status"],
    multiprocess_mode="mostrecent",
)
bookings = Counter("lyo_bookings_total", "Bookings by action (created, cancelled, rescheduled).", ["action"])
notifications = Counter(
    "lyo_notifications_total",
    "Messages Lyo starts itself (reminders, news of staff changes) stored for sending, by purpose.",
    ["purpose"],
)
replies_suppressed = Counter(
    "lyo_replies_suppressed_total",
    "Assistant replies not sent because of a limit, by channel and type of limit (loop, reply_budget, repeat).",
    ["channel", "type"],
)
task_failures = Counter("lyo_task_failures_total", "Celery tasks that failed for good.", ["task"])
task_retries = Counter("lyo_task_retries_total", "Celery task retries.", ["task"])
first_reply_seconds = Histogram(
    "lyo_first_reply_seconds",
    "Time from an inbound message being received to its first reply being accepted by the channel.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
