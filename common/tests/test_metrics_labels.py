"""Lyo's metrics keep a bounded number of series: labels name a kind of thing, never one customer or tenant."""

from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

from common import metrics

# Each of these takes a handful of values fixed by the code: a channel name, a message
# type or delivery status (``Message.Type``, ``Message.Delivery``), a task name, a
# booking action, a notification purpose. A label holding a tenant id, a phone number
# or a message id would add series without bound.
ALLOWED_LABELS = frozenset({"channel", "type", "status", "task", "action", "purpose"})


def _lyo_metrics() -> dict[str, MetricWrapperBase]:
    """Lyo's metrics by family name (a counter's without ``_total``)."""
    found = {}
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                found[family.name] = value
    return found


def test_every_lyo_metric_has_only_bounded_labels():
    lyo = _lyo_metrics()
    assert len(lyo) == 14
    labels = {name: set(metric._labelnames) for name, metric in lyo.items()}
    assert {name: names - ALLOWED_LABELS for name, names in labels.items() if names - ALLOWED_LABELS} == {}
    assert all(labels.values())  # every one is split by something; none is an unlabelled total by mistake


def test_no_lyo_metric_is_defined_outside_lyo_metrics():
    # Whatever registered a ``lyo_`` family is checked by the test above.
    families = {family.name for family in REGISTRY.collect() if family.name.startswith("lyo_")}
    assert families == set(_lyo_metrics())

