#!/usr/bin/env python3
"""What a user would otherwise run: a plain pyca/cryptography script that reads a store of PEM
bundles and checks expiry, SAN count and internal (.local) names -- no chain validation, no
Exchange bindings, no report beyond three counts. `benches/scan_store.rs` times it on the same
store in the same run as certaudit, for BENCHMARKS.md.

    python3 benches/compare_pyca.py STORE_DIR [AT]      (AT: YYYY-MM-DD, default 2026-06-01)
"""

import datetime
import pathlib
import sys

from cryptography import x509


def main() -> None:
    store = pathlib.Path(sys.argv[1])
    at = datetime.datetime.fromisoformat(sys.argv[2] if len(sys.argv) > 2 else "2026-06-01").replace(
        tzinfo=datetime.timezone.utc
    )
    certificates = expired = many_sans = internal = 0
    for path in sorted(store.rglob("*.pem")):
        for cert in x509.load_pem_x509_certificates(path.read_bytes()):
            certificates += 1
            if cert.not_valid_after_utc < at:
                expired += 1
            try:
                names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            except x509.ExtensionNotFound:
                continue
            dns = names.get_values_for_type(x509.DNSName)
            if len(dns) > 50:
                many_sans += 1
            if any(n.endswith(".local") for n in dns):
                internal += 1
    print(f"{certificates} certificates: {expired} expired, {many_sans} with more than 50 SANs, {internal} with .local names")


if __name__ == "__main__":
    main()
