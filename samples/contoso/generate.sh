#!/usr/bin/env bash
# Regenerates the Contoso sample store (samples/contoso/store, trust-anchors/) with OpenSSL 3.
# Dates are fixed, so the README's demo pins --at 2026-06-01. The output is committed;
# running this again gives new keys and serials but the same findings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d); export WORK
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=../../scripts/openssl-ca-lib.sh
. "$here/../../scripts/openssl-ca-lib.sh"
ca_init

store=$here/store
rm -rf "$store" "$here/trust-anchors"
mkdir -p "$store/weak" "$here/trust-anchors"
password=$(cat "$here/pfx-password.txt")

# Contoso's private PKI: root (a trust anchor for the demo) and an issuing CA.
issue root "/C=US/O=Contoso/CN=Contoso Root CA" "" 20200101000000Z 20400101000000Z self rsa:4096 sha256 v3_root
issue issuing "/C=US/O=Contoso/CN=Contoso Issuing CA 1" "" 20200101000000Z 20350101000000Z root rsa:2048 sha256 v3_issuing
cp "$WORK/root.crt" "$here/trust-anchors/contoso-root-ca.pem"
openssl crl2pkcs7 -nocrl -certfile "$WORK/root.crt" -certfile "$WORK/issuing.crt" -outform DER -out "$store/contoso-chain.p7b"

# Clean: the current client certificate (PFX, modern AES-256 / SHA-256 MAC) and an EC one.
issue mail "/C=US/O=Contoso/CN=mail.contoso.com" "DNS:mail.contoso.com,DNS:autodiscover.contoso.com,DNS:owa.contoso.com" 20260115000000Z 20270115000000Z issuing
openssl pkcs12 -export -in "$WORK/mail.crt" -inkey "$WORK/mail.key" -certfile "$WORK/issuing.crt" \
  -name "mail.contoso.com 2026" -passout "pass:$password" -out "$store/mail-2026.pfx"
issue autodiscover "/O=Contoso/CN=autodiscover.contoso.com" "DNS:autodiscover.contoso.com" 20260301000000Z 20270301000000Z issuing ec:P-256
cp "$WORK/autodiscover.crt" "$store/autodiscover-ec.pem"

# Expired: last year's certificate left behind by the renewal (DER .cer, as Windows exports it).
issue mail2025 "/C=US/O=Contoso/CN=mail.contoso.com" "DNS:mail.contoso.com,DNS:autodiscover.contoso.com" 20250301000000Z 20260301000000Z issuing
openssl x509 -in "$WORK/mail2025.crt" -outform DER -out "$store/mail-2025-expired.cer"

# Expiring soon: 4 days (critical), 20 days (high, PEM with OpenSSL text), 45 days (medium, legacy PFX).
issue smtp "/O=Contoso/CN=smtp.contoso.com" "DNS:smtp.contoso.com" 20250605000000Z 20260605000000Z issuing
cp "$WORK/smtp.crt" "$store/smtp-expiring.pem"
issue legacy "/O=Contoso/CN=legacy.contoso.com" "DNS:legacy.contoso.com" 20250621000000Z 20260621000000Z issuing
openssl x509 -in "$WORK/legacy.crt" -text > "$store/legacy-expiring.crt"
issue archive "/O=Contoso/CN=archive.contoso.com" "DNS:archive.contoso.com" 20250716000000Z 20260716000000Z issuing
openssl pkcs12 -export -legacy -in "$WORK/archive.crt" -inkey "$WORK/archive.key" \
  -passout "pass:$password" -out "$store/archive-legacy.p12"

# Not yet valid.
issue future "/O=Contoso/CN=mail2.contoso.com" "DNS:mail2.contoso.com" 20260701000000Z 20270701000000Z issuing
cp "$WORK/future.crt" "$store/mail2-not-yet-valid.pem"

