"""Staff notifications: per-tenant and staff-wide digests on a schedule (service.py, digest.py,
render.py), immediate de-duplicated and rate-limited alerts (alerts.py), the notification
settings and send-size documents of the API (settings.py), and the ports they use (ports.py)."""
