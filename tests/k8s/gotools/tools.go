//go:build tools

// Package tools pins the Kubernetes API server and kubectl the tests run
// (tools/install-deps.sh --k8s builds k8s.io/kubernetes/cmd/kube-apiserver,
// k8s.io/kubernetes/cmd/kubectl and ./probe in this module, at the versions
// of go.mod). The k8s.io/kubernetes module replaces its k8s.io/* staging
// modules with local paths, so go.mod replaces each with its published
// version.
package tools

import (
	_ "k8s.io/kubectl/pkg/cmd"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
)
