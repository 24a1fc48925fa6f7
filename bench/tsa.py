"""Cost of time-stamping a checkpoint: request + verification against the local TSA.

    .venv/bin/python bench/tsa.py [--tokens 100]

Starts a local TSA (integrity.local_tsa) in a scratch directory, then asks it for
``--tokens`` tokens one after another through ``timestamping.request_token`` (which also
verifies each) and verifies each token once more as a verifier would. Prints wall time per
request and per offline verification (median and 95th percentile), and the CPU time spent per
token by this process and by the TSA (its server and the openssl processes it runs), from
which the share of one core taken by one checkpoint a minute (target: below 1 %).
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.test import override_settings  # noqa: E402

from integrity import local_tsa, timestamping  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds of a process and of the children it has waited for (its openssl runs)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime + cutime + cstime) / TICKS


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, local_tsa.start(Path(scratch)) as tsa:
        settings = {"LEDGER_TSA_URL": tsa.url, "LEDGER_TSA_CERT_FILE": str(tsa.cert_file)}
        with override_settings(**settings, LEDGER_TSA_CERT=""):
            trusted = timestamping.tsa_certificate_pem()
            timestamping.request_token(b"warm-up")  # imports, first openssl run
            tsa_cpu, client_cpu = process_cpu(tsa.process.pid), own_cpu()
            requests, verifications, verify_cpu = [], [], 0.0
            for number in range(args.tokens):
                data = f"example.org/aims\n{number}\n{'A' * 44}\n".encode()
                started = time.perf_counter()
                token = timestamping.request_token(data)
                requested = time.perf_counter()
                cpu_before = own_cpu()
                timestamping.verify_timestamp_token(token, data, trusted)
                verify_cpu += own_cpu() - cpu_before
                requests.append(requested - started)
                verifications.append(time.perf_counter() - requested)
            tsa_cpu = process_cpu(tsa.process.pid) - tsa_cpu
            # The second, offline verification is not part of making a checkpoint.
            client_cpu = own_cpu() - client_cpu - verify_cpu

    per_token = (tsa_cpu + client_cpu) / args.tokens
    print(f"{args.tokens} tokens from the local TSA ({len(token)} B each)")
    print(
        f"request + verify: median {statistics.median(requests) * 1000:.1f} ms, "
        f"p95 {percentile(requests, 0.95) * 1000:.1f} ms (wall)"
    )
    print(
        f"offline verification: median {statistics.median(verifications) * 1000:.2f} ms, "
        f"p95 {percentile(verifications, 0.95) * 1000:.2f} ms (wall)"
    )
    print(
        f"CPU per token: {per_token * 1000:.1f} ms "
        f"(portal {client_cpu / args.tokens * 1000:.1f} ms, "
        f"TSA with openssl {tsa_cpu / args.tokens * 1000:.1f} ms)"
    )
    print(f"one checkpoint a minute: {per_token / 60 * 100:.4f} % of one core (target < 1 %)")


if __name__ == "__main__":
    main()
