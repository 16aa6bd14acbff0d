# quarry: the two commands of the quick start are `make demo` and `make test`.
# Both install missing Debian packages first (scripts/install-deps).

JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all deps build test unit e2e asan demo bench fuzz clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DQUARRY_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Every test: unit and e2e in the -Werror build, then the unit tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer.
test: build
	cd $(BUILD) && ctest --output-on-failure -j 1
	$(MAKE) asan

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit -j $(JOBS)

e2e: build
	cd $(BUILD) && ctest --output-on-failure -L e2e

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DQUARRY_WERROR=ON -DQUARRY_SANITIZE=ON -DQUARRY_E2E=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)/cli/quarry

bench: build
	@scripts/bench $(BUILD)

fuzz: deps
	@CXX=clang++-19 cmake -S . -B $(FUZZ_BUILD) -DQUARRY_FUZZ=ON -DQUARRY_E2E=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_manifest fuzz_env
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) fuzz_manifest
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) fuzz_env

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
