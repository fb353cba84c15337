# Portico: the two set-up commands are `make run` and `make test`.

.PHONY: run test bench bench-scale lint fmt generate docker

run:
	cargo run --release -p portico

# nextest runs each test in its own process and ends on one summary line.
test: lint
	cargo nextest run --workspace

bench:
	scripts/bench

# Costs against the number of APIs (1, 1,000, 10,000); about ten minutes.
bench-scale:
	BENCH_DURATION=5 scripts/bench --scale

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

# Rewrites crates/portico-wire/src/generated/ from the vendored models.
generate:
	cargo run -p portico-codegen

# The image `portico` (docker/Dockerfile); the context is the repository root, filtered by
# .dockerignore. `docker compose -f docker/docker-compose.yml up -d --wait` runs it.
docker:
	docker build -f docker/Dockerfile -t portico .
