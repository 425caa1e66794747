.PHONY: setup test lint bench eval

setup:
	bash scripts/setup.sh

test:
	.venv/bin/pytest -q

lint:
	.venv/bin/ruff check assistant tests eval
	.venv/bin/mypy assistant tests eval

eval:
	.venv/bin/assistant eval eval/gold/corpus.jsonl --docs ../shared/corpus --out eval/runs/corpus-default
