# Sourced by scripts/test-all: installs Debian's xmlsec1 (libxml2 + OpenSSL),
# the independent verifier of the VIHF signatures and of the submission
# signature documents produced by segur-dmp, and exports the opt-in switch of
# dmp/tests/vihf_xmlsec1.rs and dmp/tests/xades_xmlsec1.rs:
#   SEGUR_XMLSEC1   path of the xmlsec1 binary
apt_install xmlsec1
SEGUR_XMLSEC1="$(command -v xmlsec1)"
export SEGUR_XMLSEC1
echo "xmlsec1: $("$SEGUR_XMLSEC1" --version)"
