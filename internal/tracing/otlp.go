package tracing

import (
	"cmp"
	"fmt"
	"strings"
)

// signal is one kind of OpenTelemetry data: the word of its OTEL_*
// variables and the path of its OTLP/HTTP export.
type signal struct{ name, path string }

var (
	tracesSignal  = signal{"TRACES", "/v1/traces"}
	metricsSignal = signal{"METRICS", "/v1/metrics"}
	logsSignal    = signal{"LOGS", "/v1/logs"}
)

// target is where one signal is exported.
type target struct {
	grpc  bool
	url   string // the endpoint URL: with the signal's path over HTTP
	where string // protocol and URL, for the start-up log
}

// grpcOpts is the gRPC exporter's endpoint option, or none for its
// default (localhost:4317).
func grpcOpts[O any](t target, withURL func(string) O) []O {
	if t.url == "" {
		return nil
	}
	return []O{withURL(t.url)}
}

// otlpTarget reads whether and where sig is exported from the standard
// variables, the same way for every signal. It is off unless an OTLP
// endpoint (the signal's or the common one) is set or
// OTEL_<SIG>_EXPORTER=otlp asks for one; OTEL_SDK_DISABLED=true and
// OTEL_<SIG>_EXPORTER=none turn it off whatever else is set. Off by
// default departs from the specification, whose default exporter is
// otlp, on purpose: a shop started with `make run` must not try to reach
// a collector on localhost.
//
// The protocol is OTEL_EXPORTER_OTLP_<SIG>_PROTOCOL or
// OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf (the default) or grpc. Over
// HTTP the signal's own endpoint is used as it is and the common one gets
// the signal's path, as the specification says.
func otlpTarget(getenv func(string) string, sig signal) (target, bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return target{}, false, nil
	}
	own := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + sig.name + "_ENDPOINT"))
	common := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
	switch exp := strings.TrimSpace(getenv("OTEL_" + sig.name + "_EXPORTER")); exp {
	case "none":
		return target{}, false, nil
	case "":
		if own == "" && common == "" {
			return target{}, false, nil
		}
	case "otlp":
	default:
		return target{}, false, fmt.Errorf("tracing: OTEL_%s_EXPORTER=%q: only otlp and none are supported", sig.name, exp)
	}
	protocol := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + sig.name + "_PROTOCOL"))
	if protocol == "" {
		protocol = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	switch protocol {
	case "", "http/protobuf":
		t := target{url: "http://localhost:4318" + sig.path}
		switch {
		case own != "":
			t.url = own
		case common != "":
			t.url = strings.TrimRight(common, "/") + sig.path
		}
		t.where = withoutCredentials("OTLP/HTTP " + t.url)
		return t, true, nil
	case "grpc":
		t := target{grpc: true, url: cmp.Or(own, common)}
		t.where = withoutCredentials("OTLP/gRPC " + cmp.Or(t.url, "http://localhost:4317"))
		return t, true, nil
	default:
		return target{}, false, fmt.Errorf("tracing: OTLP protocol %q: only http/protobuf and grpc are supported", protocol)
	}
}
