"""A real Kubernetes API server for the tests: etcd and kube-apiserver (the
pinned builds in .k8s-build/bin, tools/install-deps.sh --k8s) on loopback,
with a self-signed serving certificate, a static admin token and a service
account key pair, and a kubeconfig for kubectl. No kubelet, scheduler or
controllers: objects are stored and admitted (Pod Security included), never
run."""

import os
import pathlib
import secrets
import socket
import subprocess
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = REPO / ".k8s-build" / "bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiServer:
    """etcd and kube-apiserver under `directory`; `kubectl(...)` runs the
    pinned kubectl against it. Call stop() to end both."""

    def __init__(self, directory):
        self.dir = pathlib.Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._processes = []
        client, peer, secure = free_port(), free_port(), free_port()
        self._start("etcd", [
            BIN / "etcd", "--data-dir", self.dir / "etcd",
            "--listen-client-urls", f"http://127.0.0.1:{client}",
            "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"default=http://127.0.0.1:{peer}"])
        token = secrets.token_hex(16)
        (self.dir / "tokens.csv").write_text(f"{token},admin,admin,system:masters\n")
        subprocess.run(["openssl", "genrsa", "-out", self.dir / "sa.key", "2048"],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "rsa", "-in", self.dir / "sa.key", "-pubout",
                        "-out", self.dir / "sa.pub"], check=True, capture_output=True)
        self._start("kube-apiserver", [
            BIN / "kube-apiserver", "--etcd-servers", f"http://127.0.0.1:{client}",
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
            "--secure-port", str(secure), "--cert-dir", self.dir / "certs",
            "--token-auth-file", self.dir / "tokens.csv", "--authorization-mode", "RBAC",
            "--service-account-issuer", "https://kubernetes.default.svc",
            "--service-account-key-file", self.dir / "sa.pub",
            "--service-account-signing-key-file", self.dir / "sa.key",
            "--service-cluster-ip-range", "10.96.0.0/16"])
        self.kubeconfig = self.dir / "kubeconfig"
        self.kubeconfig.write_text(f"""apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:{secure}
    certificate-authority: {self.dir / 'certs' / 'apiserver.crt'}
users:
- name: admin
  user:
    token: {token}
contexts:
- name: test
  context: {{cluster: test, user: admin}}
current-context: test
""")
        deadline = time.monotonic() + 180
        while True:
            if (self.dir / "certs" / "apiserver.crt").exists():
                ready = self.kubectl("get", "--raw", "/readyz", check=False)
                if ready.returncode == 0 and ready.stdout.strip() == "ok":
                    break
            for name, process, log in self._processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the API server did not become ready in 180 s")
            time.sleep(0.5)

    def _start(self, name, argv):
        log = self.dir / f"{name}.log"
        process = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                                   stdout=open(log, "w"), stderr=subprocess.STDOUT)
        self._processes.append((name, process, log))

    def kubectl(self, *args, input=None, check=True):
        result = subprocess.run(
            [str(BIN / "kubectl"), "--kubeconfig", str(self.kubeconfig), *map(str, args)],
            input=input, capture_output=True, text=True, timeout=120,
            env=dict(os.environ, KUBECTL_SKIP_UPDATE_CHECK="1"))
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(map(str, args))}: {result.stderr}")
        return result

    def stop(self):
        for _, process, _ in reversed(self._processes):
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
