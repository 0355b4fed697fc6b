# Helpers to issue certificates with fixed dates using the OpenSSL 3 command line.
# Sourced by samples/contoso/generate.sh and tests/fixtures/make-fixtures.sh; needs $WORK.
#
#   issue NAME SUBJECT SAN START END ISSUER [KEY] [DIGEST] [EXTENSIONS]
#     SUBJECT  "/O=Contoso/CN=mail.contoso.com"
#     SAN      "DNS:mail.contoso.com,IP:10.0.0.5" (ignored for CA extensions)
#     START/END  YYYYMMDDHHMMSSZ
#     ISSUER   NAME of an earlier certificate, or "self"
#     KEY      rsa:BITS or ec:CURVE (default rsa:2048)
#     DIGEST   sha256, sha1, md5 … (default sha256)
#     EXTENSIONS v3_leaf (default), v3_root, v3_issuing, v3_auth (like Exchange's Auth certificate: no SAN)
# Results: $WORK/NAME.key, $WORK/NAME.crt (PEM).

ca_init() {
  mkdir -p "$WORK/newcerts"
  : > "$WORK/index.txt"
  echo 1000 > "$WORK/serial"
  cat > "$WORK/ca.cnf" <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
database = $WORK/index.txt
new_certs_dir = $WORK/newcerts
serial = $WORK/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ v3_root ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_issuing ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_auth ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
[ v3_leaf ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = \$ENV::SAN
CNF
}

issue() {
  local name=$1 subj=$2 san=$3 start=$4 end=$5 issuer=$6 key=${7:-rsa:2048} md=${8:-sha256} ext=${9:-v3_leaf}
  case $key in
    rsa:*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${key#rsa:}" -out "$WORK/$name.key" 2>/dev/null ;;
    ec:*) openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${key#ec:}" -out "$WORK/$name.key" ;;
    *) echo "unknown key spec $key" >&2; return 1 ;;
  esac
  openssl req -new -key "$WORK/$name.key" -subj "$subj" -out "$WORK/$name.csr"
  local signer=(-cert "$WORK/$issuer.crt" -keyfile "$WORK/$issuer.key")
  [ "$issuer" = self ] && signer=(-selfsign -keyfile "$WORK/$name.key")
  SAN=${san:-DNS:unused.invalid} openssl ca -batch -notext -preserveDN -config "$WORK/ca.cnf" "${signer[@]}" \
    -in "$WORK/$name.csr" -startdate "$start" -enddate "$end" -md "$md" -extensions "$ext" \
    -out "$WORK/$name.crt" 2>/dev/null
}
