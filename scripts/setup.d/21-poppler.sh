# Sourced by scripts/test-all: installs poppler's pdftoppm (Debian
# poppler-utils) and exports SEGUR_PDFTOPPM, so that segur-cda's
# tests/pdf.rs rasterises the N1 PDF/A it generates and reads the INS
# datamatrix back with segur-ins.
apt_install poppler-utils
export SEGUR_PDFTOPPM="$(command -v pdftoppm)"
