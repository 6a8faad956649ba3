#!/usr/bin/env bash
# Regenerates the fictitious fixtures of README.md (not run by the tests).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# Issuers (throwaway, named like the real ones).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 3650 \
  -subj "/C=FR/O=ASIP-SANTE/OU=0002 187512751/OU=IGC-SANTE TEST/CN=TEST AC IGC-SANTE STANDARD PERSONNES" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/caorg.key" -out "$tmp/caorg.pem" -days 3650 \
  -subj "/C=FR/O=ASIP-SANTE/OU=0002 187512751/OU=IGC-SANTE/CN=AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" 2>/dev/null
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$tmp/ca4.key" -out "$tmp/ca4.pem" -days 3650 -sha1 \
  -subj "/C=FR/O=GIP-CPS-TEST/OU=AC-CLASSE-4-TEST" 2>/dev/null

# Personal auth (multi-valued RDN SN+CN+GN).
cat > "$tmp/pers.ext" <<'X'
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth,1.3.6.1.4.1.311.20.2.2
subjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;UTF8:810003612545@carte-cps.fr
certificatePolicies=1.2.250.1.213.1.7.2.1.1.1.1
X
openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/p.key" -out "$tmp/p.csr" -multivalue-rdn \
  -subj "/C=FR/ST=Paris (75)/O=CENTRE DE SANTE FICTIF/OU=10B0057881/title=Médecin/SN=DUPONT+CN=810003612545+GN=JEANNE" -utf8 2>/dev/null
openssl x509 -req -in "$tmp/p.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -set_serial 0x1001 -days 1095 -sha256 \
  -extfile "$tmp/pers.ext" -outform DER -out cps-auth-test-like.der 2>/dev/null

# Organisation server (production-like policy).
cat > "$tmp/srv.ext" <<'X'
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:lgc.centre-fictif.test
certificatePolicies=1.2.250.1.213.1.7.1.1.2.5.1
X
openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/s.key" -out "$tmp/s.csr" \
  -subj "/C=FR/ST=Paris (75)/O=CENTRE DE SANTE FICTIF/OU=318751275100020/CN=lgc.centre-fictif.test" 2>/dev/null
openssl x509 -req -in "$tmp/s.csr" -CA "$tmp/caorg.pem" -CAkey "$tmp/caorg.key" -set_serial 0x2002 -days 1095 -sha256 \
  -extfile "$tmp/srv.ext" -outform DER -out org-server-prod-like.der 2>/dev/null

# Legacy classe 4: RSA-1024 + SHA-1.
cat > "$tmp/c4.ext" <<'X'
certificatePolicies=1.2.250.1.71.3.7.4
X
openssl req -new -newkey rsa:1024 -nodes -keyout "$tmp/c4.key" -out "$tmp/c4.csr" \
  -subj "/C=FR/O=CENTRE DE SANTE FICTIF/OU=318751275100020/CN=classe4.centre-fictif.test" 2>/dev/null
openssl x509 -req -in "$tmp/c4.csr" -CA "$tmp/ca4.pem" -CAkey "$tmp/ca4.key" -set_serial 0x3003 -days 1095 -sha1 \
  -extfile "$tmp/c4.ext" -outform DER -out classe4-like.der 2>/dev/null

# PKCS#12 exports of one throwaway identity (password "test"): OpenSSL 3
# default (AES-256/PBKDF2), 3DES, and -legacy (RC2-40 certificates).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/id.key" -out "$tmp/id.pem" -days 3650 -sha256 \
  -subj "/C=FR/O=CENTRE DE SANTE FICTIF/OU=10B0057881/CN=810003612545" 2>/dev/null
openssl pkcs12 -export -inkey "$tmp/id.key" -in "$tmp/id.pem" -passout pass:test -out identity-aes.p12
openssl pkcs12 -export -inkey "$tmp/id.key" -in "$tmp/id.pem" -passout pass:test \
  -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -out identity-3des.p12
openssl pkcs12 -export -inkey "$tmp/id.key" -in "$tmp/id.pem" -passout pass:test -legacy -out identity-legacy.p12

# Like the client certificate of shared/tools/test-servers: CN "8…" + name,
# an RPPS whose Luhn key is wrong (test value), EKU clientAuth only, issued by
# a CA outside IGC-Santé (here self-signed).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/m.key" -out "$tmp/m.pem" -days 1095 -sha256 \
  -subj "/C=FR/O=MSSANTE TEST/OU=899700000000/CN=899700000000 DOCTEUR TEST" \
  -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=clientAuth" -addext "subjectAltName=email:medecin@test.mssante.local" 2>/dev/null
openssl x509 -in "$tmp/m.pem" -outform DER -out mss-client-like.der
