# Secretaría — dos comandos: `make run` y `make test` (ver README.md)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-completo lint bench migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run

run: $(VENV)/.run
	$(FLASK) db upgrade
	HOST=$(HOST) PORT=$(PORT) $(FLASK) servir

lint: $(VENV)/.dev
	$(BIN)/ruff check .

# en paralelo, un proceso por núcleo (cada uno con su SQLite y su PostgreSQL desechable); en serie: PYTEST_ARGS="-n 0"
test: lint
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# la suite con el barrido hostil completo (cada valor inválido en cada filtro y campo): antes de publicar una versión
test-completo: lint
	HOSTIL_COMPLETO=1 $(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(BIN)/python bench/export.py
	$(BIN)/python bench/paginas.py --filas 1000000 --gc-freeze

# Nueva migración a partir de los cambios en models.py: make migrate MSG="sedes de la municipalidad"
migrate: $(VENV)/.run
	@test -n "$(MSG)" || { echo 'Uso: make migrate MSG="qué cambia"'; exit 2; }
	$(FLASK) db upgrade
	$(FLASK) db migrate -m "$(MSG)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
