"""The locust user of bench/http_load.py: one signed-in user requesting one URL as fast as it can.

bench/http_load.py runs `locust --headless` with this file for each URL it measures; the URL, the
session cookie and the label come from the environment (BENCH_PATH, BENCH_COOKIE, BENCH_NAME).
A response other than 200 (a redirect to the login page, say) counts as a failure.
"""

import os

from locust import FastHttpUser, constant, task


class SignedInUser(FastHttpUser):
    wait_time = constant(0)  # a closed loop: the next request as soon as the answer is read

    @task
    def get(self) -> None:
        with self.client.get(
            os.environ["BENCH_PATH"],
            name=os.environ.get("BENCH_NAME", os.environ["BENCH_PATH"]),
            headers={"Cookie": os.environ["BENCH_COOKIE"]},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
