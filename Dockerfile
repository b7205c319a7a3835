# Image of flink_exporter. Its name is the title label below,
# flink_exporter; tag it with the version and, to deploy it, with your
# registry (deploy/kubernetes/kustomization.yaml renames it under images:).
#
#   docker build -t flink_exporter:latest \
#     --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg BRANCH=$(git rev-parse --abbrev-ref HEAD) \
#     --build-arg BUILD_DATE=$(date -u +%Y%m%d-%H:%M:%S) .
#   docker run --rm -p 9894:9894 flink_exporter:latest --flink.url=http://jobmanager:8081
#
# (`make docker` runs the first command.) With buildah or podman build, add
# --build-arg ARTIFACTS=build: buildah (1.28 at least) resolves a stage
# named through an ARG only when the ARG is given. Base images are named in
# full (docker.io/library/...), so that buildah needs no short-name alias.
# Without a registry or a Docker engine, `make image` builds
# localhost/flink_exporter:ci offline; the README's Container section says
# how to run it.
#
# The runtime stage is FROM scratch and holds only
#   /bin/flink_exporter                        the static binary (ENTRYPOINT)
#   /etc/ssl/certs/ca-certificates.crt         CA certificates, for https JobManagers
#   /etc/flink_exporter/rules/*.yml            the recording and alerting rules
#   /etc/flink_exporter/dashboards/*.json      the Grafana dashboards
# and runs as nobody (65534:65534).
#
# It copies those files from the stage named by ARTIFACTS: by default the
# Go build below; CI (.ci/image), which has no Docker engine and no access
# to Docker Hub, builds the binary itself, assembles the same /out tree in
# an image of its own and passes --build-arg ARTIFACTS=<that image>, so that
# this very runtime stage is what CI builds, inspects and runs.
ARG ARTIFACTS=build

FROM docker.io/library/golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
ARG BRANCH=unknown
ARG BUILD_DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${VERSION} \
        -X github.com/prometheus/common/version.Revision=${REVISION} \
        -X github.com/prometheus/common/version.Branch=${BRANCH} \
        -X github.com/prometheus/common/version.BuildDate=${BUILD_DATE}" \
      -o /out/bin/flink_exporter . \
 && mkdir -p /out/etc/ssl/certs /out/etc/flink_exporter/rules /out/etc/flink_exporter/dashboards \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && cp rules/*.yml /out/etc/flink_exporter/rules/ \
 && cp dashboards/*.json /out/etc/flink_exporter/dashboards/

FROM ${ARTIFACTS} AS artifacts

FROM scratch
LABEL org.opencontainers.image.title="flink_exporter" \
      org.opencontainers.image.description="Prometheus exporter for Apache Flink checkpoint health" \
      org.opencontainers.image.source="https://github.com/flink-exporter/flink_exporter" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=artifacts /out/ /
USER 65534:65534
EXPOSE 9894
ENTRYPOINT ["/bin/flink_exporter"]
