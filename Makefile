# Thin wrapper around CMake for the README's commands. The real build is CMakeLists.txt.
BUILD     ?= build
SAN_BUILD ?= build-asan
DEMO_DIR  ?= demo-data
LISTEN    ?= 127.0.0.1:8080
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps check-deps run check test-asan fuzz install clean bench lint

all: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/deps.sh build

check-deps:
	@scripts/deps.sh check

run: all
	@if [ ! -f $(DEMO_DIR)/ca.pem ]; then \
		$(BUILD)/scepd init -d $(DEMO_DIR) --listen $(LISTEN) --legacy; \
	else \
		echo "using existing $(DEMO_DIR); remove it for a fresh CA"; \
		$(BUILD)/scepd info -d $(DEMO_DIR); \
	fi
	exec $(BUILD)/scepd serve -d $(DEMO_DIR) --listen $(LISTEN)

# Everything: lint, the normal build and its tests, then the unit tests again under
# ASan+UBSan, then a short libFuzzer run.
check: check-deps lint
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSCEPD_SANITIZE=ON >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|negative'
	@scripts/fuzz.sh $(BUILD)-fuzz 54

fuzz: check-deps
	@scripts/fuzz.sh $(BUILD)-fuzz long

# The benchmark of docs/performance.md: scepd against micromdm's scepserver
# on this machine, loopback only, about a minute.  Prints the report with
# each target of issue #6; a missed target is news, not a failure.
# BENCH_N, BENCH_CONC, BENCH_FILL, ... tune it (see bench/run.sh).
bench: all
	@bench/run.sh $(BUILD)

# The include rules of CMakeLists.txt's layer table, listed all at once,
# and cppcheck over src/ (scripts/lint.sh).  The build enforces the same
# include rules, one compile error at a time.
lint: check-deps
	@scripts/lint.sh

# DESTDIR (staging root) and PREFIX (default the configured
# CMAKE_INSTALL_PREFIX, /usr/local) are honoured: make install PREFIX=/usr
install: all
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(BUILD)-fuzz
