"""`python -m bench.stock seed`: fill the stock floor's database from the product's (bench/stock/seed.py)."""
import os
import sys


def main(argv: list[str]) -> int:
    if argv[:1] != ["seed"]:
        print("usage: python -m bench.stock seed   (DATABASE_URL: the product's; STOCK_DATABASE_URL: the floor's,"
              " default DATABASE_URL + '_stock')", file=sys.stderr)
        return 2
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.stock.settings"
    from bench.stock.seed import seed

    started = __import__("time").perf_counter()
    seed()
    print(f"stock floor seeded in {__import__('time').perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
