"""A mail backend for the live-worker tests: each message takes TEST_EMAIL_DELAY seconds to
"deliver", then its Message-ID is appended to the file TEST_EMAIL_LOG. A worker killed during the
delay has delivered nothing."""
import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class SlowRecordingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        delay = float(os.environ.get("TEST_EMAIL_DELAY", "0"))
        for message in messages:
            time.sleep(delay)
            with open(os.environ["TEST_EMAIL_LOG"], "a") as log:
                log.write(message.extra_headers["Message-ID"] + "\n")
        return len(messages)
