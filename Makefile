# matmul-ffm: the one entry point. `make bench` is the main job; `make test` the test suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT        := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KERNEL_DIR  := $(ROOT)/rust-kernel
HEADER      := $(KERNEL_DIR)/include/matmul_kernel.h
FFI_DIR     := $(ROOT)/java-binding/src/main/java/io/github/matmulffm/internal/ffi
FFI_PACKAGE := io.github.matmulffm.internal.ffi
CLANG_INCLUDE ?= /usr/lib/llvm-19/lib/clang/19/include
MVN         := mvn -B -ntp -q
JEXTRACT    ?=

# A JDK 25+: JAVA_HOME if it is one, else the first under /usr/lib/jvm (the default java may be 17).
define FIND_JDK
for d in "$$JAVA_HOME" /usr/lib/jvm/*; do \
  [ -n "$$d" ] && [ -x "$$d/bin/javac" ] || continue; \
  v=$$("$$d/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'); \
  case "$$v" in ''|1.*) continue;; esac; \
  if [ "$$v" -ge 25 ] 2>/dev/null; then echo "$$d"; break; fi; \
done
endef
JDK := $(shell $(FIND_JDK))
ifneq ($(JDK),)
export JAVA_HOME := $(JDK)
export PATH := $(JDK)/bin:$(PATH)
endif

.PHONY: help prerequisites build test lint-workflows release test-cross test-rust test-java test-hosts example bench bench-quick bench-guard bench-report case-study case-study-quick test-spark bench-spark bench-spark-quick profile safepoints install header bindings clean

help:
	@echo "make bench      build everything, run the JMH suite (~25 min), write results/results.{csv,md} and results/chart.png"
	@echo "make bench-quick  the same on a reduced set (~2 min), into results/quick/; make bench-guard checks it"
	@echo "make profile    profile one benchmark: make profile [PROFILE_BENCH='...'] [PROFILER=gc,stack|jfr]"
	@echo "make test       cargo tests, Java tests (unit + packaged jar), header/bindings drift, example consumer"
	@echo "make test-hosts tests that need root and a mount namespace (noexec tmp, foreign-owned folders)"
	@echo "make case-study the recommendation service under open-loop load, per backend (~15 min): results/case-study.*"
	@echo "make safepoints worst time to safepoint of heap-array calls per shape, G1 and ZGC"
	@echo "make parity     regenerate parity/cases.csv and batches.csv, then check them from Rust and Java on every kernel path"
	@echo "make soak       the 16-thread concurrency soak for 60 s (make test runs it for 10 s)"
	@echo "make release    the release jar with all five natives, plus sources and javadoc jars (target/release/)"
	@echo "make test-cross linux-aarch64 under qemu, windows-x86_64 under Wine, macOS natives checked (~35 min)"
	@echo "make build      build the kernel and the jar (java-binding/target/matmul-ffm-*.jar)"
	@echo "make install    install io.github.matmulffm:matmul-ffm into the local Maven repository"
	@echo "make header     regenerate rust-kernel/include/matmul_kernel.h with cbindgen"
	@echo "make bindings   regenerate the jextract bindings: make bindings JEXTRACT=/path/to/jextract"
	@echo "make clean      remove build outputs"

prerequisites:
	@if [ -z "$(JDK)" ]; then \
	  echo "error: matmul-ffm needs a JDK 25 or newer (the final FFM API)." >&2; \
	  echo "  JAVA_HOME=$${JAVA_HOME:-<unset>} is not one, and none was found under /usr/lib/jvm." >&2; \
	  echo "  Install a JDK 25+ (e.g. Temurin 25) and set JAVA_HOME to it." >&2; exit 1; fi
	@command -v cargo >/dev/null || { echo "error: cargo (Rust) is required: https://rustup.rs" >&2; exit 1; }
	@command -v mvn >/dev/null || { echo "error: Maven (mvn) is required" >&2; exit 1; }
	@echo "JDK: $(JDK)"

build: prerequisites
	$(MVN) -DskipTests package

test: test-rust test-java example lint-workflows

test-rust: prerequisites
	cd $(KERNEL_DIR) && cargo build --release --lib && cargo test --release

# TEST_JAR=<a built jar> runs the binding's unit tests over that jar instead of target/classes
# (the hosted workflow's runners test the release jar this way).
TEST_JAR ?=
CPSEP    := $(if $(filter Windows_NT,$(OS)),;,:)
test-java: prerequisites
	$(MVN) verify $(if $(TEST_JAR),-Dtest.classes.source=$(TEST_JAR))

# The hosted workflow (.github/workflows/) cannot run here: lint it, and check that every
# make target it calls exists in this Makefile.
lint-workflows:
	@command -v yamllint >/dev/null || { echo "error: yamllint is required (apt-get install yamllint)" >&2; exit 1; }
	yamllint -s -c $(ROOT)/.github/yamllint.yml $(ROOT)/.github/workflows
	@for target in $$(grep -ohE '(^ *|run: *|[;&|] *)make [a-z][a-z-]*' $(ROOT)/.github/workflows/*.yml | awk '{print $$NF}' | sort -u); do \
	  grep -qE "^$$target:" $(ROOT)/Makefile || { echo "error: the workflow calls make $$target, which the Makefile lacks" >&2; exit 1; }; \
	  echo "workflow target ok: make $$target"; done

# Tests that need root and a mount namespace (a noexec temporary folder, folders owned by
# another user); .ci/run runs it as root. Elsewhere the tests report that they skipped.
test-hosts: prerequisites
	@if [ "$$(id -u)" -ne 0 ]; then echo "test-hosts: skipped, needs root (and unshare -m) to build hostile hosts"; exit 0; fi; \
	  $(MVN) -pl java-binding -am -Dcargo.skip=false test -Dtest=HostileHostTest -Dtest.excludedGroups= \
	    -Dsurefire.failIfNoSpecifiedTests=false -DfailIfNoTests=false; \
	  status=$$?; cat java-binding/target/surefire-reports/io.github.matmulffm.HostileHostTest.txt; exit $$status

.PHONY: parity soak

# Regenerates parity/cases.csv and batches.csv from the case lists in rust-kernel/tests/parity/, then
# checks it from both languages (make test checks the committed file the same way).
parity: prerequisites
	cd $(KERNEL_DIR) && MATMUL_PARITY_WRITE=1 cargo test --release --test parity_naive -- --exact case_file_is_current
	cd $(KERNEL_DIR) && MATMUL_PARITY_WRITE=1 cargo test --release --test parity_batches -- --exact batch_file_is_current
	cd $(KERNEL_DIR) && cargo test --release --test parity_naive --test parity_kernels --test parity_batches
	$(MVN) -pl java-binding test -Dtest='ParityTest,BatchParityTest,KernelPathsTest' -Dsurefire.failIfNoSpecifiedTests=false

# 16 Java threads, mixed sizes, heap and off-heap, the kernel's thread count changed midway,
# every result checked, resident memory bounded; prints one "soak:" line of figures.
SOAK_SECONDS ?= 60
soak: prerequisites
	$(MVN) -pl java-binding test -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false -Dmatmul.soak.seconds=$(SOAK_SECONDS)

# A separate Maven project outside the repository, depending on the installed jar,
# run on the class path and on the module path.
example: install
	@tmp=$$(mktemp -d) && cp -r $(ROOT)/examples/consumer/. $$tmp/ && cd $$tmp && \
	  $(MVN) package && \
	  $(MVN) dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=runtime && \
	  echo "class path:" && java --enable-native-access=ALL-UNNAMED -cp target/consumer.jar:$$(cat cp.txt) example.Consumer && \
	  echo "module path:" && java --module-path $$(cat cp.txt) --add-modules io.github.matmulffm \
	    --enable-native-access=io.github.matmulffm -cp target/consumer.jar example.Consumer && \
	  rm -rf $$tmp

install: prerequisites
	$(MVN) -DskipTests install

# ---- Spark (spark/): Spark 4.2 is a provided dependency, downloaded by Maven ----
SPARK_ALL_JAR := $(ROOT)/spark/target/matmul-ffm-spark-0.1.0-all.jar
SPARK_CP_FILE := $(ROOT)/spark/target/spark.classpath
# The flags Spark's own launcher gives the JVM (spark-submit adds them itself), plus native access.
SPARK_JAVA     = java $$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' $(ROOT)/spark/pom.xml) -Djava.awt.headless=true

# The Spark module's tests (local[2] sessions, child JVMs for spark.task.cpus=2 and a host
# without the native), its example job in local[*] from the spark-submit jar, then the same
# job through SparkSubmit on a standalone master and worker on loopback, whose executor JVMs
# load the kernel from that jar (~3 min).
test-spark: install
	$(MVN) -f $(ROOT)/spark/pom.xml verify -Dspark.skipTests=false
	$(MVN) -f $(ROOT)/spark/pom.xml dependency:build-classpath -Dmdep.includeScope=provided -DexcludeGroupIds=io.github.matmulffm -Dmdep.outputFile=$(SPARK_CP_FILE)
	$(SPARK_JAVA) -Xmx2g -cp $(SPARK_ALL_JAR):$$(cat $(SPARK_CP_FILE)) io.github.matmulffm.spark.example.ScaleOutJob 600 128
	$(ROOT)/spark/scripts/standalone-cluster.sh $(SPARK_ALL_JAR) $(SPARK_CP_FILE) $(ROOT)/spark/target/standalone

# The Spark module against Spark's own BlockMatrix.multiply and recommendForAllUsers, each
# row a fresh JVM in local[2]: results/spark.{md,csv,png} (~10 min). bench-spark-quick: the
# same harness at small sizes (~2 min), which .ci/run runs as a smoke test.
define RUN_SPARK_BENCH
$(MVN) -f $(ROOT)/spark/pom.xml test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=$(SPARK_CP_FILE).test
env $(BENCH_ENV) $(SPARK_JAVA) -Dbench.jvm.flags="$$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' $(ROOT)/spark/pom.xml)" \
  -cp $(ROOT)/spark/target/test-classes:$(ROOT)/spark/target/classes:$$(cat $(SPARK_CP_FILE).test) io.github.matmulffm.spark.bench.SparkBench $(1)
endef

bench-spark: install
	$(call RUN_SPARK_BENCH,$(RESULTS) full)

bench-spark-quick: install
	$(call RUN_SPARK_BENCH,$(QUICK_RESULTS) quick)

# ---- every platform in one jar (cross/; what works here: ../shared/CROSS.md) ----
# The toolchains (Debian's Rust with its arm64 std and std source, zig from npm, an arm64
# JDK, a Wine prefix) go to a cache outside the repository; a second run reuses it.
export MATMUL_CROSS_CACHE ?= $(HOME)/.cache/matmul-ffm-cross
PLATFORMS   := linux-x86_64 linux-aarch64 windows-x86_64 macos-x86_64 macos-aarch64
NATIVES_DIR := $(ROOT)/target/natives
RELEASE_DIR := $(ROOT)/target/release
VERSION     := $(shell sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' $(ROOT)/pom.xml)
RELEASE_JAR := $(RELEASE_DIR)/matmul-ffm-$(VERSION).jar

# The five natives, each checked (glibc <= 2.28, mm_* exports only, install name, stripped),
# packed into one jar with its sources and javadoc jars: target/release/.
release: prerequisites
	@start=$$SECONDS; $(ROOT)/cross/toolchains.sh >/dev/null && echo "== toolchains took $$((SECONDS - start)) s"
	rm -rf $(NATIVES_DIR) $(RELEASE_DIR)
	@for p in $(PLATFORMS); do $(ROOT)/cross/build-native.sh $$p $(NATIVES_DIR) || exit 1; done
	$(MVN) -pl java-binding clean package -DskipTests -Dmatmul.natives=$(NATIVES_DIR)
	mkdir -p $(RELEASE_DIR) && cp java-binding/target/matmul-ffm-$(VERSION).jar java-binding/target/matmul-ffm-$(VERSION)-sources.jar \
	  java-binding/target/matmul-ffm-$(VERSION)-javadoc.jar $(RELEASE_DIR)/
	$(MVN) -pl java-binding clean
	$(ROOT)/cross/check-jar.sh $(RELEASE_DIR) $(NATIVES_DIR) $(PLATFORMS)

# What can run here, over the release build: linux-x86_64 natively (the glibc 2.28 build),
# linux-aarch64 under qemu-user (the kernel's
# tests with the parity vectors on neon and on generic, then the Java binding's tests on an
# arm64 JDK 25 over the release jar), windows-x86_64 under Wine (the kernel's tests), and
# the macOS natives checked as Mach-O (they cannot run here).
test-cross: release
	$(ROOT)/cross/test-linux-x86_64.sh $(RELEASE_JAR)
	$(ROOT)/cross/test-linux-aarch64.sh $(RELEASE_JAR)
	$(ROOT)/cross/test-windows.sh
	$(ROOT)/cross/test-macos.sh $(RELEASE_JAR)

# ---- benchmarks (benchmarks/, see benchmarks/NOTES.md) ----
RESULTS       ?= $(ROOT)/results
QUICK_RESULTS ?= $(ROOT)/results/quick
BENCH_JAR     := $(ROOT)/benchmarks/target/benchmarks.jar
# OpenBLAS misdetects AVX-512 CPUs it does not know and falls back to a slow core: force its best
# one there. JMH forks inherit the environment; the report prints the core OpenBLAS ran.
AVX512        := $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo yes)
BENCH_ENV     := $(if $(AVX512),OPENBLAS_CORETYPE=$${OPENBLAS_CORETYPE:-SkylakeX})
BENCH_JAVA     = env $(BENCH_ENV) java --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector --sun-misc-unsafe-memory-access=allow \
  -Djava.awt.headless=true \
  -Dbench.commit="$${BENCH_COMMIT:-$$(git -C $(ROOT) describe --always --dirty 2>/dev/null || echo unknown)}"
BENCH_CP      := -cp $(BENCH_JAR) io.github.matmulffm.bench
# The suite runs from a private copy of the jar, so a rebuild during the run cannot pull it away.
define RUN_SUITE
jar=$$(mktemp --suffix=.jar) && cp $(BENCH_JAR) $$jar && trap 'rm -f $$jar' EXIT && \
  $(BENCH_JAVA) -Dbench.command="make $(1)" -cp $(if $(TEST_JAR),$(TEST_JAR)$(CPSEP))$$jar io.github.matmulffm.bench.Suite $(2) $(3)
endef

bench: build
	$(call RUN_SUITE,bench,full,$(RESULTS))

bench-quick: build
	$(call RUN_SUITE,bench-quick,quick,$(QUICK_RESULTS))

# Fails when the kernel through FFM falls below 10x java-naive (n = 200) or 0.65x OpenBLAS (n = 512).
bench-guard:
	java $(BENCH_CP).Guard $(QUICK_RESULTS)

# The case study (examples/recommender): each backend's service process under open-loop load,
# stepped past its capacity, one point cross-checked with hey (installed from Debian if root).
RECOMMENDER_JAR := $(ROOT)/examples/recommender/target/recommender.jar
define RUN_RECOMMENDER
@command -v hey >/dev/null || { if [ "$$(id -u)" -eq 0 ]; then apt-get install -y -qq hey >/dev/null 2>&1 || \
  { apt-get update -qq && apt-get install -y -qq hey; }; else echo "hey is not installed (sudo apt-get install hey): no cross-check"; fi; }
jar=$$(mktemp --suffix=.jar) && cp $(RECOMMENDER_JAR) $$jar && trap 'rm -f $$jar' EXIT && \
  java -Djava.awt.headless=true -cp $$jar io.github.matmulffm.examples.recommender.loadgen.CapacityRun $(1)
endef

# Writes results/case-study.{md,csv,png} and results/case-study-profile.png (~15 min).
case-study: build
	$(call RUN_RECOMMENDER,--out $(RESULTS))

# The same, small and short (~4 min), as CI's smoke test: it fails if any backend's answers
# disagree with the reference beyond the parity gauge.
case-study-quick: build
	$(call RUN_RECOMMENDER,--quick --step-seconds 2 --out $(QUICK_RESULTS))

# Rewrites results.csv/.md and chart.png from a run's raw.json and env.json.
bench-report:
	java -Djava.awt.headless=true $(BENCH_CP).Report $(RESULTS)

# One benchmark under JMH profilers (gc, stack, ...) or JFR, e.g.
#   make profile PROFILE_BENCH='GemmBenchmark -p impl=ejml -p size=500' PROFILER=jfr
PROFILE_BENCH ?= GemmBenchmark -p impl=rust-heap -p precision=f64 -p size=512 -p threads=1
PROFILER      ?= gc,stack
PROFILE_DIR   ?= $(ROOT)/results/profile
profile: build
	@mkdir -p $(PROFILE_DIR)
	@profs=""; for p in $$(echo "$(PROFILER)" | tr ',' ' '); do \
	  case "$$p" in jfr) profs="$$profs -prof jfr:dir=$(PROFILE_DIR)/jfr";; *) profs="$$profs -prof $$p";; esac; done; \
	set -o pipefail; $(BENCH_JAVA) -jar $(BENCH_JAR) $(PROFILE_BENCH) -f 1 -wi 2 -w 1 -i 5 -r 1 $$profs \
	  | tee $(PROFILE_DIR)/profile.txt; \
	echo; echo "profile output: $(PROFILE_DIR)/profile.txt (JMH's log with the profilers' tables)"; \
	if [ -d $(PROFILE_DIR)/jfr ]; then echo "JFR recordings: $$(find $(PROFILE_DIR)/jfr -name '*.jfr' | tr '\n' ' ')"; \
	  echo "open them in JDK Mission Control, or: jfr print --events jdk.ExecutionSample FILE"; fi

# The worst time to safepoint while heap-array calls run next to an allocating thread,
# under G1 and ZGC, for the shapes that once pinned the heap (benchmarks/NOTES.md).
SAFEPOINT_SECONDS ?= 3
safepoints: build
	java -cp $(BENCH_JAR) io.github.matmulffm.bench.SafepointProbe $(SAFEPOINT_SECONDS)

header:
	@command -v cbindgen >/dev/null || { echo "error: cbindgen is required (apt-get install cbindgen)" >&2; exit 1; }
	cd $(KERNEL_DIR) && cbindgen --quiet --config cbindgen.toml --crate matmul-kernel --output include/matmul_kernel.h .
	@echo "wrote $(HEADER); run make bindings if the API changed"

bindings:
	@if [ -z "$(JEXTRACT)" ] || [ ! -x "$(JEXTRACT)" ]; then \
	  echo "error: set JEXTRACT to an installed jextract (22+), e.g. make bindings JEXTRACT=/opt/jextract/bin/jextract" >&2; exit 1; fi
	rm -f $(FFI_DIR)/*.java
	$(JEXTRACT) --target-package $(FFI_PACKAGE) --output $(ROOT)/java-binding/src/main/java \
	  $$(sed -n 's/^\(const \)\{0,1\}[a-z_0-9]* \**\(mm_[a-z_0-9]*\)(.*/--include-function \2/p' $(HEADER)) \
	  $$(sed -n 's/^#define \(MM_[A-Z_0-9]*\) .*/--include-constant \1/p' $(HEADER)) \
	  --include-typedef mm_status --include-typedef mm_layout --include-typedef mm_transpose \
	  -I $(CLANG_INCLUDE) $(HEADER)
	cd $(ROOT) && sha256sum rust-kernel/include/matmul_kernel.h > $(FFI_DIR)/matmul_kernel.h.sha256
	@echo "regenerated $(FFI_DIR) from $(HEADER)"

clean:
	cd $(KERNEL_DIR) && cargo clean
	-$(MVN) clean
	rm -rf results/quick results/profile results/*.json
