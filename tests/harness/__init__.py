"""A reusable process harness: the sandbox, Celery workers, dispatchers, a broker and a TCP proxy,
started as real processes with one shared environment. Used by the chaos tests and the benchmark."""
