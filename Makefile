# jcri: build, run, test, install. Everything a target needs is installed by the target itself.
SHELL := /bin/bash

# A JDK 25 or newer: JAVA_HOME if it is one, else one under /usr/lib/jvm or on the PATH (.ci/find-jdk.sh).
# `make deps` says how to install Temurin 25 when there is none.
JAVA_HOME := $(shell sh .ci/find-jdk.sh)
export JAVA_HOME
JAVA := $(JAVA_HOME)/bin/java
MVN := mvn -B -ntp

TARGET := $(CURDIR)/cri-server/target
JAR := $(TARGET)/jcri.jar
AOT := $(TARGET)/jcri.aot
LAUNCHER := $(CURDIR)/cri-server/src/dist/jcri

PREFIX := /usr/local
LIBDIR := $(PREFIX)/lib/jcri
BINDIR := $(PREFIX)/bin

# Debian packages jcri runs with, and those its tests need on top.
RUN_DEBS := crun runc conmon containernetworking-plugins catatonit iproute2 iptables libssl3
# What building needs besides a JDK 25.
BUILD_DEBS := maven
TEST_DEBS := docker-registry busybox-static apache2-utils openssl
# What `make bench` compares against and draws with.
BENCH_DEBS := containerd gnuplot-nox

.PHONY: build run test fuzz bench install clean deps test-deps docs node-vm test-systemd test-cgroup2 critest-node dist test-dist

build: deps $(JAR) $(AOT)

$(JAR): $(shell find pom.xml */pom.xml */src -type f 2>/dev/null)
	$(MVN) -q -DskipTests install
	@touch $(JAR)

# The AOT cache (JEP 483/514) holds the classes jcri loads and links at start-up, taken from one
# training run that starts jcri on a scratch socket and stops it. It halves the time to a ready socket.
$(AOT): $(JAR)
	@$(call train_aot,$(JCRI_HOME_BUILD),$(AOT))

JCRI_HOME_BUILD := $(TARGET)
define train_aot
	sh cri-server/src/dist/train-aot.sh $(LAUNCHER) $(1) $(2)
endef

# Builds if needed, then runs jcri in the foreground with its embedded defaults (no config file needed).
run: deps build
	JCRI_HOME=$(TARGET) $(LAUNCHER) serve

# Coverage-guided fuzzing with Jazzer: each fuzz target for its FuzzTest's maxDuration (2 minutes), one at a
# time (Jazzer fuzzes one target per JVM). Every build already runs each target on thousands of generated
# inputs; this searches further. FUZZ_TARGETS picks some ("module:Class#method"); findings land as
# reproducers under the module's src/test/resources, the corpus in .cifuzz-corpus.
FUZZ_TARGETS ?= image-service:ImageReferenceFuzzTest\#fuzz image-service:LayerUnpackerFuzzTest\#fuzz \
  image-service:ManifestFuzzTest\#fuzz image-service:RegistryInputsFuzzTest\#fuzz image-service:HostsFilesFuzzTest\#fuzz \
  cri-server:ConfigFuzzTest\#fuzz cri-server:CriRequestsFuzzTest\#fuzz \
  cri-server:StreamInputsFuzzTest\#resize cri-server:StreamInputsFuzzTest\#spdy
