"""Pods of a rendered Deployment, run as a kubelet would run them but
without one: each container of the built OCI image (k8s/images/build.sh)
under runc, in a network namespace of its own on a bridge, with the pod's
user, groups, read-only root, capabilities, no_new_privs, volumes (Secrets
and ConfigMaps as read-only files of group fsGroup, emptyDirs), environment
(envFrom Secrets), memory and CPU limits, an open-file soft limit of 1024
and kubelet's /etc/resolv.conf, /etc/hosts and /etc/hostname; probes are run
by kubelet's own probers (the `probe` tool, tests/k8s/gotools). A dnsmasq
stands for the cluster DNS: a headless Service's name resolves to its ready
pods, as the endpoints controller and CoreDNS would make it.

Not reproduced: the container runtime's default seccomp profile
(RuntimeDefault), scheduling, NetworkPolicy enforcement and image pulls.
Needs root (network namespaces, runc)."""

import base64
import copy
import hashlib
import json
import os
import pathlib
import resource
import signal
import subprocess
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = REPO / ".k8s-build" / "bin"
LAYOUT = REPO / ".k8s-build" / "images" / "oci"
BUNDLES = REPO / ".k8s-build" / "bundles"
# The open-file limits a container gets: soft 1024 (containerd's default),
# hard containerd's 524288 or this machine's own hard limit when lower (a
# container cannot be given more).
NOFILE_SOFT = 1024
NOFILE_HARD = min(524288, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
DOMAIN = "svc.cluster.local"


def ip(*args):
    subprocess.run(["ip", *map(str, args)], check=True, capture_output=True)


def quantity(text):
    """Bytes of a Kubernetes memory quantity, or millicores of a CPU one."""
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "m": 1}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(text[:-len(unit)]) * factor
    return int(float(text) * 1000)  # Whole CPUs, in millicores.


def rootfs_of(image):
    """The unpacked root file system of `image` (a tag of the layout),
    unpacked once per image digest and shared read-only by its pods."""
    index = json.loads((LAYOUT / "index.json").read_text())
    digest = next(m["digest"] for m in index["manifests"]
                  if m["annotations"]["org.opencontainers.image.ref.name"] == image)
    bundle = BUNDLES / f"{image}-{digest.split(':')[1][:16]}"
    if not (bundle / "config.json").exists():
        subprocess.run(["rm", "-rf", bundle], check=True)
        BUNDLES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["umoci", "unpack", "--image", f"{LAYOUT}:{image}", bundle],
                       check=True, capture_output=True)
    return bundle


