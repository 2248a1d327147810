# fmkit top-level entry points. Every target depends on `deps`, so `make reproduce` and
# `make test` each work alone on a fresh Debian machine.
BUILD ?= build
JOBS  ?= $(shell nproc)
DEBS  := cmake g++ make libeigen3-dev libcli11-dev nlohmann-json3-dev libhdf5-dev hdf5-tools zlib1g-dev \
         libfaiss-dev liblemon-dev libgtest-dev libbenchmark-dev libopenblas0-pthread \
         python3 python3-h5py python3-matplotlib python3-numpy python3-pandas python3-scipy python3-sklearn
# The tests also start a one-node Slurm cluster (tests/cluster/slurm_sweep.sh).
TEST_DEBS := slurmctld slurmd slurm-client munge
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps test-deps install-debs build test reproduce reproduce-paper clean

all: build

deps:
	@$(MAKE) --no-print-directory install-debs PKGS="$(DEBS)"

test-deps:
	@$(MAKE) --no-print-directory install-debs PKGS="$(TEST_DEBS)"

# Installs whichever of PKGS are missing (apt-get; sudo when not root). The daemons of the Slurm
# packages are not started here: the cluster test starts and stops its own.
install-debs:
	@missing=""; for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build test-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

reproduce: build
	bash experiments/reproduce.sh $(BUILD) quick

# The full-size configs of every study into results-paper/: about 3.5 days on 2 cores (about 170
# core-hours, estimated: SD-FM 130, TV 38, KL and DFM 2), resumable
# (rerun to continue); SD-FM and TV run as sweeps of JOBS one-thread runs.
reproduce-paper: build
	JOBS=$(JOBS) bash experiments/reproduce.sh $(BUILD) paper

clean:
	rm -rf $(BUILD) results results-paper
