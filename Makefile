# OpenWinHTTP — the two commands: `make demo` and `make test`.
# Every target installs the Debian packages it needs first (apt-get; sudo when not root).

BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
# CCACHE=ccache compiles every tree through ccache (.ci/run does): the plain and short-I/O trees
# then share the objects of everything but the library (docs/design/ci.md).
CCACHE     ?=
LAUNCHER   := $(if $(CCACHE),-DCMAKE_C_COMPILER_LAUNCHER=$(CCACHE) -DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Build + test dependencies (Debian 12 package names).
DEPS := build-essential cmake pkg-config python3 nginx-light \
        libssl-dev zlib1g-dev node-llhttp libasio-dev libpsl-dev \
        libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev openssl valgrind \
        tinyproxy duktape-dev gss-ntlmssp python3-websockets apache2-bin libapache2-mod-auth-gssapi \
        libkrb5-dev krb5-kdc krb5-admin-server krb5-user ccache \
        libnghttp2-dev nghttp2-server nghttp2-client

# Benchmark-only dependencies (make bench): libcurl is the reference, valgrind counts instructions.
BENCH_DEPS := libcurl4-openssl-dev valgrind libbenchmark-dev nginx-light tinyproxy openssl util-linux python3
BENCH_BUILD ?= build-bench

# Debian packaging (make deb, make deb-test): Debian's own tools, then the packages' test.
DEB_DEPS := debhelper dpkg-dev fakeroot lintian man-db nginx-light
DEB_BUILD ?= build-deb

# Shell code that apt-installs the packages of $(1) not installed yet; $(2) names the list.
install_missing = missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else echo "$(2): all present"; fi

.PHONY: deb deb-test deps build demo test test-asan test-tsan test-short-io memcheck fuzz bench install clean format

deps:
	@$(call install_missing,$(DEPS),deps)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER) $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./examples/demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# valgrind memcheck over the demo programs: no memory error, no definite leak.
memcheck: build
	./examples/memcheck.sh $(BUILD)

# The whole suite with every socket call cut short (1-7 bytes) or failing with EAGAIN first
# (the stress tests measure scale and are left to the normal and sanitizer runs).
test-short-io: deps
	cmake -S . -B build-short-io -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWINHTTP_SHORT_IO=ON -DWINHTTP_WERROR=ON $(LAUNCHER)
	cmake --build build-short-io -j $(JOBS)
	cd build-short-io && ctest --output-on-failure -j $(JOBS) --timeout 900 -LE stress

# Sanitizer builds live in their own trees so they never mix with the normal one.
test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWINHTTP_SANITIZE=address,undefined -DWINHTTP_WERROR=ON $(LAUNCHER)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

test-tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DWINHTTP_SANITIZE=thread -DWINHTTP_WERROR=ON $(LAUNCHER)
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS) --timeout 900

FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= $(JOBS)
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DWINHTTP_BUILD_FUZZERS=ON -DWINHTTP_BUILD_TESTS=OFF -DWINHTTP_SANITIZE=address,undefined $(LAUNCHER)
	cmake --build build-fuzz -j $(JOBS) --target fuzzers
	./fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS)

# Benchmarks against libcurl (issue 6): bench/run.py writes bench/results.md.
# BENCH_QUICK=1 make bench is a quick smoke run; see bench/README.md for the other knobs.
bench: deps
	@$(call install_missing,$(BENCH_DEPS),bench deps)
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DWINHTTP_BUILD_BENCH=ON -DWINHTTP_BUILD_TESTS=OFF
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target bench_winhttp bench_curl bench_micro bench_ws
	python3 bench/run.py --build $(BENCH_BUILD)

# Debian packages libwinhttp0, libwinhttp-dev and whttp (docs/design/packaging.md), built by
# dpkg-buildpackage from a copy of the tracked tree in $(DEB_BUILD) (the .debs land there).
deb: deps
	@$(call install_missing,$(DEB_DEPS),deb deps)
	rm -rf $(DEB_BUILD) && mkdir -p $(DEB_BUILD)/src
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t $(DEB_BUILD)/src
	cd $(DEB_BUILD)/src && DEB_BUILD_OPTIONS="parallel=$(JOBS) noddebs" \
	  DEB_CMAKE_EXTRA="$$(command -v ccache >/dev/null && echo -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)" \
	  dpkg-buildpackage -b -us -uc
	lintian --fail-on error $(DEB_BUILD)/*.changes
	@ls -1 $(DEB_BUILD)/*.deb

# Installs the packages, builds a pkg-config and a find_package(WinHttp) consumer against /usr,
# runs them and whttp against a local nginx, then removes the packages again.
deb-test: deb
	$(SUDO) sh tests/packaging/run.sh $(DEB_BUILD)

install: build
	cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h' '*.hpp')

clean:
	rm -rf $(BUILD) $(DEB_BUILD) build-asan build-tsan build-fuzz build-short-io build-bench build-ccache
