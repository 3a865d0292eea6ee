"""The local stack: the whole service on 127.0.0.1 with no AWS account (moto, SMTP, dispatcher,
scheduler, `chalice local`, outbox)."""
