# Sourced by scripts/test-all: installs libdmtx's command-line tools (Debian
# dmtx-utils), an implementation independent of the ones segur-ins uses, and
# exports SEGUR_DMTX so that segur-ins tests/dmtx_interop.rs checks that our
# INS datamatrix symbols read back byte-exact with dmtxread, and that symbols
# written by dmtxwrite decode with segur-ins.
apt_install dmtx-utils
export SEGUR_DMTX=1
