// Command probe runs one probe of a container as kubelet runs it, with
// kubelet's own probers (k8s.io/kubernetes/pkg/probe/grpc and .../http), for
// the tests that run pods without a kubelet.
//
//	probe POD_IP PROBE CONTAINER_JSON
//
// PROBE is startupProbe, livenessProbe or readinessProbe; CONTAINER_JSON the
// container of the rendered manifest (its probes and named ports). Prints
// the result and exits 0 on success, 1 on failure, 2 on bad input.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/probe"
	grpcprobe "k8s.io/kubernetes/pkg/probe/grpc"
	httpprobe "k8s.io/kubernetes/pkg/probe/http"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: probe POD_IP PROBE CONTAINER_JSON")
		os.Exit(2)
	}
	podIP, which := os.Args[1], os.Args[2]
	var container v1.Container
	if err := json.Unmarshal([]byte(os.Args[3]), &container); err != nil {
		fmt.Fprintln(os.Stderr, "container:", err)
		os.Exit(2)
	}
	spec := map[string]*v1.Probe{"startupProbe": container.StartupProbe,
		"livenessProbe": container.LivenessProbe, "readinessProbe": container.ReadinessProbe}[which]
	if spec == nil {
		fmt.Fprintf(os.Stderr, "the container has no %s\n", which)
		os.Exit(2)
	}
	timeout := time.Duration(spec.TimeoutSeconds) * time.Second
	if timeout == 0 {
		timeout = time.Second // The API server's default.
	}
	var result probe.Result
	var output string
	var err error
	switch {
	case spec.GRPC != nil:
		service := ""
		if spec.GRPC.Service != nil {
			service = *spec.GRPC.Service
		}
		result, output, err = grpcprobe.New().Probe(podIP, service, int(spec.GRPC.Port), timeout)
	case spec.HTTPGet != nil:
		request, requestErr := httpprobe.NewRequestForHTTPGetAction(spec.HTTPGet, &container, podIP, "probe")
		if requestErr != nil {
			fmt.Fprintln(os.Stderr, requestErr)
			os.Exit(2)
		}
		result, output, err = httpprobe.New(false).Probe(request, timeout)
	default:
		fmt.Fprintln(os.Stderr, "only gRPC and HTTP GET probes are run here")
		os.Exit(2)
	}
	fmt.Printf("%s %s %s\n", result, output, errText(err))
	if result != probe.Success {
		os.Exit(1)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
