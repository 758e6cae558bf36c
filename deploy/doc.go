// Package deploy holds no code: its folder holds the ways to run Concierge
// in production (the Dockerfile, compose.yaml with Caddy, the Helm chart,
// the systemd unit and the Grafana dashboard; docs/deploy.md tells how),
// and its tests check those files as far as a machine without a container
// engine or a cluster can. Nothing imports it.
package deploy