fuzz: deps test-deps
	$(MVN) -q -DskipTests install
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzzing $$t"; \
	  JAZZER_FUZZ=1 $(MVN) -q test -pl "$${t%%:*}" -Dtest="$${t#*:}" -Dsurefire.failIfNoSpecifiedTests=false \
	    || exit 1; \
	done

# docs/configuration.md from the embedded defaults and the words `jcri config` prints.
docs:
	$(MVN) -q -DskipTests install
	$(MVN) -q -pl cri-server test -Dtest=ConfigurationDocTest -Djcri.docs.update=true

# jcri against containerd 1.6 + crun, same client, alternating; results in bench/results (Markdown + PNG).
bench: deps test-deps build
	@$(call apt_install,$(BENCH_DEBS))
	$(MVN) -q -pl cri-server test-compile dependency:build-classpath -Dmdep.includeScope=test \
	  -Dmdep.outputFile=$(TARGET)/bench.cp
	$(JAVA) --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC $(BENCH_OPTS) \
	  -cp $(TARGET)/test-classes:$(TARGET)/classes:$$(cat $(TARGET)/bench.cp) \
	  dev.jcri.server.bench.Bench $(LAUNCHER) $(TARGET) $(CURDIR)/bench/results

# All tests: unit tests (surefire), integration tests against the real kernel and socket (failsafe), and the
# install test of the .deb in a clean Debian 12 root.
test: deps test-deps
	$(MVN) verify
	@$(MAKE) --no-print-directory test-dist

# A release a node installs without Maven or a JDK: a tarball and a .deb of the same files (jlink'ed Java
# runtime, jar and libraries, the AOT cache, launcher, jcri.service, default config). See make-dist.sh.
VERSION := $(shell sed -n 's:.*<version>\(.*\)-SNAPSHOT</version>.*:\1:p' pom.xml | head -n 1)
DIST := $(CURDIR)/dist
DEB := $(DIST)/jcri_$(VERSION)_amd64.deb
dist: deps build
	bash cri-server/src/dist/make-dist.sh $(VERSION) $(DIST)

# Installs the .deb into a clean Debian 12 root (debootstrap, kept in .dist-test), runs it there, purges it.
test-dist: dist
	@$(call apt_install,debootstrap)
	bash .ci/dist-test.sh $(DEB) $(CURDIR)/.dist-test

# The test node: a Debian 12 VM (systemd as init, cgroup v2 with every controller: what most Kubernetes nodes
# run) booted with qemu, built once into .node-vm from Debian's packages. See .ci/node-vm.
NODE_VM := $(CURDIR)/.node-vm
NODE_VM_DEBS := qemu-system-x86 debootstrap e2fsprogs
node-vm:
	@$(call apt_install,$(NODE_VM_DEBS))
	@[ -f $(NODE_VM)/node.img ] || bash .ci/node-vm/image.sh $(NODE_VM)

# The systemd cgroup driver on the test node: pods in slices, containers in scopes, through systemd's D-Bus API.
test-systemd: deps test-deps node-vm
	$(MVN) -q -DskipTests install
	bash .ci/node-vm/test.sh $(NODE_VM) systemd 'SystemdCgroupIT,ContainerIT#cgroupNamespace_isTheContainersOwnOnV2'

# cgroup v2 with controllers (cgroupfs driver) on the test node: jcri's pod and container tests there.
test-cgroup2: deps test-deps node-vm
	$(MVN) -q -DskipTests install
	bash .ci/node-vm/test.sh $(NODE_VM) cgroup2 'PodSandboxIT,ContainerIT'

# critest (cri-tools' CRI validation suite) against jcri on the test node, once per cgroup driver (systemd, then
# cgroupfs, both on cgroup v2). CRITEST and CRICTL name cri-tools binaries (built from kubernetes-sigs/cri-tools,
# which vendors its modules: see CONFORMANCE's README); CONFORMANCE is the kit that builds stand-ins of every image
# critest pulls and pushes them to a registry whose data the node serves. CRITEST_FOCUS narrows the specs.
CONFORMANCE ?= ../shared/conformance
CRITEST ?= $(shell command -v critest)
CRICTL ?= $(shell command -v crictl)
CRITEST_FOCUS ?=
critest-node: deps node-vm
	@[ -x "$(CRITEST)" ] && [ -x "$(CRICTL)" ] || { echo "set CRITEST and CRICTL to cri-tools binaries" >&2; exit 1; }
	$(MVN) -q -DskipTests install
	bash $(CONFORMANCE)/images.sh && bash $(CONFORMANCE)/registry.sh start && bash $(CONFORMANCE)/registry.sh stop
	bash .ci/node-vm/critest.sh $(NODE_VM) $(CRITEST) $(CRICTL) /var/lib/harness/registry/data '$(CRITEST_FOCUS)'

install: deps build
	install -d $(LIBDIR)/lib/native $(BINDIR) /etc/jcri/jcri.d
	rm -f $(LIBDIR)/lib/*.jar $(LIBDIR)/lib/native/*.so
	install -m 0644 $(JAR) $(LIBDIR)/jcri.jar
	install -m 0644 $(TARGET)/lib/*.jar $(LIBDIR)/lib/
	install -m 0644 $(TARGET)/lib/native/*.so $(LIBDIR)/lib/native/
	install -m 0755 $(LAUNCHER) $(BINDIR)/jcri
	@$(call train_aot,$(LIBDIR),$(LIBDIR)/jcri.aot)
	@if [ ! -f /etc/jcri/jcri.toml ]; then $(BINDIR)/jcri config --config-dir /nonexistent > /etc/jcri/jcri.toml; \
	  echo "wrote the default /etc/jcri/jcri.toml"; fi
	install -d /etc/systemd/system
	install -m 0644 cri-server/src/dist/jcri.service /etc/systemd/system/jcri.service
	@if [ -d /run/systemd/system ]; then systemctl daemon-reload; echo "enable with: systemctl enable --now jcri"; fi

clean:
	$(MVN) -q clean

# Installs the Debian packages that are missing (apt-get only when something is).
deps:
	@$(call apt_install,$(RUN_DEBS) $(BUILD_DEBS))
	@test -n "$(JAVA_HOME)" || { echo "No JDK 25 or newer found (JAVA_HOME, /usr/lib/jvm/*, javac on the PATH)."; \
	  echo "Install Temurin 25 from Adoptium's Debian repository:"; \
	  echo "  apt-get install -y wget gpg"; \
	  echo "  wget -qO- https://packages.adoptium.net/artifactory/api/gpg/key/public | gpg --dearmor > /etc/apt/trusted.gpg.d/adoptium.gpg"; \
	  echo "  echo 'deb https://packages.adoptium.net/artifactory/deb bookworm main' > /etc/apt/sources.list.d/adoptium.list"; \
	  echo "  apt-get update && apt-get install -y temurin-25-jdk"; \
	  echo "or set JAVA_HOME to a JDK 25."; exit 1; }

test-deps:
	@$(call apt_install,$(TEST_DEBS))

define apt_install
	missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; fi
endef
