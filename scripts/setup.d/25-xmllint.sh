# Sourced by scripts/test-all: installs Debian's xmllint (libxml2-utils) and
# xmlsec1, and exports the opt-in switches of segur-ins ins/tests/insi_xsd.rs:
#   SEGUR_XMLLINT   path of xmllint: INSi requests and simulator answers are
#                   validated against the vendored XSDs (shared/vendor/insi)
#   SEGUR_XMLSEC1   path of xmlsec1: the CPS assertion signature is verified
apt_install libxml2-utils xmlsec1
SEGUR_XMLLINT="$(command -v xmllint)"
SEGUR_XMLSEC1="$(command -v xmlsec1)"
export SEGUR_XMLLINT SEGUR_XMLSEC1
echo "xmllint: $("$SEGUR_XMLLINT" --version 2>&1 | head -n 1)"
