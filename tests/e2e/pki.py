"""A throwaway certificate authority for the mutual-TLS tests (openssl CLI)."""

import pathlib
import subprocess


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Pki:
    """A CA in `directory` that issues leaf certificates on demand."""

    def __init__(self, directory, name="mfgate-test-ca"):
        self.dir = pathlib.Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ca = self.dir / "ca.crt"
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-days", "2", "-subj", f"/CN={name}", "-keyout", "ca.key",
                 "-out", "ca.crt", cwd=self.dir)

    def issue(self, name, dns=(), ips=()):
        """A certificate and key for CN=`name` with the given SANs: (crt, key)."""
        sans = [f"DNS:{d}" for d in (name, *dns)] + [f"IP:{ip}" for ip in ips]
        (self.dir / f"{name}.ext").write_text(
            "subjectAltName=" + ",".join(sans) + "\n"
            "extendedKeyUsage=serverAuth,clientAuth\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 cwd=self.dir)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext",
                 "-out", f"{name}.crt", cwd=self.dir)
        return self.dir / f"{name}.crt", self.dir / f"{name}.key"