# Self-signed Exchange server certificate with internal names (DER).
issue ex01 "/CN=EX01" "DNS:EX01,DNS:ex01.contoso.local" 20240101000000Z 20290101000000Z self
openssl x509 -in "$WORK/ex01.crt" -outform DER -out "$store/ex01-selfsigned.cer"

# Issued by a partner CA whose intermediate is not supplied.
issue fabroot "/O=Fabrikam/CN=Fabrikam Root CA" "" 20200101000000Z 20400101000000Z self rsa:2048 sha256 v3_root
issue fabca "/O=Fabrikam/CN=Fabrikam Partner CA" "" 20200101000000Z 20350101000000Z fabroot rsa:2048 sha256 v3_issuing
issue partner "/O=Fabrikam/CN=partner.fabrikam.com" "DNS:partner.fabrikam.com" 20260101000000Z 20270101000000Z fabca
cp "$WORK/partner.crt" "$store/partner-missing-intermediate.pem"

# Internal names and a private address.
issue internal "/O=Contoso/CN=mail.contoso.local" "DNS:mail.contoso.local,DNS:mail.contoso.com,IP:10.0.0.5" 20260101000000Z 20270101000000Z issuing
cp "$WORK/internal.crt" "$store/internal-names.pem"

# More than 50 names.
sans=$(for i in $(seq -w 1 60); do printf 'DNS:ex%s.contoso.com,' "$i"; done)
issue many "/O=Contoso/CN=ex01.contoso.com" "${sans%,}" 20260101000000Z 20270101000000Z issuing
cp "$WORK/many.crt" "$store/many-sans.pem"

# Weak keys and signatures.
issue rsa1024 "/O=Contoso/CN=old-owa.contoso.com" "DNS:old-owa.contoso.com" 20260101000000Z 20270101000000Z issuing rsa:1024
cp "$WORK/rsa1024.crt" "$store/weak/rsa1024.pem"
issue sha1 "/O=Contoso/CN=legacy-smtp.contoso.com" "DNS:legacy-smtp.contoso.com" 20260101000000Z 20270101000000Z issuing rsa:2048 sha1
cp "$WORK/sha1.crt" "$store/weak/sha1-signed.pem"
issue p224 "/O=Contoso/CN=iot.contoso.com" "DNS:iot.contoso.com" 20260101000000Z 20270101000000Z issuing ec:P-224
cp "$WORK/p224.crt" "$store/weak/ec-p224.pem"

# A wildcard certificate (bound to POP/IMAP on EX02 in the exports).
issue wildcard "/O=Contoso/CN=*.contoso.com" "DNS:*.contoso.com" 20260101000000Z 20270101000000Z issuing
cp "$WORK/wildcard.crt" "$store/wildcard.pem"

# The Exchange Auth certificate (self-signed by design), 40 days from the end at the demo date.
issue auth "/CN=Microsoft Exchange Server Auth Certificate" "" 20210710000000Z 20260710000000Z self rsa:2048 sha256 v3_auth
openssl x509 -in "$WORK/auth.crt" -outform DER -out "$store/exchange-auth.cer"

# The next Auth certificate, staged by Set-AuthConfig -NewCertificateThumbprint but not yet
# published, and EX04's setup self-signed certificate (its internal transport certificate).
issue authnext "/CN=Microsoft Exchange Server Auth Certificate" "" 20260401000000Z 20310401000000Z self rsa:2048 sha256 v3_auth
openssl x509 -in "$WORK/authnext.crt" -outform DER -out "$store/exchange-auth-next.cer"
issue ex04 "/CN=EX04" "DNS:EX04,DNS:ex04.contoso.com" 20250701000000Z 20300701000000Z self
openssl x509 -in "$WORK/ex04.crt" -outform DER -out "$store/ex04-selfsigned.cer"

printf 'Contoso certificate store export, June 2026.\nNot a certificate: certaudit records this file as skipped.\n' > "$store/README.txt"
echo "sample store written to $store"

# The Exchange exports (Get-ExchangeCertificate and friends) for these certificates.
(cd "$here/../.." && cargo run --quiet --example contoso_exports)
