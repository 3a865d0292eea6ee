"""Adapters to the network outside AWS: DNS (resolver.py, the only dnspython importer) and a
hosted email-verification service over HTTP (hosted.py). Never SMTP."""
