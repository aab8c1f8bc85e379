# Thin wrapper over CMake: `make run` builds and clusters the bundled seed
# corpus into out/; `make test` builds and runs every test.  BUILD, JOBS and
# ARGS may be overridden (make run ARGS="-k 6").
BUILD ?= build
JOBS ?= $(shell nproc)
ARGS ?=

.PHONY: deps build run test test-sanitize clean

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/paperclust run datasets/seed_papers.csv -o out $(ARGS)

test:
	scripts/install-deps --tests
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DPC_WERROR=ON
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize:
	scripts/install-deps --tests
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DPC_WERROR=ON -DPC_SANITIZE=ON
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(BUILD)-asan
