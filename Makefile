# SMO: the two commands are `make run` and `make test`; everything else is for developers.
.PHONY: run test setup setup-dev bench bench-web bench-inbox lint clean

PYTEST_ARGS ?=
export PYTEST_ARGS

run: setup
	scripts/run

test: setup-dev
	scripts/test

setup:
	scripts/setup requirements.txt

setup-dev:
	scripts/setup requirements-dev.txt

bench: setup-dev
	.venv/bin/python bench/publish_burst.py

bench-web: setup-dev
	.venv/bin/python bench/web.py

bench-inbox: setup-dev
	.venv/bin/python bench/inbox.py

lint: setup-dev
	.venv/bin/ruff check .

clean:
	rm -rf .venv node_modules static/vendor staticfiles var test-artifacts .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
