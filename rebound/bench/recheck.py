"""Re-check benchmark: re-checks per second for 10,000 addresses over 1,000 domains, asked of
our DNS stub (rebound/dnsstub.py) in a process of its own on 127.0.0.1, as the API would: ten
calls of 1,000 addresses (the limit of one call) through one CachingResolver, so each domain
is asked once.

The domains: 900 served by the stub's wildcard (`dNNNN.bench.example.net`, MX), 50 that do
not exist (NXDOMAIN), 20 with a null MX (`*.nullmx.bench.example.net`) and 30 big providers and
typos of them; ten addresses each, a role account and a broken address among them, in a seeded
shuffle. Prints the cold rate (an empty cross-run cache: every domain asked of DNS) and the
warm rate (a second run whose store has every answer: no DNS at all), and with `--json` one
JSON line as the last line. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter

from chalicelib.net.resolver import DnsPythonResolver
from chalicelib.recheck.cache import CachingResolver, MemoryDomainCache
from chalicelib.recheck.model import MAX_ADDRESSES
from chalicelib.recheck.service import RecheckService, verdict_counts

ADDRESSES = 10_000
DOMAINS = 1_000
PROVIDERS = (
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "icloud.com",
    "aol.com",
    "gmx.de",
    "web.de",
    "gmx.net",
    "t-online.de",
    "gmial.com",
    "hotmial.com",
    "yaho.com",
    "outlok.com",
    "gmail.con",
)


def domains(count: int = DOMAINS) -> list[str]:
    found = list(PROVIDERS)
    found += [f"n{i:03d}.nullmx.bench.example.net" for i in range(20)]
    found += [f"gone{i:03d}.example.com" for i in range(50)]
    found += [f"d{i:04d}.bench.example.net" for i in range(count - len(found))]
    return found[:count]


def addresses(count: int = ADDRESSES, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    names = domains()
    per_domain = count // len(names)
    found = []
    for domain in names:
        for i in range(per_domain):
            local = "info" if i == 0 else f"member.{rng.randrange(10**6)}"
            found.append(f"{local}@{domain}" if i != 1 else f"member..{i}@{domain}")
    rng.shuffle(found)
    return found


def start_stub() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(  # our own module, fixed arguments
        [sys.executable, "-m", "rebound.dnsstub", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "DNS stub on 127.0.0.1:PORT ..."
    port = int(line.split()[3].rsplit(":", 1)[1])
    return process, port


def run_once(service: RecheckService, batch: list[str]) -> tuple[float, Counter[str]]:
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    for start in range(0, len(batch), MAX_ADDRESSES):
        report = service.check(batch[start : start + MAX_ADDRESSES])
        counts.update({k.value: v for k, v in verdict_counts(report).items()})
    return time.perf_counter() - started, counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m rebound.bench recheck")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--workers", type=int, default=16, help="concurrent DNS questions")
    args = parser.parse_args(argv)
    batch = addresses()
    process, port = start_stub()
    try:
        store = MemoryDomainCache()
        resolver = DnsPythonResolver(["127.0.0.1"], port, timeout=2.0, workers=args.workers)
        cold_cache = CachingResolver(resolver, store)
        cold, counts = run_once(RecheckService(cold_cache), batch)
        warm_cache = CachingResolver(resolver, store)
        warm, _ = run_once(RecheckService(warm_cache), batch)
    finally:
        process.terminate()
        process.wait(timeout=10)
    cold_rate, warm_rate = len(batch) / cold, len(batch) / warm
    print(f"addresses         {len(batch)} over {len(domains())} domains, {args.workers} workers")
    print(f"verdicts          {dict(sorted(counts.items()))}")
    print(
        f"cold cache        {cold_rate:,.0f} re-checks/s ({cold:.2f} s, {cold_cache.asked} "
        f"domains asked of DNS)"
    )
    print(
        f"warm cache        {warm_rate:,.0f} re-checks/s ({warm:.2f} s, {warm_cache.asked} "
        f"asked, {warm_cache.from_store} from the cross-run store)"
    )
    if args.json:
        figures = {
            "benchmark": "recheck",
            "addresses": len(batch),
            "domains": len(domains()),
            "rechecks_per_second": round(cold_rate, 1),
            "warm_rechecks_per_second": round(warm_rate, 1),
            "cold_seconds": round(cold, 3),
            "warm_seconds": round(warm, 3),
            "dns_domains_asked": cold_cache.asked,
            "verdicts": dict(sorted(counts.items())),
        }
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
