.PHONY: test lint fix bench

test:
	python3 -m pytest

lint:
	ruff check .
	ruff format --check .
	mypy

fix:
	ruff check --fix .
	ruff format .

bench:
	python3 bench/run.py
