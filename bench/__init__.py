"""Benchmarks: bulk seeding (`manage.py bench_seed`) and in-process measurements against the
framework floor (`manage.py bench_run`). See bench/README.md."""
