// Package deploy holds no code: it is the home of the Kubernetes manifests
// in deploy/kubernetes and of the tests that keep them deployable. The
// tests parse every manifest, match the Deployment, the Service, the
// ServiceMonitors, the PodMonitor and the ScrapeConfig against each other,
// load the exporter's configuration from its ConfigMap with the exporter's
// own loader, check every container argument against the flags of the
// built binary and the image against the Dockerfile, and generate the
// Grafana dashboard ConfigMaps from dashboards/*.json
// (go test ./deploy -update).
package deploy
