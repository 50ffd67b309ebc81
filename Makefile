# Secretaría — dos comandos: `make run` y `make test` (ver README.md)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-completo lint bench migrate readme clean candado actualizar capturas

# Se instala SOLO desde los candados (requirements.txt, requirements-dev.txt: todo el árbol fijado con hashes),
# así una máquina nueva dentro de un año recibe exactamente lo que se probó. Las entradas son los .in.
PIP_INSTALAR := $(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make candado" $(BIN)/pip-compile --quiet --generate-hashes \
	--strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run: requirements.txt | $(BIN)/python
	$(PIP_INSTALAR) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP_INSTALAR) -r requirements-dev.txt
	touch $@ $(VENV)/.run

run: $(VENV)/.run
	$(FLASK) db upgrade
	HOST=$(HOST) PORT=$(PORT) $(FLASK) servir

lint: $(VENV)/.dev
	$(BIN)/ruff check .

# en paralelo, un proceso por núcleo (cada uno con su SQLite y su PostgreSQL desechable); en serie: PYTEST_ARGS="-n 0"
test: lint
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

# la suite con el barrido hostil completo (cada valor inválido en cada filtro y campo): antes de publicar una versión
test-completo: lint
	HOSTIL_COMPLETO=1 $(BIN)/pytest -n auto $(PYTEST_ARGS)

# Rehace las capturas de docs/capturas (las pruebas e2e las toman; `make test` las deja en una carpeta temporal)
capturas: $(VENV)/.dev
	CAPTURAS_DIR=$(CURDIR)/docs/capturas $(BIN)/pytest -m e2e -n 0 $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(BIN)/python bench/export.py
	$(BIN)/python bench/paginas.py --filas 1000000 --gc-freeze --antes
	cd bench && ../$(BIN)/python archivos.py

# Nueva migración a partir de los cambios en models.py: make migrate MSG="sedes de la municipalidad"
migrate: $(VENV)/.run
	@test -n "$(MSG)" || { echo 'Uso: make migrate MSG="qué cambia"'; exit 2; }
	$(FLASK) db upgrade
	$(FLASK) db migrate -m "$(MSG)"

# Después de agregar una pantalla o cambiar `permisos_por_defecto`: la tabla «Roles y permisos» del README
readme: $(VENV)/.run
	$(FLASK) tabla-roles --readme

# Rehace los candados a partir de requirements.in / requirements-dev.in sin subir lo que ya está fijado
# (después de agregar o quitar una dependencia en un .in).
candado: $(VENV)/.dev
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

# Sube todo el árbol a las versiones de hoy (dentro de los rangos de los .in), instala y corre la suite:
# la forma rutinaria de tomar actualizaciones a propósito. Si algo falla, `git checkout requirements*.txt`.
actualizar: $(VENV)/.dev
	$(PIP_COMPILE) --upgrade -o requirements.txt requirements.in
	$(PIP_COMPILE) --upgrade -o requirements-dev.txt requirements-dev.in
	$(PIP_INSTALAR) -r requirements-dev.txt
	$(MAKE) test

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
