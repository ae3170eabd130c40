"""The HTTP front door: the Bolt app and its WSGI wrapper, gunicorn's options, and admission at the ack."""
