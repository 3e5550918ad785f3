# OPC Community — the developer commands. The logic lives in scripts/dev.sh;
# docs/operations.md says what each target does and prints.
#
#   make run                         serve http://127.0.0.1:8000 with worker and beat
#   make test                        ruff, import contracts, migrations check, the whole pytest suite
#   make test PYTEST_ARGS="-k foo"   ... with arguments passed on to pytest

DEV := bash scripts/dev.sh
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint migrate shell messages stop clean-data

help: ## list the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / { printf "  make %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

run: ## install what is missing, start PostgreSQL + Redis, migrate, load demo data, serve :8000 with Celery worker + beat
	@$(DEV) run

test: ## same provisioning, then ruff, lint-imports, mypy, makemigrations --check and pytest (PYTEST_ARGS="..." passes arguments on)
	@$(DEV) test $(PYTEST_ARGS)

lint: ## ruff check ., lint-imports (the import contracts) and mypy
	@$(DEV) lint

migrate: ## apply migrations to the configured or private database
	@$(DEV) migrate

shell: ## Django shell against the configured or private services
	@$(DEV) shell

messages: ## makemessages (zh_Hans) then compilemessages
	@$(DEV) messages

stop: ## stop the private PostgreSQL and Redis (and a leftover make run)
	@$(DEV) stop

clean-data: ## stop, then delete .data (private database, Redis, beat schedule, private media)
	@$(DEV) clean-data
