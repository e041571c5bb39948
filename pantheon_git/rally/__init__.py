"""Rally WSAPI v2.0: the client (``client.py``) and a local emulator (``emulator/``)."""
