# Everyday tasks. CI runs .ci/run, which does what `make lint fuzz image test`
# does, and first installs what the tests need (Prometheus, Alertmanager,
# the dashboard schema check's npm packages).

GO        ?= go
PROMTOOL  ?= promtool
IMAGE     ?= flink_exporter
SCENARIO  ?= healthy
FUZZTIME  ?= 10000x
FUZZ_PKGS ?= ./flinkapi/
# Where `make test` records the tests skipped for a missing tool
# (internal/testenv); the summary line is printed from it.
SKIP_LOG  ?= $(CURDIR)/.build/skipped-tests.tsv

# The variables `make help` shows, with their values, and expands in the
# targets' descriptions.
HELP_VARS := GO PROMTOOL IMAGE SCENARIO FUZZTIME FUZZ_PKGS VERSION

# Version information, printed by --version and exported as
# flink_exporter_build_info.
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH     ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BUILD_DATE ?= $(shell date -u +%Y%m%d-%H:%M:%S)
VERSION_PKG := github.com/prometheus/common/version
LDFLAGS := -s -w \
	-X $(VERSION_PKG).Version=$(VERSION) \
	-X $(VERSION_PKG).Revision=$(REVISION) \
	-X $(VERSION_PKG).Branch=$(BRANCH) \
	-X $(VERSION_PKG).BuildDate=$(BUILD_DATE)

.PHONY: all help build test lint fuzz dashboards rules generate image docker run-demo local-stack clean

all: lint build test

help: ## List the targets and the variables they use.
	@grep -E '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | sed -e 's/:.*## /\t/' \
	  $(foreach v,$(HELP_VARS),-e 's|\$$($(v))|$(subst |,\|,$($(v)))|g') | expand -t 14
	@echo
	@echo 'Variables (make VAR=value to override):'
	@$(foreach v,$(HELP_VARS),printf '  %-12s%s\n' '$(v)' '$($(v))';)

build: ## Build ./flink_exporter: static, with version information.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o flink_exporter .

test: ## Run every test (go test -race -count=1 ./...), then name the tests skipped for a missing tool.
	@mkdir -p $(dir $(SKIP_LOG)) && rm -f $(SKIP_LOG)
	@echo '$(GO) test -race -count=1 ./...'
	@FLINK_EXPORTER_SKIP_LOG=$(SKIP_LOG) $(GO) test -race -count=1 ./...; status=$$?; \
	  $(GO) run ./internal/testenv/skipsummary $(SKIP_LOG) || status=1; exit $$status

lint: ## gofmt and go vet.
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fuzz: ## Run each fuzzer of the REST decoders briefly ($(FUZZTIME) executions).
	@for pkg in $(FUZZ_PKGS); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep ^Fuzz); do \
	    echo "--- $$pkg $$f"; \
	    $(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

dashboards: ## Regenerate dashboards/*.json and their Kubernetes ConfigMaps.
	$(GO) run ./cmd/gendashboards
	$(GO) test ./deploy -run TestDashboardConfigMapsAreCurrent -update

rules: ## Check the rule files with promtool and run their tests.
	$(PROMTOOL) check rules rules/*.yml
	$(GO) test ./rules

generate: ## Regenerate the rule tests, the PrometheusRule and the dashboard ConfigMaps.
	$(GO) test ./rules ./deploy -update

image: ## Build, inspect and run the container image with buildah (as CI does).
	.ci/image

docker: ## Build the image with Docker (or DOCKER=podman) from the Dockerfile.
	$(or $(DOCKER),docker) build -t $(IMAGE):$(VERSION) -t $(IMAGE):latest \
	  --build-arg ARTIFACTS=build \
	  --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) \
	  --build-arg BRANCH=$(BRANCH) --build-arg BUILD_DATE=$(BUILD_DATE) .

run-demo: ## Run the exporter against the in-process simulator (SCENARIO=$(SCENARIO)).
	$(GO) run . --demo=$(SCENARIO)

local-stack: ## Simulator, exporter, Prometheus and Alertmanager on this machine.
	scripts/local-stack.sh

clean: ## Remove build output.
	rm -f flink_exporter
	rm -rf .build dist