class Network:
    """A bridge 10.213.N.1/24 in this namespace; pods get .2 and up."""

    def __init__(self, tag):
        self.tag = tag
        self.subnet = f"10.213.{tag % 250}"
        self.gateway = f"{self.subnet}.1"
        self.bridge = f"mfkb{tag}"
        self._next = 2
        self._links = []
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")

    def attach(self, netns):
        """A new network namespace on the bridge; returns its address."""
        address = f"{self.subnet}.{self._next}"
        outside = f"mfk{self.tag}x{self._next}"
        self._next += 1
        ip("netns", "add", netns)
        ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", netns)
        ip("link", "set", outside, "master", self.bridge, "up")
        ip("-n", netns, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", netns, "link", "set", "eth0", "up")
        ip("-n", netns, "link", "set", "lo", "up")
        ip("-n", netns, "route", "add", "default", "via", self.gateway)
        self._links.append((outside, netns))
        return address

    def remove(self):
        for outside, netns in self._links:
            subprocess.run(["ip", "link", "del", outside], capture_output=True)
            subprocess.run(["ip", "netns", "del", netns], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


class Dns:
    """dnsmasq on the bridge address, answering only the names set here."""

    def __init__(self, directory, address):
        self.hosts = pathlib.Path(directory) / "hosts"
        self.hosts.write_text("")
        self.records = {}
        self.process = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
             "--no-poll", f"--addn-hosts={self.hosts}", f"--listen-address={address}",
             "--bind-interfaces", "--port=53", "--user=root", "--pid-file=",
             "--log-facility=-", "--local-ttl=1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def set(self, name, addresses):
        self.records[name] = list(addresses)
        self.hosts.write_text("".join(f"{a} {n}\n" for n, found in self.records.items()
                                      for a in found))
        self.process.send_signal(signal.SIGHUP)  # Rereads the hosts file.

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class Pod:
    """One replica of `deployment` (rendered), its first container run."""

    def __init__(self, cluster, deployment, index, objects):
        self.cluster = cluster
        namespace = deployment["metadata"]["namespace"]
        self.name = f"{deployment['metadata']['name']}-{index}"
        self.labels = deployment["spec"]["template"]["metadata"]["labels"]
        spec = deployment["spec"]["template"]["spec"]
        self.container = spec["containers"][0]
        self.dir = cluster.dir / self.name
        self.dir.mkdir()
        self.netns = f"mfk{cluster.network.tag}-{self.name}"[:40]
        self.address = cluster.network.attach(self.netns)
        self.id = f"mfk{cluster.network.tag}-{self.name}"
        image = self.container["image"].rsplit(":", 1)[0].rsplit("/", 1)[-1]
        image = image.removeprefix("mfgate-")
        bundle = rootfs_of(image)
        config = json.loads((bundle / "config.json").read_text())
        config["root"] = {"path": str(bundle / "rootfs"), "readonly": bool(
            self.container["securityContext"].get("readOnlyRootFilesystem"))}
        self._process_of(config, spec, objects)
        self._mounts_of(config, spec, namespace, objects)
        config["hostname"] = self.name
        for entry in config["linux"]["namespaces"]:
            if entry["type"] == "network":
                entry["path"] = f"/var/run/netns/{self.netns}"
        limits = self.container["resources"]["limits"]
        millicores = quantity(limits["cpu"])
        config["linux"]["resources"].update({
            "memory": {"limit": quantity(limits["memory"])},
            "cpu": {"period": 100000, "quota": millicores * 100}})
        config["linux"]["cgroupsPath"] = f"/mfgate-test/{self.id}"
        (self.dir / "config.json").write_text(json.dumps(config, indent=1))
        self.log = []
        self.process = subprocess.Popen(
            ["runc", "--root", str(cluster.runc_root), "run", "--bundle", str(self.dir),
             self.id], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.log.append(line.decode(errors="replace"))

    def _process_of(self, config, spec, objects):
        security = spec["securityContext"]
        process = config["process"]
        process["terminal"] = False
        process["args"] = (self.container.get("command") or process["args"]) + \
            self.container.get("args", [])
        process["user"] = {"uid": security["runAsUser"], "gid": security["runAsGroup"],
                           "additionalGids": [security["fsGroup"]]}
        process["noNewPrivileges"] = not self.container["securityContext"].get(
            "allowPrivilegeEscalation", True)
        dropped = self.container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        process["capabilities"] = {k: [] if dropped else v
                                   for k, v in process["capabilities"].items()}
        process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": NOFILE_SOFT,
                               "hard": NOFILE_HARD}]
        env = [e for e in process["env"] if not e.startswith("TERM=")]
        env.append(f"HOSTNAME={self.name}")
        for item in self.container.get("env", []):
            env.append(f"{item['name']}={item['value']}")
        for source in self.container.get("envFrom", []):
            data = objects[("Secret", source["secretRef"]["name"])]["data"]
            env += [f"{k}={base64.b64decode(v).decode()}" for k, v in data.items()]
        process["env"] = env

    def _mounts_of(self, config, spec, namespace, objects):
        group = spec["securityContext"]["fsGroup"]
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        mounts = config["mounts"]
        etc = self.dir / "etc"
        etc.mkdir()
        (etc / "resolv.conf").write_text(
            f"nameserver {self.cluster.network.gateway}\n"
            f"search {namespace}.{DOMAIN} {DOMAIN} cluster.local\noptions ndots:5\n")
        (etc / "hosts").write_text(f"127.0.0.1 localhost\n{self.address} {self.name}\n")
        (etc / "hostname").write_text(self.name + "\n")
        for name in ("resolv.conf", "hosts", "hostname"):
            mounts.append({"destination": f"/etc/{name}", "type": "bind",
                           "source": str(etc / name), "options": ["rbind", "ro"]})
        for mount in self.container.get("volumeMounts", []):
            volume = volumes[mount["name"]]
            source = self.dir / "volumes" / mount["name"]
            source.mkdir(parents=True)
            if "emptyDir" in volume:
                os.chown(source, 0, group)
                source.chmod(0o2777)
                options = ["rbind", "rw", "nosuid", "nodev"]
            else:
                kind, key = (("ConfigMap", "configMap"), ("Secret", "secret"))[
                    "secret" in volume]
                name = volume[key].get("name") or volume[key]["secretName"]
                data = objects[(kind, name)]["data"]
                mode = volume[key].get("defaultMode", 0o644)
                for file, value in data.items():
                    path = source / file
                    path.write_bytes(base64.b64decode(value) if kind == "Secret"
                                     else value.encode())
                    # kubelet: owned by root, group fsGroup, group may read.
                    os.chown(path, 0, group)
                    path.chmod(mode | ((mode & 0o400) >> 3))
                source.chmod(0o755)
                options = ["rbind", "ro", "nosuid", "nodev", "noexec"]
            mounts.append({"destination": mount["mountPath"], "type": "bind",
                           "source": str(source), "options": options})

    def probe(self, which):
        """Runs the container's `which` probe once; (succeeded, output)."""
        result = subprocess.run([BIN / "probe", self.address, which,
                                 json.dumps(self.container)],
                                capture_output=True, text=True, timeout=60)
        return result.returncode == 0, result.stdout + result.stderr

    def wait_probe(self, which, timeout=300):
        """Runs `which` as kubelet would, every periodSeconds, until it
        succeeds; fails when the container exits or at `timeout`."""
        period = self.container[which].get("periodSeconds", 10)
        deadline = time.monotonic() + timeout
        while True:
            ok, output = self.probe(which)
            if ok:
                return output
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n"
                                     + "".join(self.log)[-5000:])
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: {which} never succeeded ({output}):\n"
                                     + "".join(self.log)[-5000:])
            time.sleep(period)

    def exec(self, *argv):
        """Runs argv in the container (as its user), returns its output."""
        result = subprocess.run(["runc", "--root", str(self.cluster.runc_root), "exec",
                                 self.id, *argv], capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout + result.stderr

    def stop(self):
        subprocess.run(["runc", "--root", str(self.cluster.runc_root), "kill", self.id,
                        "TERM"], capture_output=True)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            subprocess.run(["runc", "--root", str(self.cluster.runc_root), "kill", self.id,
                            "KILL"], capture_output=True)
            self.process.wait(10)
        subprocess.run(["runc", "--root", str(self.cluster.runc_root), "delete", "-f",
                        self.id], capture_output=True)
        return self.process.returncode


class Cluster:
    """The network, DNS and runc state of the pods of one test."""

    def __init__(self, directory):
        self.dir = pathlib.Path(directory)
        self.runc_root = self.dir / "runc"
        tag = int(hashlib.sha256(str(self.dir).encode()).hexdigest(), 16) % 90000 + 10000
        self.network = Network(tag)
        self.dns = Dns(self.dir, self.network.gateway)
        self.pods = []

    def run(self, deployment, objects, replicas=None):
        pods = [Pod(self, deployment, i, objects)
                for i in range(replicas or deployment["spec"]["replicas"])]
        self.pods += pods
        return pods

    def publish(self, service, namespace, pods):
        """The Service's DNS name resolves to `pods` (its ready endpoints)."""
        self.dns.set(f"{service}.{namespace}.{DOMAIN}", [p.address for p in pods])

    def stop(self):
        """Stops every pod (SIGTERM, as kubelet does); returns their exit
        codes. The network and DNS go with the last call, close()."""
        codes = {pod.name: pod.stop() for pod in self.pods}
        self.pods = []
        return codes

    def close(self):
        self.stop()
        self.dns.stop()
        self.network.remove()
