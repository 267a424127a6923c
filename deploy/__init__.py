"""The production stack, run on this machine for checks: gunicorn with config.settings.production
on a throwaway database (deploy.stack), every page requested as every persona (deploy.check,
`make check-deploy`), and the bounded load test of bench/load.py."""
