# Build: docker build -t flink_exporter .   (or buildah bud)
# The runtime stage holds only the static binary, the rules and the
# dashboards, and runs as an unprivileged user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION} -X github.com/prometheus/common/version.Revision=${REVISION}" \
      -o /out/flink_exporter . \
 && mkdir -p /out/etc/flink_exporter

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/flink_exporter /bin/flink_exporter
COPY --from=build /out/etc/flink_exporter /etc/flink_exporter
USER 65534:65534
EXPOSE 9894
ENTRYPOINT ["/bin/flink_exporter"]
