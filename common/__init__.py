"""Low-level pieces every Lyo app may use: metrics, log context, logging, model rows, Prometheus plumbing.

The ground floor of the stack of apps: nothing here imports another Lyo app.
"""
